// Browser end-to-end for the run card's "Inside" tab (issue 11): a run of the vanishing-gradients
// lesson's sigmoid experiment draws the network strip and the histograms over time, live; they
// grow as the run goes; clicking a layer of the strip opens its histograms; hovering a heat map
// reads a bin and its count. Screenshots in the dark and the light theme under
// test-results/e2e-inside/; the run ends with "e2e: N passed, N failed".
//   node test/e2e/inside.mjs
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_E2E_STEP_TIMEOUT (seconds per step, default 120).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension, elapsed, prepareFolders, root, startEditor } from '../integration/harness.mjs';
import { killOnExit, linkExtension, workbenchUrl, writeUserSettings } from '../../scripts/code-server/server.mjs';
import { closeAllBrowsers, launchChromium } from '../../scripts/code-server/browser.mjs';
import { openCardTab, panelFrame, runCommand, until } from './helpers.mjs';

const stepTimeout = Number(process.env.DEEP_LESSONS_E2E_STEP_TIMEOUT || 120) * 1000;
const LESSON_FILE = join(root, 'lessons', '01-vanishing-gradients.lesson.md');
const LESSON_TITLE = /^title:\s*(.+)$/m.exec(readFileSync(LESSON_FILE, 'utf8'))?.[1]?.trim();
const CARD = 'section.run-card#exp-sigmoid-normal';
const t0 = Date.now();
let passed = 0;
let failed = 0;
let server;
let browser;
const state = {};
const consoleLines = [];

killOnExit(() => {
  console.log(`\ninterrupted\ne2e: ${passed} passed, ${failed + 1} failed`);
  void closeAllBrowsers();
});

/** Drawn (not transparent) pixels of the visible canvases under `sel`, by class name. */
const ink = (frame, sel) =>
  frame.$$eval(`${sel} canvas`, (canvases) => {
    const out = {};
    canvases.forEach((c, i) => {
      if (!c.width || !c.height || c.offsetParent === null) return;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let p = 3; p < data.length; p += 4) if (data[p] > 0) n++;
      out[`${c.className} ${i}`] = n;
    });
    return out;
  });

const frame = () => {
  if (!state.frame) throw new Error('no lesson panel (opening the lesson failed)');
  return state.frame;
};

const steps = [
  [
    'the vanishing-gradients lesson opens',
    async (page) => {
      await runCommand(page, 'DL Lessons: Open Lesson');
      const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: LESSON_TITLE }).first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.click();
      state.frame = await panelFrame(page);
    },
  ],
  [
    'during a run, the Inside tab draws the network strip and the heat maps, and they grow',
    async (page) => {
      const f = frame();
      await f.locator(CARD).scrollIntoViewIfNeeded();
      await openCardTab(f, CARD, 'Inside');
      const before = await ink(f, `${CARD} .inside`);
      await f.locator(`${CARD} vscode-button`, { hasText: '▶ Run' }).first().click();
      const heat = f.locator(`${CARD} .inside > .heatmap:not([hidden]) canvas`).first();
      const columns = async () => Number((await heat.getAttribute('data-columns')) ?? 0);
      const first = await until('the heat map to draw its first columns', async () => {
        const now = await ink(f, `${CARD} .inside`);
        const h = Object.entries(now).find(([k]) => k.startsWith('heatmap-canvas'));
        const strip = Object.entries(now).find(([k]) => k.startsWith('strip-canvas'));
        const n = await columns();
        return h && strip && n >= 1 && h[1] > (before[h[0]] ?? 0) + 500 && strip[1] > 0 ? { ink: now, n } : false;
      }, 90_000);
      await f.locator(`${CARD} .inside`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '02a-inside-early.png') });
      const later = await until('the heat map to grow (more columns while the run goes)', async () => {
        const n = await columns();
        return n >= first.n + 3 ? n : false;
      }, stepTimeout);
      await page.screenshot({ path: join(state.dirs.results, '02b-inside-later.png') });
      state.layers = Number((await heat.getAttribute('data-layers')) ?? 0);
      state.growth = `heat map columns ${first.n} -> ${later} during the run (${state.layers} layers)`;
      await until('the run to end', async () => /complete/i.test((await f.textContent(`${CARD} .run-status`)) ?? ''), stepTimeout);
    },
  ],
  [
    'hovering the heat map reads a layer, a step, a bin and its count',
    async (page) => {
      const f = frame();
      const canvas = f.locator(`${CARD} .inside > .heatmap:not([hidden]) canvas`).first();
      const box = await canvas.boundingBox();
      // The bottom row (layer 1), three quarters along the steps, the middle of the bins.
      const rows = state.layers || Number((await canvas.getAttribute('data-layers')) ?? 1);
      const rowH = (box.height - 18) / rows;
      await page.mouse.move(box.x + 120 + (box.width - 176) * 0.75, box.y + (rows - 0.5) * rowH);
      const text = await until('the hover readout', async () => {
        const t = (await f.textContent(`${CARD} .inside > .heatmap:not([hidden]) .heatmap-readout`)) ?? '';
        return /^layer 1 · dense, step \d+: output .+ to .+: \d+ values?$/.test(t.trim()) ? t.trim() : false;
      }, 10_000);
      state.hover = text;
    },
  ],
  [
    "clicking a layer of the strip opens that layer's histograms",
    async (page) => {
      const f = frame();
      const strip = f.locator(`${CARD} .strip-canvas`);
      const box = await strip.boundingBox();
      // The layers left to right in equal widths: click the middle of the second one (layer 2).
      const n = state.layers || 3;
      await page.mouse.click(box.x + (1.5 * box.width) / n, box.y + box.height / 2);
      const title = await until('the detail title for layer 2', async () => {
        const t = (await f.textContent(`${CARD} .inside-detail h4`)) ?? '';
        return (await f.locator(`${CARD} .inside-detail`).isVisible()) && t.startsWith('layer 2 · ') ? t : false;
      }, 10_000);
      const detail = await ink(f, `${CARD} .inside-detail`);
      if (Object.values(detail).filter((n) => n > 1000).length < 2) throw new Error(`the layer's two heat maps are not drawn: ${JSON.stringify(detail)}`);
      state.caption = (await f.textContent(`${CARD} .strip-caption`))?.trim();
      state.detail = title;
      await f.locator(`${CARD} .inside`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '04a-layer-detail-dark.png') });
    },
  ],
  [
    'the Inside tab in the light theme',
    async (page) => {
      const f = frame();
      writeUserSettings(state.dirs.userData, { 'deepLessons.dataDir': state.dataDir, 'deepLessons.epochsBudget': 0, 'workbench.colorTheme': 'Default Light Modern' }, { keepExisting: false });
      await until('the panel to switch to the light theme', async () => f.$eval('body', (b) => b.classList.contains('vscode-light')), 20_000);
      await page.waitForTimeout(1000);
      await f.locator(`${CARD} .inside`).scrollIntoViewIfNeeded();
      const now = await ink(f, `${CARD} .inside`);
      if (!Object.values(now).some((n) => n > 1000)) throw new Error(`nothing drawn after the theme change: ${JSON.stringify(now)}`);
      await page.screenshot({ path: join(state.dirs.results, '05a-inside-light.png') });
    },
  ],
];

