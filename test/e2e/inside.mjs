// Browser end-to-end for seeing inside the network (issue 11): a prediction committed before a run
// of the vanishing-gradients lesson's sigmoid experiment, graded by that run; the run draws the
// network strip and the histograms over time, live, and they grow; clicking a layer of the strip
// opens its histograms; hovering a heat map reads a bin and its count; a variant with a huge
// learning rate diverges, and its card explains where and offers one-click reruns; the LR finder
// marks its three suggestions with their reasons and "Use in 1cycle" fills the 1cycle card's
// max_lr; the MC dropout tab shows the test images, and a click shows one image's passes.
// Screenshots in the dark and the light theme under test-results/e2e-inside/; the run ends with
// "e2e: N passed, N failed".
//   node test/e2e/inside.mjs
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_E2E_STEP_TIMEOUT (seconds per step, default 120).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, root } from '../integration/harness.mjs';
import { writeUserSettings } from '../../scripts/code-server/server.mjs';
import { canvasInk, openCardTab, openLesson as openLessonPanel, runEnded, setTheme, stepTimeout, until } from './helpers.mjs';
import { runBrowserScript } from './session.mjs';

const titleOf = (file) => /^title:\s*(.+)$/m.exec(readFileSync(join(root, 'lessons', file), 'utf8'))?.[1]?.trim();
const LESSON_FILE = join(root, 'lessons', '01-vanishing-gradients.lesson.md');
const LESSON_TITLE = titleOf('01-vanishing-gradients.lesson.md');
const FINDER_LESSON = titleOf('09-one-cycle.lesson.md');
const MC_LESSON = titleOf('12-mc-dropout.lesson.md');
const CARD = 'section.run-card#exp-sigmoid-normal';
/** A ReLU net of lesson 1: with learning rate 1e5 it diverges (the sigmoid one only saturates). */
const RELU = 'section.run-card#exp-relu-he';
const FINDER = 'section.run-card#exp-lr-finder';
const ONE_CYCLE = 'section.run-card#exp-one-cycle';
const MC = 'section.run-card#exp-alpha-dropout';
/** The question of lesson 1's quiz that the sigmoid run grades. */
const PREDICT = '.question:has(.predict-note:has-text("sigmoid-normal"))';
const state = {};

/** Drawn (not transparent) pixels of the visible canvases under `sel`, by class name. */
const ink = (frame, sel) => canvasInk(frame, sel, 'class');

const frame = () => {
  if (!state.frame) throw new Error('no lesson panel (opening the lesson failed)');
  return state.frame;
};

/** Opens a lesson by its title from the palette; the panel's frame once it shows `card`. */
async function openLesson(page, title, card) {
  state.frame = await openLessonPanel(page, title, `article.lesson ${card}`);
  return state.frame;
}

/** The card's run has ended with a status matching `re` (fails on "failed"). */
const ended = (f, card, re) => runEnded(f, card, stepTimeout, re);

/** Opens a lesson, shows a card's tab, runs the card and waits for "Run complete."; the panel's frame. */
async function runInLesson(page, title, card, tab) {
  const f = await openLesson(page, title, card);
  await f.locator(card).scrollIntoViewIfNeeded();
  await openCardTab(f, card, tab);
  await f.locator(`${card} vscode-button`, { hasText: '▶ Run' }).first().click();
  await ended(f, card, /complete/i);
  return f;
}

