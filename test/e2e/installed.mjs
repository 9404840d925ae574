// The packaged extension, installed the way a learner installs it: `npm run package` builds the
// VSIX, code-server installs it (`--install-extension`) into empty extensions and user-data
// folders, and a smoke flow runs against that installed copy, not the development folder (the
// workspace is an empty folder; the lessons, bundles and trainer all come from the VSIX). A file
// that .vscodeignore leaves out fails here. Screenshots: test-results/e2e-installed/.
//   node test/e2e/installed.mjs
// Env: DEEP_LESSONS_DATA_DIR (the datasets), DEEP_LESSONS_E2E_STEP_TIMEOUT (seconds per step, default 120).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, root } from '../integration/harness.mjs';
import { codeServerEntry, configFile, ensureCodeServer } from '../../scripts/code-server/setup.mjs';
import { writeUserSettings } from '../../scripts/code-server/server.mjs';
import { openLesson, runOutcome, stepTimeout, until } from './helpers.mjs';
import { runBrowserScript } from './session.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const EXTENSION_ID = `${pkg.publisher}.${pkg.name}`;
const state = {};

/** The command lines of this machine's processes that run a trainer.js (from /proc). */
function trainerProcesses() {
  const out = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (cmd.some((a) => a.endsWith('/dist/trainer.js'))) out.push(cmd.join(' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The installed copy's first lesson: its title, an experiment to run, its first quiz and answer. */
function lessonFrom(installed) {
  const text = readFileSync(join(installed, 'lessons', '01-vanishing-gradients.lesson.md'), 'utf8');
  const title = /^title:\s*(.+)$/m.exec(text)?.[1]?.trim();
  const experiments = [...text.matchAll(/^```experiment\s*\nid:\s*(\S+)/gm)].map((m) => m[1]);
  const quiz = /^```quiz\s*\nid:\s*(\S+)[\s\S]*?\n\s+answer:\s*(\d+)/m.exec(text);
  if (!title || !experiments.includes('relu-he') || !quiz) throw new Error(`${installed}/lessons/01-vanishing-gradients.lesson.md: no title, no relu-he experiment, or no quiz with an answer`);
  return { title, quizId: quiz[1], answer: Number(quiz[2]) };
}

const steps = [
  [
    'the command palette opens the first lesson from the installed copy',
    async (page) => {
      state.frame = await openLesson(page, state.lesson.title);
      const title = await state.frame.textContent('article.lesson h1, .lesson-header h1').catch(() => null);
      if (!title?.includes(state.lesson.title)) throw new Error(`the panel's title is ${JSON.stringify(title)}, expected "${state.lesson.title}"`);
      const katex = await until('KaTeX output (the VSIX has the stylesheet and fonts)', async () => (await state.frame.$$('.katex')).length || false, 20_000);
      state.katex = katex;
    },
  ],
  [
    'Run on "ReLU with He initialization" trains in the installed trainer and ends with its outcomes',
    async (page) => {
      const f = state.frame;
      if (!f) throw new Error('no lesson panel (the previous step failed)');
      const card = 'section.run-card#exp-relu-he';
      await f.locator(card).scrollIntoViewIfNeeded();
      await f.locator(`${card} :is(vscode-button, button)`, { hasText: 'Run' }).first().click();
      await until('the run to start (progress text)', async () => /epoch/i.test((await f.textContent(`${card} .progress-text`)) ?? ''), 60_000);
      const trainers = trainerProcesses();
      const installedTrainer = join(state.installed, 'dist', 'trainer.js');
      if (!trainers.some((c) => c.includes(installedTrainer))) throw new Error(`no trainer runs from the installed copy (${installedTrainer}); trainers: ${trainers.join('; ') || 'none'}`);
      if (trainers.some((c) => c.includes(join(root, 'dist')))) throw new Error(`a trainer runs from the development folder: ${trainers.join('; ')}`);
      await page.screenshot({ path: join(state.dirs.results, '02a-run-mid.png') });
      const { status, outcomes } = await runOutcome(f, card, stepTimeout);
      state.run = `${status}; outcomes ${outcomes.join(', ')}; trainer ${installedTrainer}`;
    },
  ],
  [
    'answering the first quiz question shows the verdict and the explanation',
    async () => {
      const f = state.frame;
      if (!f) throw new Error('no lesson panel (the first step failed)');
      const q = `#quiz-${state.lesson.quizId}-0`;
      await f.locator(q).scrollIntoViewIfNeeded();
      await f.locator(`${q} :is(vscode-radio, input[type=radio])`).nth(state.lesson.answer).click();
      await f.locator(`${q} :is(vscode-button, button)`, { hasText: 'Check' }).click();
      const feedback = await until('the quiz feedback', async () => {
        const t = (await f.textContent(`${q} .feedback`)) ?? '';
        return t.trim() ? t : false;
      }, 20_000);
      if (!/Right/.test(feedback)) throw new Error(`choice ${state.lesson.answer + 1} is the right answer; the feedback says ${JSON.stringify(feedback.slice(0, 200))}`);
      if (!(await f.$(`${q} .feedback .explanation`))) throw new Error('no explanation shown');
      state.quiz = ((await f.textContent('section.quiz .quiz-score')) ?? '').trim();
    },
  ],
  [
    'the same panel in the light theme',
    async (page) => {
      writeUserSettings(state.dirs.userData, { 'deepLessons.dataDir': dataDir(), 'workbench.colorTheme': 'Default Light Modern' }, { keepExisting: false });
      await until('the workbench to switch to the light theme', async () => page.locator('.monaco-workbench.vs').count(), 20_000);
      await page.waitForTimeout(1000);
      await state.frame.locator(`#quiz-${state.lesson.quizId}-0`).scrollIntoViewIfNeeded();
    },
  ],
];

/**
 * `npm run package` builds the VSIX into `dirs.base`; code-server installs it into the (emptied)
 * extensions folder; the installed copy has the bundles and none of the sources. The packager's
 * last line.
 */
async function packageAndInstall(dirs) {
  rmSync(dirs.extensions, { recursive: true, force: true });
  mkdirSync(dirs.extensions, { recursive: true });
  const vsix = join(dirs.base, `${pkg.name}-${pkg.version}.vsix`);
  const p = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', vsix], { cwd: root, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`npm run package failed:\n${p.stdout}${p.stderr}`);
  await ensureCodeServer({ say: (l) => console.log(`  setup: ${l}`) });
  const args = [codeServerEntry, '--config', configFile, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) throw new Error(`code-server --install-extension failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const folder = readdirSync(dirs.extensions).find((n) => n.startsWith(`${EXTENSION_ID}-`));
  if (!folder) throw new Error(`no ${EXTENSION_ID}-* folder in ${dirs.extensions}: ${readdirSync(dirs.extensions).join(', ')}`);
  state.installed = join(dirs.extensions, folder);
  if (lstatSync(state.installed).isSymbolicLink()) throw new Error(`${state.installed} is a link to ${readlinkSync(state.installed)}, not an installed copy`);
  for (const f of ['dist/extension.js', 'dist/trainer.js', 'dist/webview.js', 'dist/tfjs-backend-wasm-simd.wasm']) {
    if (!existsSync(join(state.installed, f))) throw new Error(`the installed copy has no ${f}`);
  }
  for (const f of ['src', 'test', 'node_modules', 'dist/extension.js.map']) {
    if (existsSync(join(state.installed, f))) throw new Error(`the installed copy has ${f}, which the VSIX should leave out`);
  }
  state.lesson = lessonFrom(state.installed);
  return p.stdout.trim().split('\n').at(-1);
}

await runBrowserScript({
  name: 'e2e-installed',
  label: 'e2e-installed',
  // Nothing linked, no development extension: clean folders, the VSIX installed into them, and an
  // empty workspace, so that every lesson the learner sees comes from the installed copy.
  development: false,
  prepare: async ({ dirs, check }) => {
    state.dirs = dirs;
    state.packaged = await check('`npm run package` builds the VSIX and code-server installs it into an empty extensions folder', () => packageAndInstall(dirs), { fatal: true });
  },
  steps,
  timeout: stepTimeout,
  report: () => [`package: ${state.packaged ?? '?'}`, ...(state.run ? [`run: ${state.run}`, `quiz: ${state.quiz ?? '?'}; KaTeX spans: ${state.katex ?? '?'}`] : [])],
});
