// Browser end-to-end: a learner's clicks in VS Code in the browser (code-server + headless
// Chromium), with the extension installed the way `npm start` installs it. Each step saves a
// screenshot under test-results/e2e/; the run ends with "e2e: N passed, N failed".
//   node test/e2e/run.mjs
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_E2E_STEP_TIMEOUT (seconds per step, default 120).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildExtension, elapsed, prepareFolders, root, startEditor } from '../integration/harness.mjs';
import { killOnExit, linkExtension, workbenchUrl } from '../../scripts/code-server/server.mjs';
import { closeAllBrowsers, launchChromium } from '../../scripts/code-server/browser.mjs';
import { panelFrame, runCommand, until } from './helpers.mjs';

const stepTimeout = Number(process.env.DEEP_LESSONS_E2E_STEP_TIMEOUT || 120) * 1000;
const FILE_NAME = '01-vanishing-gradients.lesson.md';
const LESSON_FILE = join(root, 'lessons', FILE_NAME);
// What the lesson file says, read here: its title, its experiment blocks, its first quiz answer.
const lessonText = readFileSync(LESSON_FILE, 'utf8');
const LESSON_TITLE = /^title:\s*(.+)$/m.exec(lessonText)?.[1]?.trim();
const EXPERIMENTS = [...lessonText.matchAll(/^```experiment\s*\nid:\s*(\S+)/gm)].map((m) => m[1]);
const QUIZ = /^```quiz\s*\nid:\s*(\S+)[\s\S]*?\n\s+answer:\s*(\d+)/m.exec(lessonText);
const t0 = Date.now();
let passed = 0;
let failed = 0;
let server;
let browser;
const consoleLines = [];

killOnExit(() => {
  console.log(`\ninterrupted\ne2e: ${passed} passed, ${failed + 1} failed`);
  void closeAllBrowsers();
});

/**
 * The drawn (not transparent) pixels of each chart canvas of a run card that is on screen (the
 * open tab), by its label: a chart that receives points draws lines and rescales its axes.
 */
const visibleInk = (frame, cardSel) =>
  frame.$$eval(`${cardSel} canvas`, (canvases) => {
    const out = {};
    for (const c of canvases) {
      const r = c.getBoundingClientRect();
      if (!c.width || !c.height || r.width === 0 || r.height === 0 || c.offsetParent === null) continue;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let p = 3; p < data.length; p += 4) if (data[p] > 0) ink++;
      out[c.getAttribute('aria-label') || `canvas ${Object.keys(out).length}`] = ink;
    }
    return out;
  });

/**
 * `npm start` as a new user runs it: it prints an address; that page shows the first lesson's
 * file with the extension's CodeLens and its activity-bar icon; Ctrl-C (SIGINT) ends it and
 * nothing listens on the port any more.
 */
async function checkNpmStart(browser, results) {
  const editorDir = join(root, '.cache', 'e2e-start');
  rmSync(editorDir, { recursive: true, force: true });
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--no-build'], {
    cwd: root,
    env: { ...process.env, DEEP_LESSONS_EDITOR_DIR: editorDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  try {
    const url = await until('npm start to print the address', async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
      return /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)$/m.exec(out)?.[1];
    }, 90_000);
    const port = Number(new URL(url).port);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
      await page.locator('.tabs-container .tab', { hasText: FILE_NAME }).first().waitFor({ timeout: 30_000 });
      await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Open lesson' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(results, '00-npm-start.png') });
    } finally {
      await page.close();
    }
    const t = Date.now();
    child.kill('SIGINT');
    const exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 15_000))]);
    if (!exit) throw new Error('npm start did not end within 15 s of Ctrl-C');
    const listening = () =>
      new Promise((r) => {
        const sock = connect(port, '127.0.0.1');
        sock.on('connect', () => (sock.destroy(), r(true)));
        sock.on('error', () => r(false));
      });
    // The killed processes' sockets close as the kernel tears them down: give it 5 s.
    await until(`port ${port} to be free after Ctrl-C`, async () => !(await listening()), 5_000, 100);
    return `address printed, lesson file open with its CodeLens, stopped ${Date.now() - t} ms after Ctrl-C`;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const state = {};