const steps = [
  [
    'the vanishing-gradients lesson opens',
    async (page) => {
      await openLesson(page, LESSON_TITLE, CARD);
    },
  ],
  [
    'a prediction is committed before the run',
    async () => {
      const f = frame();
      const q = f.locator(PREDICT);
      await q.scrollIntoViewIfNeeded();
      await q.locator('vscode-radio', { hasText: 'Over 40' }).click();
      await q.locator('vscode-button', { hasText: 'Commit prediction' }).click();
      state.committed = await until('the committed prediction', async () => {
        const t = (await q.locator('.feedback.pending').textContent().catch(() => '')) ?? '';
        return /Prediction committed/.test(t) ? t.trim() : false;
      }, 15_000);
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
    'the run grades the prediction: right or wrong, with what the run measured',
    async (page) => {
      const f = frame();
      const q = f.locator(PREDICT);
      const graded = await until('the prediction to be graded', async () => {
        const cls = (await q.locator('.feedback').getAttribute('class')) ?? '';
        const t = (await q.locator('.feedback').textContent()) ?? '';
        return /\b(right|wrong)\b/.test(cls) && /The run:/.test(t) ? { cls, t: t.trim() } : false;
      }, 30_000);
      await q.scrollIntoViewIfNeeded();
      state.graded = graded.t.replace(/\s+/g, ' ').slice(0, 200);
      await page.screenshot({ path: join(state.dirs.results, '03a-predict-graded.png') });
      await f.locator(`${CARD} .inside`).scrollIntoViewIfNeeded();
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
    'the Activations/Gradients toggle: the shown kind is pressed, the other clickable, neither disabled',
    async () => {
      const f = frame();
      const read = () => f.$$eval(`${CARD} .inside-kind vscode-button`, (bs) => bs.map((b) => ({ text: b.textContent.trim(), pressed: b.getAttribute('aria-pressed'), disabled: b.hasAttribute('disabled'), secondary: b.hasAttribute('secondary') })));
      const a = await read();
      if (JSON.stringify(a) !== JSON.stringify([{ text: 'Activations', pressed: 'true', disabled: false, secondary: false }, { text: 'Gradients', pressed: 'false', disabled: false, secondary: true }])) throw new Error(`toggle before: ${JSON.stringify(a)}`);
      await f.locator(`${CARD} .inside-kind vscode-button`, { hasText: 'Gradients' }).click();
      const b = await until('Gradients to be the pressed one', async () => {
        const r = await read();
        return r[1].pressed === 'true' && r[0].pressed === 'false' && !r[0].disabled ? r : false;
      }, 5_000);
      state.toggle = JSON.stringify(b);
      await f.locator(`${CARD} .inside-kind vscode-button`, { hasText: 'Activations' }).click();
    },
  ],
  [
    "a variant with learning rate 1e5 diverges: the card says where, and a one-click rerun starts",
    async (page) => {
      const f = frame();
      await f.locator(RELU).scrollIntoViewIfNeeded();
      await f.locator(`${RELU} details.try-it > summary`).click();
      const lr = f.locator(`${RELU} input[data-knob="lr"]`);
      await lr.fill('100000');
      await lr.dispatchEvent('change');
      await f.locator(`${RELU} vscode-button`, { hasText: /^\s*▶ Run variant\s*$/ }).click();
      const status = await ended(f, RELU, /Diverged/);
      const buttons = await f.$$eval(`${RELU} .divergence-actions vscode-button`, (bs) => bs.map((b) => b.textContent.trim()));
      if (!buttons.some((b) => /learning rate ÷ 10/.test(b))) throw new Error(`no "learning rate ÷ 10" rerun: ${JSON.stringify(buttons)}`);
      state.diverged = status.slice(0, 220);
      state.reruns = buttons.join(' | ');
      await f.locator(`${RELU} .run-summary`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '06a-diverged-dark.png') });
      if (!buttons.some((b) => /learning rate ÷ 10 \(10000\)/.test(b))) throw new Error(`the rerun does not divide the rate that diverged (1e5): ${JSON.stringify(buttons)}`);
      await f.locator(`${RELU} .divergence-actions vscode-button`, { hasText: 'learning rate ÷ 10' }).click();
      // The rerun is the variant at a tenth of its rate (0.01 → 10000, not the experiment's 0.01 ÷ 10).
      state.rerun = await until('the rerun to start as the variant at 1e4', async () => {
        const v = (await f.textContent(`${RELU} .variant-line`)) ?? '';
        return /Variant: .*lr 0\.01 → 10000\b/.test(v) ? v.trim() : false;
      }, 60_000);
      // At 1e4 it may diverge again within a second: Stop only a run still going.
      await f.locator(`${RELU}.busy vscode-button`, { hasText: '■ Stop' }).click({ timeout: 3_000 }).catch(() => undefined);
      await ended(f, RELU, /stopped|complete|Diverged/i);
    },
  ],
  [
    "the LR finder marks valley, steepest and min ÷ 10 with their reasons; \"Use in 1cycle\" fills max_lr",
    async (page) => {
      const f = await runInLesson(page, FINDER_LESSON, FINDER, 'Learning rate');
      const items = await until('the three suggestions', async () => {
        const r = await f.$$eval(`${FINDER} .lr-suggestions li`, (lis) => lis.map((li) => ({ kind: li.dataset.kind, text: li.textContent.replace(/\s+/g, ' ').trim() })));
        return r.length === 3 ? r : false;
      }, 10_000);
      if (items.map((i) => i.kind).join() !== 'valley,steepest,minimum') throw new Error(`suggestions: ${JSON.stringify(items)}`);
      state.suggestions = items.map((i) => i.text.replace(/Use in 1cycle$/, '').trim());
      await f.locator(`${FINDER} .lr-suggestions`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '07a-lr-finder-dark.png') });
      const rate = /min ÷ 10: ([0-9.e-]+)/.exec(items[2].text)?.[1];
      await f.locator(`${FINDER} .lr-suggestions li[data-kind="minimum"] vscode-button`, { hasText: 'Use in 1cycle' }).click();
      const set = await until("the 1cycle card's max_lr knob to take the rate", async () => {
        const v = await f.locator(`${ONE_CYCLE} input[data-knob="max_lr"]`).inputValue();
        const open = await f.$eval(`${ONE_CYCLE} details.try-it`, (d) => d.open);
        return open && Number(v) === Number(rate) ? v : false;
      }, 10_000);
      state.useRate = `min ÷ 10 = ${rate} -> 1cycle max_lr ${set}`;
      await page.screenshot({ path: join(state.dirs.results, '07b-use-in-1cycle.png') });
    },
  ],
  [
    "the MC dropout tab: the test images, least certain first; a click shows one image's passes",
    async (page) => {
      writeUserSettings(state.dirs.userData, { 'deepLessons.dataDir': dataDir(), 'deepLessons.epochsBudget': 1 }, { keepExisting: false });
      const f = await runInLesson(page, MC_LESSON, MC, 'MC dropout');
      const cells = await until('64 image cells', async () => {
        const n = await f.locator(`${MC} .mc-cell`).count();
        return n === 64 ? n : false;
      }, 10_000);
      const drawn = Object.values(await ink(f, `${MC} .mc-grid`)).filter((n) => n > 200).length;
      if (drawn < 64) throw new Error(`${drawn} of ${cells} thumbnails drawn`);
      const stds = await f.$$eval(`${MC} .mc-std`, (s) => s.map((e) => Number(e.textContent.replace('< ', ''))));
      if (stds.some((v, i) => i && v > stds[i - 1])) throw new Error(`not least certain first: ${stds.join(', ')}`);
      await f.locator(`${MC} .mc-cell`).first().click();
      await until('the detail of the clicked image', async () => (await f.locator(`${MC} .mc-detail`).isVisible()) && (await f.textContent(`${MC} .mc-detail h4`))?.startsWith('Test image #'), 10_000);
      const passes = Object.values(await ink(f, `${MC} .mc-detail`)).some((n) => n > 2000);
      if (!passes) throw new Error("the image's passes are not drawn");
      state.mc = `${cells} images, std ${stds[0]} … ${stds[63]}; ${(await f.textContent(`${MC} .mc-detail`)).replace(/\s+/g, ' ').slice(0, 220)}`;
      await f.locator(`${MC} .mc-detail`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '08a-mc-dark.png') });
    },
  ],
  [
    'the MC dropout tab in the light theme',
    async (page) => {
      const f = frame();
      await setTheme(page, 'Light Modern', 'light', f);
      await page.waitForTimeout(1000);
      await f.locator(`${MC} .mc-detail`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '08b-mc-light.png') });
    },
  ],
  [
    'the LR finder in the light theme (replayed)',
    async (page) => {
      let f = await openLesson(page, FINDER_LESSON, FINDER);
      await f.locator(FINDER).scrollIntoViewIfNeeded();
      await openCardTab(f, FINDER, 'Learning rate');
      await until('the replayed suggestions', async () => (await f.locator(`${FINDER} .lr-suggestions li`).count()) === 3, 20_000);
      await f.locator(`${FINDER} .lr-suggestions`).scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(state.dirs.results, '07c-lr-finder-light.png') });
      f = await openLesson(page, LESSON_TITLE, CARD);
      await f.locator(CARD).scrollIntoViewIfNeeded();
      await openCardTab(f, CARD, 'Inside');
    },
  ],
  [
    'the Inside tab in the light theme',
    async (page) => {
      const f = frame();
      await until('the panel to be in the light theme', async () => f.$eval('body', (b) => b.classList.contains('vscode-light')), 20_000);
      await page.waitForTimeout(1000);
      await f.locator(`${CARD} .inside`).scrollIntoViewIfNeeded();
      const now = await ink(f, `${CARD} .inside`);
      if (!Object.values(now).some((n) => n > 1000)) throw new Error(`nothing drawn after the theme change: ${JSON.stringify(now)}`);
      await page.screenshot({ path: join(state.dirs.results, '05a-inside-light.png') });
    },
  ],
];

