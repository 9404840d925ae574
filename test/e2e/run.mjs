// Browser end-to-end: a learner's clicks in VS Code in the browser (code-server + headless
// Chromium), with the extension installed the way `npm start` installs it. Each step saves a
// screenshot under test-results/e2e/; the run ends with "e2e: N passed, N failed".
//   node test/e2e/run.mjs
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_E2E_STEP_TIMEOUT (seconds per step, default 120).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { root } from '../integration/harness.mjs';
import { canvasInk, openCardTab, openLesson, panelFrame, runCommand, runOutcome, setTheme, stepTimeout, until } from './helpers.mjs';
import { runBrowserScript } from './session.mjs';

const AXE_SOURCE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** The themes the panel is checked in: the file name's part, the theme's label, its kind (setTheme). */
const THEMES = [
  ['dark', 'Dark Modern', 'dark'],
  ['light', 'Light Modern', 'light'],
  ['light-plus', 'Light+', 'light'],
  ['high-contrast', 'Dark High Contrast', 'high-contrast'],
  ['high-contrast-light', 'Light High Contrast', 'high-contrast-light'],
];
const FILE_NAME = '01-vanishing-gradients.lesson.md';
const LESSON_FILE = join(root, 'lessons', FILE_NAME);
// What the lesson file says, read here: its title, its experiment blocks, its first quiz answer.
const lessonText = readFileSync(LESSON_FILE, 'utf8');
const LESSON_TITLE = /^title:\s*(.+)$/m.exec(lessonText)?.[1]?.trim();
const EXPERIMENTS = [...lessonText.matchAll(/^```experiment\s*\nid:\s*(\S+)/gm)].map((m) => m[1]);
const QUIZ = /^```quiz\s*\nid:\s*(\S+)[\s\S]*?\n\s+answer:\s*(\d+)/m.exec(lessonText);

/**
 * axe-core inside the panel's page: violations by impact, and the colour-contrast checks it could
 * not decide ("incomplete") with their measured ratio.
 */
async function axeCheck(frame) {
  await frame.evaluate(AXE_SOURCE);
  return frame.evaluate(async () => {
    const r = await globalThis.axe.run(globalThis.document, { resultTypes: ['violations', 'incomplete'] });
    return { violations: r.violations, incomplete: r.incomplete, url: r.url, testEngine: r.testEngine };
  });
}

/**
 * `npm start` as a new user runs it: it prints an address; that page shows the first lesson
 * rendered in its panel (typeset math) and the DL Lessons view listing it; Ctrl-C (SIGINT) ends it
 * and nothing listens on the port any more.
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
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
      // The first screen is the rendered lesson (not its source) with the DL Lessons view beside it.
      const frame = await panelFrame(page, 'article.lesson h1', 60_000);
      const h1 = (await frame.textContent('article.lesson h1')) ?? '';
      if (!h1.includes(LESSON_TITLE)) throw new Error(`the first screen shows ${JSON.stringify(h1)}, expected the lesson "${LESSON_TITLE}"`);
      await until('KaTeX in the first screen', async () => (await frame.$$('.katex')).length > 0, 20_000);
      await page.locator('.sidebar .monaco-list-row', { hasText: LESSON_TITLE }).first().waitFor({ timeout: 20_000 });
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
    return `address printed, first lesson rendered in its panel beside the DL Lessons view, stopped ${Date.now() - t} ms after Ctrl-C`;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The typo step's edits: "reluu" saved, the card checked, the quick fix applied and saved. */
async function typoAndFix(page, f, card, n, col) {
  await page.locator('.tabs-container .tab', { hasText: FILE_NAME }).first().click();
  await page.keyboard.press('Control+g');
  await page.keyboard.type(`${n + 1}:${col}`);
  await page.keyboard.press('Enter');
  await page.keyboard.type('u');
  await page.keyboard.press('Control+s');
  await page.locator('.tabs-container .tab', { hasText: LESSON_TITLE }).first().click();
  const errors = await until('the card to list the error', async () => {
    const t = await f.$eval(card, (el) => el.querySelector('.block-errors')?.textContent ?? '').catch(() => '');
    return /reluu/.test(t) && /did you mean "relu"/.test(t) ? t : false;
  }, 30_000);
  // The page re-renders the lesson, then replays the runs: the kept card gets its run's outcomes back.
  const kept = await until("the kept card's outcomes of its last run (met)", async () => {
    const c = await f.$$eval(`${card} ul.outcomes li`, (lis) => lis.map((l) => l.className));
    return c.length && c.every((k) => k === 'met') ? c : false;
  }, 15_000);
  state.kept = kept.join(', ');
  await f.locator(card).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(state.dirs.results, '11a-typo-card.png') });
  // The quick fix, from the editor, by keyboard: the cursor is on the typo; Ctrl+. lists the
  // fixes; the arrow keys move to 'Change to "relu"' (the preferred fix comes first) and Enter
  // applies it. The edit is applied before the file is saved.
  await page.locator('.tabs-container .tab', { hasText: FILE_NAME }).first().click();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Control+.');
  const widget = page.locator('.action-widget');
  await widget.locator('.monaco-list-row', { hasText: 'Change to "relu"' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.screenshot({ path: join(state.dirs.results, '11b-quick-fix.png') });
  const rows = await widget.locator('.monaco-list-row').count();
  const focused = async () => (await widget.locator('.monaco-list-row.focused').first().textContent({ timeout: 1000 }).catch(() => '')) ?? '';
  for (let i = 0; i <= rows && !(await focused()).includes('Change to "relu"'); i++) await page.keyboard.press('ArrowDown');
  if (!(await focused()).includes('Change to "relu"')) throw new Error(`the arrow keys never reached the fix (focused: ${JSON.stringify(await focused())})`);
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10_000 });
  await until('the editor to read "relu" again', async () => !/reluu/.test((await page.locator('.monaco-editor .view-lines').first().textContent()) ?? ''), 10_000);
  await page.keyboard.press('Control+s');
  await until('the file to be as it was', async () => readFileSync(LESSON_FILE, 'utf8') === lessonText, 10_000);
  await page.locator('.tabs-container .tab', { hasText: LESSON_TITLE }).first().click();
  await until('the card without errors', async () => !(await f.$(`${card} .block-errors`)), 30_000);
  state.typo = errors.replace(/\s+/g, ' ').trim().slice(0, 160);
}