try {
  if (!LESSON_TITLE) throw new Error(`${LESSON_FILE}: no title`);
  buildExtension();
  const dirs = prepareFolders('e2e-inside', { 'deepLessons.epochsBudget': 0 });
  state.dirs = dirs;
  state.dataDir = JSON.parse(readFileSync(join(dirs.userData, 'User', 'settings.json'), 'utf8'))['deepLessons.dataDir'];
  browser = await launchChromium();
  linkExtension(dirs.extensions, root);
  server = await startEditor({ ...dirs, workspace: join(root, 'lessons') });
  console.log(`code-server on ${server.url} (${elapsed(t0)})`);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.goto(workbenchUrl(server, { folder: join(root, 'lessons'), payload: [['extensionDevelopmentPath', root]] }), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
  for (const [i, [title, fn]] of steps.entries()) {
    const shot = join(dirs.results, `${String(i + 1).padStart(2, '0')}-${title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50)}.png`);
    const s0 = Date.now();
    try {
      await Promise.race([fn(page), new Promise((_, rej) => setTimeout(() => rej(new Error(`step timed out after ${stepTimeout / 1000} s`)), stepTimeout * 2))]);
      await page.screenshot({ path: shot });
      passed++;
      console.log(`  ✔ ${title} (${elapsed(s0)})`);
    } catch (e) {
      failed++;
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.log(`  ✖ ${title} (${elapsed(s0)})\n      ${(e instanceof Error ? e.message : String(e)).split('\n').join('\n      ')}\n      screenshot: ${shot}`);
    }
  }
  console.log(`  growth: ${state.growth ?? '?'}\n  hover: ${state.hover ?? '?'}\n  strip: ${state.caption ?? '?'}; detail: ${state.detail ?? '?'}`);
} catch (e) {
  failed++;
  console.log(`e2e setup failed: ${e instanceof Error ? e.message : String(e)}`);
  if (server) console.log(`--- code-server log (last lines) ---\n${server.logTail(30)}`);
} finally {
  await browser?.close().catch(() => undefined);
  await server?.stop();
}
if (failed) {
  const errors = consoleLines.filter((l) => /^\[(error|pageerror)\]/.test(l) && !/open-vsx|ERR_NAME_NOT_RESOLVED|Failed to load resource/.test(l)).slice(-10);
  if (errors.length) console.log(`--- browser console errors (last ${errors.length}) ---\n${errors.join('\n')}`);
}
console.log(`e2e took ${elapsed(t0)}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