await runBrowserScript({
  name: 'e2e-inside',
  settings: { 'deepLessons.epochsBudget': 0 },
  workspace: join(root, 'lessons'),
  prepare: ({ dirs }) => {
    if (!LESSON_TITLE) throw new Error(`${LESSON_FILE}: no title`);
    state.dirs = dirs;
  },
  // A window with a development extension opens in Light+ whatever the settings say: dark first.
  start: (page) => setTheme(page, 'Dark Modern', 'dark'),
  steps,
  // Inside's steps train real networks: each gets twice the usual step limit.
  timeout: stepTimeout * 2 - 5000,
  report: () => [
    `growth: ${state.growth ?? '?'}`,
    `hover: ${state.hover ?? '?'}`,
    `strip: ${state.caption ?? '?'}; detail: ${state.detail ?? '?'}`,
    `predict: ${state.committed ?? '?'}`,
    `  graded: ${state.graded ?? '?'}`,
    `toggle: ${state.toggle ?? '?'}`,
    `diverged: ${state.diverged ?? '?'}`,
    `  reruns: ${state.reruns ?? '?'}`,
    `  rerun: ${state.rerun ?? '?'}`,
    `LR finder: ${(state.suggestions ?? ['?']).join('\n             ')}`,
    `  ${state.useRate ?? '?'}`,
    `MC: ${state.mc ?? '?'}`,
  ],
});