/** Steps after the first need the panel it opened. */
function needPanel() {
  if (!state.frame) throw new Error('no lesson panel to work in (opening the lesson failed)');
  return state.frame;
}
const steps = [
  [
    'the command palette runs "DL Lessons: Open Lesson…" and the vanishing-gradients lesson opens',
    async (page) => {
      await runCommand(page, 'DL Lessons: Open Lesson');
      const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: LESSON_TITLE }).first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.click();
      state.frame = await panelFrame(page);
      const title = await state.frame.textContent('article.lesson h1, .lesson-header h1').catch(() => null);
      if (!title?.includes(LESSON_TITLE)) throw new Error(`the panel's title is ${JSON.stringify(title)}, expected "${LESSON_TITLE}"`);
      await page.locator('.tab', { hasText: LESSON_TITLE }).first().waitFor({ timeout: 10_000 });
    },
  ],
  [
    `the panel shows the lesson with typeset math (KaTeX), its ${EXPERIMENTS.length} run cards and the quiz`,
    async () => {
      const f = needPanel();
      const katex = await until('KaTeX output', async () => (await f.$$('.katex')).length || false, 20_000);
      const raw = await f.$$('.math[data-tex]');
      if (raw.length) throw new Error(`${raw.length} math spans were left untypeset`);
      const cards = await f.$$eval('section.run-card', (els) => els.map((e) => e.id));
      const expected = EXPERIMENTS.map((id) => `exp-${id}`);
      if (cards.join() !== expected.join()) throw new Error(`run cards ${cards.join(', ')}; the file has ${expected.join(', ')}`);
      if (!(await f.$(`section.quiz#quiz-${QUIZ[1]}`))) throw new Error(`no quiz "${QUIZ[1]}" in the panel`);
      state.katex = katex;
    },
  ],
  [
    'Run on "ReLU with He initialization": the run streams its progress and ends with its outcomes shown',
    async (page) => {
      const f = needPanel();
      const card = 'section.run-card#exp-relu-he';
      await f.locator(card).scrollIntoViewIfNeeded();
      await f.locator(`${card} vscode-button`, { hasText: '▶ Run' }).first().click();
      await until('the run to start (progress text)', async () => /epoch/i.test((await f.textContent(`${card} .progress-text`)) ?? ''), 60_000);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(state.dirs.results, '03a-run-mid.png') });
      const status = await until('the run to end (Run complete.)', async () => {
        const s = (await f.textContent(`${card} .run-status`)) ?? '';
        if (/failed/i.test(s)) throw new Error(s);
        return /complete/i.test(s) ? s : false;
      }, stepTimeout);
      const outcomes = await f.$$eval(`${card} ul.outcomes li`, (lis) => lis.map((l) => l.className));
      if (!outcomes.length || outcomes.some((c) => c.includes('pending'))) throw new Error(`outcomes not shown as met / not met: ${outcomes.join(', ')}`);
      const table = (await f.textContent(`${card} table.metrics`)) ?? '';
      if (!/val_accuracy/.test(table)) throw new Error(`no val_accuracy in the summary: ${table}`);
      state.run = { status: status.trim(), outcomes };
    },
  ],
  [
    'every chart of the run card drew the points of the run (compared with the same chart of a card not run)',
    async (page) => {
      const f = needPanel();
      const card = 'section.run-card#exp-relu-he';
      const other = `section.run-card#exp-${EXPERIMENTS.find((id) => id !== 'relu-he' && id !== 'sigmoid-normal')}`;
      if (!state.run) throw new Error('no run to look at (the previous step failed)');
      const lines = [];
      const blank = [];
      for (const tab of ['Loss & accuracy', 'Gradients', 'Activations', 'Learning rate']) {
        for (const c of [card, other]) {
          await f.locator(c).scrollIntoViewIfNeeded();
          await f.locator(`${c} vscode-panel-tab`, { hasText: tab }).click();
        }
        await page.waitForTimeout(600);
        await f.locator(card).scrollIntoViewIfNeeded();
        const [ran, empty] = [await visibleInk(f, card), await visibleInk(f, other)];
        if (!Object.keys(ran).length) blank.push(`"${tab}" (no chart on screen)`);
        for (const [label, ink] of Object.entries(ran)) {
          lines.push(`${label}: ${empty[label]} -> ${ink} px`);
          if (!(ink > (empty[label] ?? 0) * 1.05)) blank.push(`"${label}"`);
        }
        if (tab === 'Gradients') await page.screenshot({ path: join(state.dirs.results, '04a-gradients-tab.png') });
      }
      state.ink = lines;
      if (blank.length) throw new Error(`charts without the run's points: ${blank.join(', ')}\n(${lines.join('; ')})`);
    },
  ],
  [
    'answering a quiz question shows the verdict and the explanation',
    async () => {
      const f = needPanel();
      const q = `#quiz-${QUIZ[1]}-0`;
      const right = Number(QUIZ[2]);
      await f.locator(q).scrollIntoViewIfNeeded();
      await f.locator(`${q} vscode-radio`).nth(right).click();
      await f.locator(`${q} vscode-button`, { hasText: 'Check' }).click();
      const feedback = await until('the quiz feedback', async () => {
        const t = (await f.textContent(`${q} .feedback`)) ?? '';
        return t.trim() ? t : false;
      }, 20_000);
      if (!/Right/.test(feedback)) throw new Error(`choice ${right + 1} is the right answer; the feedback says ${JSON.stringify(feedback.slice(0, 200))}`);
      if (!(await f.$(`${q} .feedback .explanation`))) throw new Error('no explanation shown');
      const score = (await f.textContent('section.quiz .quiz-score')) ?? '';
      if (!/1\/\d+/.test(score)) throw new Error(`the score reads ${JSON.stringify(score)}`);
      state.score = score.trim();
    },
  ],
  [
    "the DL Lessons tree shows the lesson's progress",
    async (page) => {
      await page.locator('.activitybar [role="tab"][aria-label^="DL Lessons"], .activitybar .action-label[aria-label^="DL Lessons"]').first().click();
      const row = page.locator('.monaco-list-row', { hasText: LESSON_TITLE }).first();
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      const text = await until('the progress in the tree row', async () => {
        const t = (await row.textContent()) ?? '';
        return /quiz 1\/\d+/.test(t) && /in progress|done/.test(t) ? t : false;
      }, 20_000);
      state.tree = text.trim();
    },
  ],
  [
    'a CodeLens in the lesson file (opened with Quick Open) starts a run',
    async (page) => {
      const f = needPanel();
      const target = EXPERIMENTS.find((id) => id !== 'relu-he' && id !== 'sigmoid-normal') ?? EXPERIMENTS[0];
      const fenceLine = lessonText.split('\n').findIndex((l, i, all) => l.startsWith('```experiment') && all[i + 1]?.includes(`id: ${target}`)) + 1;
      // The learner opens the lesson file with Quick Open (Ctrl+P) and goes to the block (Ctrl+G).
      await page.keyboard.press('Control+p');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(FILE_NAME);
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: FILE_NAME }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
      const lens = page.locator('.monaco-editor .codelens-decoration').first();
      try {
        await lens.waitFor({ state: 'visible', timeout: 20_000 });
      } catch {
        // The editor sometimes renders its lenses only once it scrolls (seen once in CI): move the
        // cursor to the end and back, which asks for them again, then wait as before.
        await page.keyboard.press('Control+End');
        await page.keyboard.press('Control+Home');
        await lens.waitFor({ state: 'visible', timeout: 30_000 });
      }
      await page.keyboard.press('Control+g');
      await page.keyboard.type(String(fenceLine));
      await page.keyboard.press('Enter');
      // The "▶ Run full" lens right above the cursor's line (the block's fence): a quick run now ends
      // in about 5 s, before the next step could stop it; the book-sized run lasts minutes.
      const runs = page.locator('.monaco-editor .codelens-decoration a', { hasText: /^▶ Run full$/ });
      const best = await until(`a "▶ Run full" CodeLens above line ${fenceLine} (${target})`, async () => {
        const cursorY = await page.locator('.monaco-editor .view-overlays .current-line').first().evaluate((el) => el.getBoundingClientRect().top);
        let found = -1;
        let foundY = -Infinity;
        for (let i = 0; i < (await runs.count()); i++) {
          const y = await runs.nth(i).evaluate((el) => el.getBoundingClientRect().top);
          if (y < cursorY && y > foundY && cursorY - y < 60) [found, foundY] = [i, y];
        }
        return found >= 0 ? { i: found } : false;
      }, 20_000);
      await runs.nth(best.i).click();
      state.lensCard = `section.run-card#exp-${target}`;
      await until(`the "${target}" run card to get busy`, async () => f.$eval(state.lensCard, (el) => el.classList.contains('busy')), 60_000);
      await until('a Stop CodeLens while it runs', async () => (await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Stop' }).count()) > 0, 30_000);
    },
  ],
  [
    'Stop in the panel ends the run mid-way',
    async (page) => {
      const f = needPanel();
      const card = state.lensCard;
      if (!card) throw new Error('no run to stop (the CodeLens step failed)');
      // The lesson file took the panel's place: the learner goes back to the panel's tab.
      await page.locator('.tabs-container .tab', { hasText: LESSON_TITLE }).first().click();
      await until('the first epoch progress', async () => /batch/i.test((await f.textContent(`${card} .progress-text`)) ?? ''), 60_000);
      await f.locator(card).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '07a-before-stop.png') });
      await f.locator(`${card} vscode-button`, { hasText: 'Stop' }).click();
      const status = await until('"Run stopped."', async () => {
        const s = (await f.textContent(`${card} .run-status`)) ?? '';
        if (/complete/i.test(s)) throw new Error(`the run completed before Stop took effect: ${s}`);
        return /stopped/i.test(s) ? s : false;
      }, 30_000);
      const busy = await f.$eval(card, (el) => el.classList.contains('busy'));
      if (busy) throw new Error('the card is still busy after the stop');
      state.stop = status.trim();
    },
  ],
];