const state = {};
/**
 * Steps after the first need the panel it opened. A panel moved to another editor group (a run
 * from the editor brings it beside the file) gets a new frame: look it up again then.
 */
async function needPanel(page) {
  if (!state.frame) throw new Error('no lesson panel to work in (opening the lesson failed)');
  if (state.frame.isDetached()) state.frame = await panelFrame(page);
  return state.frame;
}
const steps = [
  [
    'the command palette runs "DL Lessons: Open Lesson…" and the vanishing-gradients lesson opens',
    async (page) => {
      state.frame = await openLesson(page, LESSON_TITLE);
      const title = await state.frame.textContent('article.lesson h1, .lesson-header h1').catch(() => null);
      if (!title?.includes(LESSON_TITLE)) throw new Error(`the panel's title is ${JSON.stringify(title)}, expected "${LESSON_TITLE}"`);
      await page.locator('.tab', { hasText: LESSON_TITLE }).first().waitFor({ timeout: 10_000 });
    },
  ],
  [
    `the panel shows the lesson with typeset math (KaTeX), its ${EXPERIMENTS.length} run cards and the quiz`,
    async (page) => {
      const f = await needPanel(page);
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
    'Run on "ReLU with He initialization" by keyboard (Tab to ▶ Run, Enter): the run streams its progress and ends with its outcomes shown',
    async (page) => {
      const f = await needPanel(page);
      const card = 'section.run-card#exp-relu-he';
      await f.locator(card).scrollIntoViewIfNeeded();
      // By keyboard: from the card's "source" link, Tab reaches ▶ Run, and Enter starts the run.
      await f.locator(`${card} .setup a`, { hasText: 'source' }).first().focus();
      await page.keyboard.press('Tab');
      const focused = await f.evaluate(() => {
        const el = globalThis.document.activeElement;
        return `${el?.tagName.toLowerCase()} ${el?.textContent?.trim()}`;
      });
      if (focused !== 'vscode-button ▶ Run') throw new Error(`Tab from the source link reached ${JSON.stringify(focused)}, not the ▶ Run button`);
      await page.keyboard.press('Enter');
      await until('the run to start (progress text)', async () => /epoch/i.test((await f.textContent(`${card} .progress-text`)) ?? ''), 60_000);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(state.dirs.results, '03a-run-mid.png') });
      state.run = await runOutcome(f, card, stepTimeout);
    },
  ],
  [
    'every chart of the run card drew the points of the run (compared with the same chart of a card not run)',
    async (page) => {
      const f = await needPanel(page);
      const card = 'section.run-card#exp-relu-he';
      const other = `section.run-card#exp-${EXPERIMENTS.find((id) => id !== 'relu-he' && id !== 'sigmoid-normal')}`;
      if (!state.run) throw new Error('no run to look at (the previous step failed)');
      const lines = [];
      const blank = [];
      for (const tab of ['Loss & accuracy', 'Gradients', 'Activations', 'Learning rate']) {
        for (const c of [card, other]) {
          await f.locator(c).scrollIntoViewIfNeeded();
          await openCardTab(f, c, tab);
        }
        await page.waitForTimeout(600);
        await f.locator(card).scrollIntoViewIfNeeded();
        // A chart that receives points draws lines and rescales its axes.
        const [ran, empty] = [await canvasInk(f, card), await canvasInk(f, other)];
        if (!Object.keys(ran).length) blank.push(`"${tab}" (no chart on screen)`);
        for (const [label, ink] of Object.entries(ran)) {
          lines.push(`${label}: ${empty[label]} -> ${ink} px`);
          if (!(ink > (empty[label] ?? 0) * 1.05)) blank.push(`"${label}"`);
        }
        if (tab === 'Gradients') await page.screenshot({ path: join(state.dirs.results, '04a-gradients-tab.png') });
      }
      state.ink = lines;
      const heights = await f.$$eval(`${card} canvas`, (cs) => cs.map((c) => Math.round(c.getBoundingClientRect().height)).filter((h) => h > 0));
      state.heights = heights;
      if (heights.some((h) => h < 280)) blank.push(`plots under 280 px tall: ${heights.join(', ')} px`);
      if (blank.length) throw new Error(`charts without the run's points: ${blank.join(', ')}\n(${lines.join('; ')})`);
    },
  ],
  [
    'PNG export of a chart: opaque, at twice the canvas size, read back from the saved file',
    async (page, browser) => {
      const f = await needPanel(page);
      const card = 'section.run-card#exp-relu-he';
      await f.locator(card).scrollIntoViewIfNeeded();
      await openCardTab(f, card, 'Loss & accuracy');
      await page.waitForTimeout(400);
      const canvas = f.locator(`${card} canvas[aria-label="Loss"]`);
      const cssWidth = await canvas.evaluate((c) => c.getBoundingClientRect().width);
      // Hover a point first: the export must not carry the tooltip.
      await canvas.hover({ position: { x: cssWidth / 2, y: 120 } });
      // By keyboard: focus the chart's PNG button, Enter.
      await f.locator(`${card} .chart-box:has(canvas[aria-label="Loss"]) vscode-button`, { hasText: 'PNG' }).focus();
      await page.keyboard.press('Enter');
      const target = join(state.dirs.results, 'export-loss.png');
      rmSync(target, { force: true });
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      // Typed as a learner types it (the simple file dialog completes folder names while one types;
      // a value set at once was seen rewritten under the default folder).
      await page.waitForTimeout(300);
      await page.keyboard.press('Control+a');
      await page.keyboard.type(target, { delay: 15 });
      await until(`the dialog to read ${target}`, async () => (await input.inputValue()) === target, 5_000).catch(async () => {
        throw new Error(`the save dialog reads ${JSON.stringify(await input.inputValue())}, typed ${target}`);
      });
      await page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
      await until(`the PNG at ${target}`, async () => existsSync(target) && statSync(target).size > 0, 30_000);
      const b64 = readFileSync(target).toString('base64');
      const probe = await browser.newPage();
      try {
        const img = await probe.evaluate(async (data) => {
          const bmp = await globalThis.createImageBitmap(await (await globalThis.fetch(`data:image/png;base64,${data}`)).blob());
          const c = new globalThis.OffscreenCanvas(bmp.width, bmp.height);
          const g = c.getContext('2d');
          g.drawImage(bmp, 0, 0);
          const px = (x, y) => [...g.getImageData(x, y, 1, 1).data];
          const all = g.getImageData(0, 0, bmp.width, bmp.height).data;
          let transparent = 0;
          for (let i = 3; i < all.length; i += 4) if (all[i] < 255) transparent++;
          return { width: bmp.width, height: bmp.height, corner: px(0, 0), transparent };
        }, b64);
        state.png = `${img.width}×${img.height} px for a ${Math.round(cssWidth)} px wide canvas; corner rgba(${img.corner.join(', ')}); ${img.transparent} non-opaque pixels`;
        if (img.corner[3] !== 255 || img.transparent > 0) throw new Error(`the PNG is not opaque: ${state.png}`);
        if (img.width < 2 * Math.floor(cssWidth)) throw new Error(`the PNG is narrower than twice the canvas: ${state.png}`);
      } finally {
        await probe.close();
      }
    },
  ],
  [
    'answering a quiz question shows the verdict and the explanation; a wrong answer shows its feedback, a retry is allowed and the score counts first attempts',
    async (page) => {
      const f = await needPanel(page);
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
      // Question 2, wrong at first: the chosen distractor's feedback, no answer given away; then
      // right by keyboard (arrow to the choice, Enter); the score keeps the first attempt.
      const q2 = `#quiz-${QUIZ[1]}-1`;
      await f.locator(q2).scrollIntoViewIfNeeded();
      await f.locator(`${q2} vscode-radio`).nth(1).click();
      await f.locator(`${q2} vscode-button`, { hasText: 'Check' }).click();
      const wrong = await until('the feedback on the wrong choice', async () => {
        const t = (await f.textContent(`${q2} .feedback`)) ?? '';
        return /Not quite/.test(t) ? t : false;
      }, 20_000);
      if (!/The opposite/.test(wrong)) throw new Error(`no per-choice feedback: ${JSON.stringify(wrong.slice(0, 200))}`);
      if (await f.$(`${q2} .feedback .explanation`)) throw new Error('the explanation (and answer) showed after a wrong first answer');
      await f.locator(`${q2} vscode-radio`).nth(1).focus();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      const retry = await until('the retry verdict', async () => {
        const t = (await f.textContent(`${q2} .feedback`)) ?? '';
        return /Right/.test(t) ? t : false;
      }, 20_000);
      if (!/attempt 2/.test(retry)) throw new Error(`the retry does not say it was the second attempt: ${retry.slice(0, 120)}`);
      await page.screenshot({ path: join(state.dirs.results, '06a-quiz-retry.png') });
      const score = (await f.textContent('section.quiz .quiz-score')) ?? '';
      if (!/1\/\d+/.test(score)) throw new Error(`the score reads ${JSON.stringify(score)} (one right at the first attempt)`);
      state.score = score.trim();
    },
  ],
  // One step per theme (each gets its own time budget): axe-core in the panel.
  ...THEMES.map(([name, label, kind], i) => [
    `axe-core in ${label}: no serious or critical violation in the panel, no text under 4.5:1`,
    async (page) => {
      const f = await needPanel(page);
      await setTheme(page, label, kind, f);
      await f.locator('section.run-card#exp-relu-he').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, `axe-${name}.png`) });
      const r = await axeCheck(f);
      writeFileSync(join(state.dirs.results, `axe-${name}.json`), JSON.stringify(r, null, 2));
      const problems = [];
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of bad) problems.push(`${v.id} (${v.impact}, ${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
      const lowContrast = r.incomplete
        .filter((v) => v.id === 'color-contrast')
        .flatMap((v) => v.nodes)
        .map((n) => ({ target: n.target.join(' '), ratio: n.any.find((c) => c.data?.contrastRatio)?.data.contrastRatio }))
        .filter((n) => n.ratio > 0 && n.ratio < 4.5);
      for (const n of lowContrast) problems.push(`incomplete color-contrast ${n.ratio.toFixed(2)}:1 at ${n.target}`);
      state.axe = [...(state.axe ? [state.axe] : []), `${name}: ${r.violations.length} violations (${bad.length} serious/critical), ${r.incomplete.length} incomplete`].join('; ');
      // Back to the first theme after the last one.
      if (i === THEMES.length - 1) await setTheme(page, THEMES[0][1], THEMES[0][2], f);
      if (problems.length) throw new Error(problems.slice(0, 10).join('\n'));
    },
  ]),
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
    "the walkthrough's steps tick from what the learner did (a lesson opened, a run, a quiz answer)",
    async (page) => {
      await runCommand(page, 'Welcome: Open Walkthrough');
      const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Deep Learning Lessons' }).first();
      await item.waitFor({ state: 'visible', timeout: 15_000 });
      await item.click();
      const steps = page.locator('.gettingStartedContainer button.getting-started-step[data-step-id*="deepLessons.start#"]');
      await until('the walkthrough steps', async () => (await steps.count()) >= 3, 20_000);
      const done = await until('three ticked steps', async () => {
        const ticked = await page.locator('.gettingStartedContainer button.getting-started-step[data-step-id*="deepLessons.start#"][aria-checked="true"]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-step-id')));
        return ticked.length >= 3 ? ticked : false;
      }, 20_000);
      state.walkthrough = done.map((t) => t.split('#').pop()).join(', ');
      await page.screenshot({ path: join(state.dirs.results, '06a-walkthrough.png') });
      await page.keyboard.press('Control+F4').catch(() => undefined);
    },
  ],
  [
    'a CodeLens in the lesson file (opened with Quick Open) starts a run',
    async (page) => {
      await needPanel(page);
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
      // (A panel that moved to another group has a new frame: it is looked up again.)
      await until(`the "${target}" run card to get busy`, async () => (await needPanel(page)).$eval(state.lensCard, (el) => el.classList.contains('busy')), 60_000);
      // The panel came into view, scrolled to the card.
      const onScreen = await until('the run card on screen in the panel', async () => {
        const r = await (await needPanel(page)).$eval(state.lensCard, (el) => ({ top: el.getBoundingClientRect().top, h: globalThis.innerHeight }));
        const panelVisible = await page.locator('.tabs-container .tab.active', { hasText: LESSON_TITLE }).count();
        return panelVisible && r.top > -10 && r.top < r.h / 2 ? r : false;
      }, 15_000);
      state.lensReveal = `card top at ${Math.round(onScreen.top)} px of ${onScreen.h}`;
      await page.screenshot({ path: join(state.dirs.results, '09a-codelens-reveals-card.png') });
      // Back in the lesson file (the panel took its place in the group), the lens says Stop.
      await page.locator('.tabs-container .tab', { hasText: FILE_NAME }).first().click();
      await until('a Stop CodeLens while it runs', async () => (await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Stop' }).count()) > 0, 30_000);
    },
  ],
  [
    'Stop in the panel ends the run mid-way',
    async (page) => {
      const card = state.lensCard;
      if (!card) throw new Error('no run to stop (the CodeLens step failed)');
      // The lesson file took the panel's place: the learner goes back to the panel's tab.
      await page.locator('.tabs-container .tab', { hasText: LESSON_TITLE }).first().click();
      const f = await needPanel(page);
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
      const notChecked = await f.$$eval(`${card} ul.outcomes li`, (lis) => lis.map((l) => `${l.className}: ${l.textContent}`));
      if (!notChecked.length || notChecked.some((t) => !/^not-checked: .*not checked: the run was stopped/.test(t))) throw new Error(`expectations after a stop: ${notChecked.join(' | ')}`);
      state.stop = status.trim();
    },
  ],
  [
    "a typo in an experiment keeps its card (errors listed, last run kept); the editor's quick fix repairs it",
    async (page) => {
      const f = await needPanel(page);
      const card = 'section.run-card#exp-relu-he';
      const lines = lessonText.split('\n');
      const start = lines.findIndex((l) => l === 'id: relu-he');
      const n = lines.findIndex((l, i) => i > start && /activation: relu,/.test(l));
      const col = lines[n].indexOf('activation: relu') + 'activation: relu'.length + 1;
      state.edited = true;
      try {
        await typoAndFix(page, f, card, n, col);
      } finally {
        // Whatever happened, the lesson file is as it was for the next steps.
        if (readFileSync(LESSON_FILE, 'utf8') !== lessonText) writeFileSync(LESSON_FILE, lessonText);
        state.edited = false;
      }
    },
  ],
  [
    'Compare Runs overlays three finished runs with one legend outside the plots',
    async (page) => {
      const f = await needPanel(page);
      // Two more finished runs (the stopped one does not count).
      const others = EXPERIMENTS.filter((id) => id !== 'relu-he' && `section.run-card#exp-${id}` !== state.lensCard).slice(0, 2);
      // Nothing else may hold the trainer (a run left going by an earlier failed step): stop it.
      for (const busy of await f.$$('section.run-card.busy')) await (await busy.$('vscode-button:has-text("Stop")'))?.click();
      await until('no run card busy', async () => (await f.$$('section.run-card.busy')).length === 0, 30_000);
      // Both quick runs queued at once (one trainer runs them in turn, about 5 s each), then
      // waited for until each has ended (its status line says so).
      const cards = others.map((id) => `section.run-card#exp-${id}`);
      for (const card of cards) {
        await f.locator(card).scrollIntoViewIfNeeded();
        await f.locator(`${card} vscode-button`, { hasText: '▶ Run' }).first().click();
        await until(`${card} to take the run`, async () => f.$eval(card, (el) => el.classList.contains('busy') || /complete/i.test(el.querySelector('.run-status')?.textContent ?? '')), 10_000);
      }
      const t = Date.now();
      await until(`${others.join(' and ')} to finish`, async () => {
        const s = await Promise.all(cards.map(async (card) => (await f.textContent(`${card} .run-status`)) ?? ''));
        const bad = s.find((x) => /failed|stopped|diverged/i.test(x));
        if (bad) throw new Error(bad);
        return s.every((x) => /complete|early stopping/i.test(x));
      }, Math.max(30_000, stepTimeout - 40_000));
      state.compareRuns = `${others.length} quick runs in ${((Date.now() - t) / 1000).toFixed(1)} s`;
      await runCommand(page, 'DL Lessons: Compare Runs');
      const rows = page.locator('.quick-input-widget .monaco-list-row');
      await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
      const listed = await rows.allTextContents();
      if (listed.length !== 3) throw new Error(`the picker lists ${listed.length} runs (expected the 3 finished ones): ${listed.join(' | ')}`);
      for (let i = 0; i < 3; i++) await rows.nth(i).locator('.quick-input-list-checkbox, input[type=checkbox], .monaco-checkbox').first().click();
      await page.screenshot({ path: join(state.dirs.results, '12a-compare-picker.png') });
      await page.keyboard.press('Enter');
      const legend = await until('the compare view', async () => {
        const items = await f.$$eval('section.compare .compare-legend li', (lis) => lis.map((l) => l.textContent ?? ''));
        return items.length ? items : false;
      }, 20_000);
      if (legend.length !== 3) throw new Error(`the legend lists ${legend.length} runs: ${legend.join(' | ')}`);
      if (legend.some((t) => /\b1 epochs\b/.test(t))) throw new Error(`plural: ${legend.join(' | ')}`);
      // "What differs": each of the two others named once over its lines, no line repeating a name.
      const groups = await f.$$eval('section.compare .difference-group', (gs) => gs.map((g) => ({ title: g.querySelector('strong')?.textContent ?? '', lines: [...g.querySelectorAll('code')].map((c) => c.textContent ?? '') })));
      if (groups.length !== 2 || groups.some((g) => !g.title || !g.lines.length)) throw new Error(`what differs: ${JSON.stringify(groups)} (expected two experiments, each named over its lines)`);
      const repeated = groups.flatMap((g) => g.lines).filter((l) => groups.some((g) => l.includes(g.title)));
      if (repeated.length) throw new Error(`what differs repeats an experiment's name: ${repeated.join(' | ')}`);
      const heights = await f.$$eval('section.compare canvas', (cs) => cs.map((c) => Math.round(c.getBoundingClientRect().height)));
      if (heights.some((h) => h < 280)) throw new Error(`compare plots under 280 px: ${heights.join(', ')}`);
      await f.locator('section.compare').scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(state.dirs.results, '12b-compare.png') });
      state.compare = `${legend.length} runs (${state.compareRuns}); plots ${heights.join(', ')} px`;
    },
  ],
  [
    "a run that reuses an experiment not trained yet: that one streams on its own card, the waiting card says what it waits for; Stop calls both off",
    async (page) => {
      const file = join(root, 'lessons', '05-transfer-learning.lesson.md');
      const title = /^title:\s*(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
      const f = await openLesson(page, title, 'section.run-card#exp-b-on-a');
      const [waiting, source] = ['section.run-card#exp-b-on-a', 'section.run-card#exp-task-a'];
      await f.locator(waiting).scrollIntoViewIfNeeded();
      await f.locator(`${waiting} vscode-button`, { hasText: '▶ Run' }).first().click();
      const status = await until('the waiting card to say what it waits for', async () => {
        const t = (await f.textContent(`${waiting} .run-status`)) ?? '';
        return /^Waiting for “Model A/.test(t) ? t : false;
      }, 20_000);
      await until("task A's own card to stream its run", async () => /epoch \d+\/\d+ · batch/.test((await f.textContent(`${source} .progress-text`)) ?? ''), 90_000);
      await f.locator(source).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '14a-dependency-own-card.png') });
      await f.locator(waiting).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(state.dirs.results, '14b-dependency-waiting.png') });
      await setTheme(page, 'Light+', 'light', f);
      await page.screenshot({ path: join(state.dirs.results, '14c-dependency-waiting-light.png') });
      await setTheme(page, THEMES[0][1], THEMES[0][2], f);
      // Stop on the waiting card calls it off (or, if task A has finished meanwhile, stops its
      // run); Stop on task A's card ends that run if it still goes. On a fast machine both runs can
      // have ended during the theme switches (task B's default run takes a second or two): Stop is
      // then disabled, and the checks below find both cards ended.
      await f.locator(`${waiting} vscode-button`, { hasText: 'Stop' }).click({ timeout: 3_000 }).catch(() => undefined);
      await until('the waiting card idle again, its status cleared', async () => f.$eval(waiting, (el) => !el.classList.contains('busy') && !/Waiting/.test(el.querySelector('.run-status')?.textContent ?? '')), 30_000);
      // (task A may end between this check and the click: its Stop is then disabled, and the check below finds it complete)
      if (await f.$eval(source, (el) => el.classList.contains('busy'))) await f.locator(`${source} vscode-button`, { hasText: 'Stop' }).click({ timeout: 5_000 }).catch(() => undefined);
      await until("task A's run ended", async () => /stopped|complete/i.test((await f.textContent(`${source} .run-status`)) ?? ''), 30_000);
      state.dependency = status.trim();
    },
  ],
];

