// Browser end-to-end for "Try it": on a run card of a workspace lesson, run the experiment, change
// a knob, run the variant (labelled by its difference, started as a twin), and save it as an
// experiment: the new block appears in the lesson file after its parent. Screenshots in dark and
// light themes under test-results/e2e-tryit/; ends with "e2e: N passed, N failed".
//   node test/e2e/tryit.mjs
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../integration/harness.mjs';
import { openCardTab, openLesson, runEnded, setTheme, stepTimeout, until } from './helpers.mjs';
import { runBrowserScript } from './session.mjs';

const FIXTURE = join(root, 'test', 'fixtures', 'lessons', '01-tiny.lesson.md');
const TITLE = /^title:\s*(.+)$/m.exec(readFileSync(FIXTURE, 'utf8'))[1].trim();
const CARD = 'section.run-card#exp-sigmoid-deep';
const state = {};
const runEnds = (f) => runEnded(f, CARD, stepTimeout);

const steps = [
  [
    'open the workspace lesson and run its experiment',
    async (page) => {
      state.frame = await openLesson(page, TITLE);
      const f = state.frame;
      await f.locator(CARD).scrollIntoViewIfNeeded();
      await f.locator(`${CARD} vscode-button`, { hasText: '▶ Run' }).first().click();
      state.base = (await runEnds(f)).trim();
    },
  ],
  [
    'change the activation knob and run the variant: the card says what differs and which layers were shared',
    async (page) => {
      const f = state.frame;
      await f.locator(`${CARD} details.try-it > summary`).click();
      const sel = f.locator(`${CARD} select[data-knob^="activation"]`);
      await sel.selectOption('relu');
      await f.locator(`${CARD} details.try-it vscode-button`, { hasText: /^\s*▶ Run variant\s*$/ }).click();
      await until('the variant to start', async () => /Variant:/.test((await f.textContent(`${CARD} .variant-line`)) ?? ''), 60_000);
      state.variant = (await runEnds(f)).trim();
      const line = (await f.textContent(`${CARD} .variant-line`)) ?? '';
      if (!/activation: sigmoid → relu/.test(line)) throw new Error(`the variant line reads ${JSON.stringify(line)}`);
      if (!/shared by dense, dense_1/.test(line)) throw new Error(`the twin report reads ${JSON.stringify(line)}`);
      state.line = line.trim();
      // Both runs on the card's charts: the variant named by its difference, the original dashed.
      const series = await until('the original drawn under the variant', async () => {
        const t = (await f.getAttribute(`${CARD} canvas[aria-label="Loss"]`, 'data-series')) ?? '';
        return /original: validation/.test(t) ? t : false;
      }, 30_000);
      if (!/activation: sigmoid → relu \(layer 1\): validation \(epochs\)/.test(series)) throw new Error(`the loss chart's legend: ${series}`);
      state.overlay = series;
      await openCardTab(f, CARD, 'Loss & accuracy');
      await f.locator(CARD).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-variant-light.png') });
    },
  ],
  [
    'Save as experiment writes a new block after its parent in the lesson file',
    async (page) => {
      const f = state.frame;
      await f.locator(`${CARD} details.try-it vscode-button`, { hasText: 'Save as experiment' }).click();
      const text = await until('the new block in the file', async () => {
        const t = readFileSync(state.lessonFile, 'utf8');
        return /```experiment\nid: sigmoid-deep-variant\n/.test(t) ? t : false;
      }, 30_000);
      const ids = [...text.matchAll(/^```experiment\s*\nid:\s*(\S+)/gm)].map((m) => m[1]);
      if (ids.join() !== 'sigmoid-deep,sigmoid-deep-variant') throw new Error(`experiments in the file: ${ids.join(', ')}`);
      if (!/activation: relu/.test(text.split('id: sigmoid-deep-variant')[1])) throw new Error('the saved block has no relu');
      await page.screenshot({ path: join(state.dirs.results, 'tryit-saved-light.png') });
      await setTheme(page, 'Dark Modern', 'dark', f);
      await page.locator('.tabs-container .tab', { hasText: TITLE }).first().click();
      await page.waitForTimeout(1000);
      await f.locator(CARD).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-variant-dark.png') });
    },
  ],
  [
    'Run ×3 seeds: the loss and accuracy charts show the mean ± 1 std band, each expectation says in how many seeds it was met',
    async (page) => {
      const f = state.frame;
      // The card has run once: under its estimate, what the 3 seeds will take, timed on that run.
      const seedsCost = await until('the time of ×3 seeds under the estimate', async () => {
        const t = ((await f.textContent(`${CARD} header .seeds-cost`)) ?? '').trim();
        return /^Run ×3 seeds: ≈ \d+(\.\d)? s × 3 seeds = \d+(\.\d)? (s|min) \(timed on its last run\)$/.test(t) ? t : false;
      }, 30_000);
      state.seedsCost = seedsCost;
      await f.locator(`${CARD} header`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-seeds-cost-dark.png') });
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Run ×3 seeds' }).click();
      await until('the three seeds to end', async () => /^3 of 3 seeds/.test(((await f.textContent(`${CARD} .progress-text`)) ?? '').trim()), stepTimeout);
      await runEnds(f);
      const series = await f.getAttribute(`${CARD} canvas[aria-label="Loss"]`, 'data-series');
      if (!/train: mean ± 1 std of 3 seeds/.test(series ?? '') || !/validation: mean ± 1 std of 3 seeds/.test(series ?? '')) throw new Error(`the loss chart's series: ${series}`);
      const outcomes = await until('the outcomes over the seeds', async () => {
        const t = await f.$$eval(`${CARD} ul.outcomes li`, (lis) => lis.map((l) => l.textContent ?? ''));
        return t.length && t.every((x) => / met in \d of 3 seeds/.test(x)) ? t : false;
      }, 30_000);
      const table = (await f.textContent(`${CARD} table.seeds-summary`)) ?? '';
      if (!/over 3 seeds/.test(table) || !/val accuracy/.test(table)) throw new Error(`the summary over the seeds reads ${JSON.stringify(table)}`);
      state.seeds = outcomes.map((o) => o.replace(/\s+/g, ' ').trim()).join('; ');
      await openCardTab(f, CARD, 'Loss & accuracy');
      await f.locator(`${CARD} .run-body`).scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(state.dirs.results, 'tryit-seeds-dark.png') });
    },
  ],
  [
    'Run variant ×3 seeds: the card says in words whether the variant beat the original beyond noise (Welch)',
    async (page) => {
      const f = state.frame;
      // (saving the variant re-rendered the lesson: the strip is closed and back at the experiment's values)
      if (!(await f.locator(`${CARD} details.try-it`).evaluate((d) => d.open))) await f.locator(`${CARD} details.try-it > summary`).click();
      await f.locator(`${CARD} select[data-knob^="activation"]`).selectOption('relu');
      await f.locator(`${CARD} details.try-it vscode-button`, { hasText: 'Run variant ×3 seeds' }).click();
      await until('the variant to start', async () => /Variant:/.test((await f.textContent(`${CARD} .variant-line`)) ?? ''), 60_000);
      await until('the three seeds of the variant to end', async () => /^3 of 3 seeds/.test(((await f.textContent(`${CARD} .progress-text`)) ?? '').trim()), stepTimeout);
      const verdict = await until('the verdict', async () => {
        const t = ((await f.textContent(`${CARD} .seeds-verdict`)) ?? '').replace(/\s+/g, ' ').trim();
        return t || false;
      }, 30_000);
      if (!/"activation: sigmoid → relu[^"]*" beat the original|the original beat "activation: sigmoid → relu|tie/.test(verdict) || !/over 3 seeds each: (not noise|could be noise)/.test(verdict)) throw new Error(`the verdict reads ${JSON.stringify(verdict)}`);
      state.verdict = verdict;
      await f.locator(`${CARD} .seeds-verdict`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-verdict-dark.png') });
      await setTheme(page, 'Light Modern', 'light', f);
      await page.locator('.tabs-container .tab', { hasText: TITLE }).first().click();
      await page.waitForTimeout(1000);
      await f.locator(`${CARD} .seeds-verdict`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-verdict-light.png') });
    },
  ],
  [
    'History: the runs are kept; one is overlaid on the charts, another deleted',
    async (page) => {
      const f = state.frame;
      const summary = f.locator(`${CARD} details.history > summary`);
      const count = async () => Number(/\((\d+) runs? kept\)/.exec((await summary.textContent()) ?? '')?.[1] ?? NaN);
      const before = await until('four kept runs', async () => ((await count()) === 4 ? 4 : false), 30_000);
      await summary.click();
      const options = await f.$$eval(`${CARD} details.history option`, (os) => os.map((o) => ({ value: o.value, text: o.textContent ?? '' })));
      const plain = options.find((o) => !/variant|seeds/.test(o.text));
      if (!plain) throw new Error(`no plain run in the history: ${options.map((o) => o.text).join(' | ')}`);
      await f.locator(`${CARD} details.history select`).selectOption(plain.value);
      await f.locator(`${CARD} details.history vscode-button`, { hasText: /^\s*Overlay\s*$/ }).click();
      await until('the kept run drawn on the charts', async () => /run of \d\d:\d\d: validation/.test((await f.getAttribute(`${CARD} canvas[aria-label="Loss"]`, 'data-series')) ?? ''), 30_000);
      await f.locator(`${CARD} .run-body`).scrollIntoViewIfNeeded();
      await page.waitForTimeout(500); // charts scrolled into view redraw on the next frame
      await page.screenshot({ path: join(state.dirs.results, 'tryit-history-light.png') });
      await f.locator(`${CARD} header`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-seeds-cost-light.png') });
      await f.locator(`${CARD} details.history vscode-button`, { hasText: 'Delete' }).click();
      await until('one run fewer', async () => (await count()) === before - 1, 30_000);
      const left = await f.$$eval(`${CARD} details.history option`, (os) => os.map((o) => o.value));
      if (left.includes(plain.value)) throw new Error('the deleted run is still listed');
      state.history = `${before} kept, overlaid and deleted "${plain.text.trim()}"`;
    },
  ],
  [
    'Pause, step one epoch and resume from the card; Stop ends a paused run',
    async (page) => {
      const f = state.frame;
      const status = async () => ((await f.textContent(`${CARD} .run-status`)) ?? '').trim();
      const progress = async () => ((await f.textContent(`${CARD} .progress-text`)) ?? '').trim();
      const epochOf = (p) => Number(/epoch (\d+)\/40/.exec(p)?.[1] ?? NaN);
      // The epochs finished so far, from the card's summary table (its first row).
      const finished = async () => Number(((await f.textContent(`${CARD} .run-summary table.metrics tr:first-child td`).catch(() => '')) ?? '').trim() || 0);
      if (!(await f.locator(`${CARD} details.try-it`).evaluate((d) => d.open))) await f.locator(`${CARD} details.try-it > summary`).click();
      await f.locator(`${CARD} input[data-knob="epochs"]`).fill('40');
      await f.locator(`${CARD} input[data-knob="epochs"]`).dispatchEvent('change');
      await f.locator(`${CARD} details.try-it vscode-button`, { hasText: /^\s*▶ Run variant\s*$/ }).click();
      await until('the 40-epoch variant to train', async () => epochOf(await progress()) >= 1, 60_000);
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Pause' }).click();
      await until('the card to say it is paused', async () => /^Paused/.test(await status()), 30_000);
      await page.waitForTimeout(500);
      const held = await progress();
      await page.waitForTimeout(1500);
      if ((await progress()) !== held) throw new Error(`training went on while paused: ${held} → ${await progress()}`);
      await f.locator(`${CARD} .run-body`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, 'tryit-paused-light.png') });
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Step epoch' }).click();
      // A step trains to the end of the epoch under way, then pauses: the one after the epochs
      // finished so far. (Counted from the summary table, not from the progress line, whose last
      // batch update can lag: paused at an epoch's end, it may still read "batch 60/63".)
      const target = (await finished()) + 1;
      await until('the epoch under way to finish, then paused again', async () => /^Paused/.test(await status()) && (await finished()) === target, 60_000);
      await page.waitForTimeout(1000);
      if ((await finished()) !== target) throw new Error(`the step went past epoch ${target} (paused at "${held}"): ${await finished()}`);
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Resume' }).click();
      await until('training again', async () => epochOf(await progress()) >= target + 1, 60_000);
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Pause' }).click();
      await until('paused again', async () => /^Paused/.test(await status()), 30_000);
      await f.locator(`${CARD} .controls vscode-button`, { hasText: 'Stop' }).click();
      await until('the paused run to stop', async () => /Run stopped/.test(await status()), 10_000);
      state.pause = `paused at "${held}", stepped to the end of epoch ${target}, resumed, stopped while paused`;
    },
  ],
];

await runBrowserScript({
  name: 'e2e-tryit',
  settings: { 'deepLessons.epochsBudget': 0 },
  prepare: ({ dirs }) => {
    state.dirs = dirs;
    state.lessonFile = join(dirs.workspace, '01-tiny.lesson.md');
    copyFileSync(FIXTURE, state.lessonFile);
  },
  steps,
  report: () => [
    ...(state.line ? [`base: ${state.base}; variant: ${state.variant}`, state.line] : []),
    ...(state.seedsCost ? [`seeds cost: ${state.seedsCost}`] : []),
    ...(state.seeds ? [`×3 seeds: ${state.seeds}`] : []),
    ...(state.verdict ? [state.verdict] : []),
    ...(state.overlay ? [`variant card legend: ${state.overlay}`] : []),
    ...(state.history ? [`history: ${state.history}`] : []),
    ...(state.pause ? [`pause: ${state.pause}`] : []),
  ],
  timeout: stepTimeout,
});