try {
  if (!LESSON_TITLE || EXPERIMENTS.length < 2 || !QUIZ) throw new Error(`${LESSON_FILE}: no title, fewer than 2 experiments, or no quiz with an answer`);
  buildExtension();
  const dirs = prepareFolders('e2e', { 'deepLessons.epochsBudget': 0 });
  state.dirs = dirs;
  browser = await launchChromium();
  {
    const s0 = Date.now();
    const title = '`npm start` serves the first lesson; Ctrl-C stops it and frees its port';
    try {
      state.npmStart = await checkNpmStart(browser, dirs.results);
      passed++;
      console.log(`  ✔ ${title} (${elapsed(s0)})`);
    } catch (e) {
      failed++;
      console.log(`  ✖ ${title} (${elapsed(s0)})\n      ${(e instanceof Error ? e.message : String(e)).split('\n').join('\n      ')}`);
    }
  }
  linkExtension(dirs.extensions, root);
  server = await startEditor({ ...dirs, workspace: join(root, 'lessons') });
  console.log(`code-server on ${server.url} (${elapsed(t0)})`);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  // The address `npm start` prints: the project's lessons folder, the extension as a development
  // extension (its real path) on top of the linked install.
  await page.goto(workbenchUrl(server, { folder: join(root, 'lessons'), payload: [['extensionDevelopmentPath', root]] }), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
  console.log(`workbench loaded with the extension (${elapsed(t0)})`);

  for (const [i, [title, fn]] of steps.entries()) {
    const shot = join(dirs.results, `${String(i + 1).padStart(2, '0')}-${title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50)}.png`);
    const s0 = Date.now();
    try {
      await Promise.race([fn(page), new Promise((_, rej) => setTimeout(() => rej(new Error(`step timed out after ${stepTimeout / 1000} s`)), stepTimeout + 5000))]);
      await page.screenshot({ path: shot });
      passed++;
      console.log(`  ✔ ${title} (${elapsed(s0)})`);
    } catch (e) {
      failed++;
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.log(`  ✖ ${title} (${elapsed(s0)})\n      ${(e instanceof Error ? e.message : String(e)).split('\n').join('\n      ')}\n      screenshot: ${shot}`);
    }
  }
  if (state.run) console.log(`  run: ${state.run.status}; outcomes ${state.run.outcomes.join(', ')}\n  charts (not run -> run): ${state.ink?.join('; ') ?? '?'}`);
  if (state.npmStart) console.log(`  npm start: ${state.npmStart}`);
  if (state.score) console.log(`  quiz: ${state.score}; tree row: ${state.tree ?? '?'}; stop: ${state.stop ?? '?'}`);
} catch (e) {
  failed++;
  console.log(`e2e setup failed: ${e instanceof Error ? e.message : String(e)}`);
  if (server) console.log(`--- code-server log (last lines) ---\n${server.logTail(30)}`);
} finally {
  if (state.dirs) {
    writeFileSync(join(state.dirs.results, 'browser-console.log'), consoleLines.join('\n') + '\n');
  }
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