await runBrowserScript({
  name: 'e2e',
  settings: { 'deepLessons.epochsBudget': 0 },
  // The address `npm start` prints: the project's lessons folder, the extension as a development
  // extension (its real path) on top of the linked install.
  workspace: join(root, 'lessons'),
  viewport: { width: 1600, height: 1000 },
  prepare: async ({ dirs, browser, check }) => {
    if (!LESSON_TITLE || EXPERIMENTS.length < 2 || !QUIZ) throw new Error(`${LESSON_FILE}: no title, fewer than 2 experiments, or no quiz with an answer`);
    state.dirs = dirs;
    state.npmStart = await check('`npm start` serves the first lesson; Ctrl-C stops it and frees its port', () => checkNpmStart(browser, dirs.results));
  },
  // A window with a development extension opens in Light+ whatever the settings say: the learner's
  // steps run in Dark Modern (the axe steps go through the other themes and come back to it).
  start: (page) => setTheme(page, THEMES[0][1], THEMES[0][2]),
  steps,
  timeout: stepTimeout,
  report: () => [
    ...(state.run ? [`run: ${state.run.status}; outcomes ${state.run.outcomes.join(', ')}`, `charts (not run -> run): ${state.ink?.join('; ') ?? '?'}`] : []),
    ...(state.npmStart ? [`npm start: ${state.npmStart}`] : []),
    ...(state.axe ? [`axe: ${state.axe}`] : []),
    `plots: ${state.heights?.join(', ') ?? '?'} px tall; png: ${state.png ?? '?'}; codelens: ${state.lensReveal ?? '?'}`,
    `dependency: ${state.dependency ?? '?'}`,
    `typo: ${state.typo ?? '?'}; kept outcomes: ${state.kept ?? '?'}; compare: ${state.compare ?? '?'}`,
    ...(state.score ? [`quiz: ${state.score}; tree row: ${state.tree ?? '?'}; walkthrough: ${state.walkthrough ?? '?'}; stop: ${state.stop ?? '?'}`] : []),
  ],
  // The typo step edits the lesson file: put it back whatever happened.
  cleanup: () => {
    if (state.edited) writeFileSync(LESSON_FILE, lessonText);
  },
});
