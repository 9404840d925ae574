// What the integration harness and the end-to-end tests share: build the extension, compile the
// suite, prepare fresh editor folders under .cache/, start code-server, and report failures with
// the logs that explain them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ensureCodeServer, root } from '../../scripts/code-server/setup.mjs';
import { startCodeServer, writeUserSettings } from '../../scripts/code-server/server.mjs';

export { root };

/**
 * The real datasets: DEEP_LESSONS_DATA_DIR (scripts/run-tests.mjs sets it, fetching the files into
 * .cache/datasets first where it was unset), else that cache folder; a clear failure when neither is
 * there (no editor test touches the network).
 */
export function dataDir() {
  const cached = join(root, '.cache', 'datasets');
  const dir = process.env.DEEP_LESSONS_DATA_DIR || (existsSync(cached) ? cached : undefined);
  if (!dir) throw new Error('DEEP_LESSONS_DATA_DIR is not set: point it at the folder of the Fashion-MNIST and MNIST IDX .gz files, or run the tests through scripts/run-tests.mjs, which downloads them once into .cache/datasets');
  if (!existsSync(dir)) throw new Error(`DEEP_LESSONS_DATA_DIR=${dir} does not exist`);
  return dir;
}

/** `npm run build`: dist/extension.js, dist/trainer.js (and dist/webview.js, which the panel tests check). */
export function buildExtension() {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the build failed (node scripts/build.mjs):\n${(r.stdout + r.stderr).trim()}`);
  for (const f of ['dist/extension.js', 'dist/trainer.js']) {
    if (!existsSync(join(root, f))) throw new Error(`the build did not produce ${f}`);
  }
}

/** Compiles test/integration/suite/*.ts into out/integration/ (one bundle per file; vscode and mocha external). */
export async function compileSuite() {
  const src = join(root, 'test', 'integration', 'suite');
  const outdir = join(root, 'out', 'integration');
  rmSync(outdir, { recursive: true, force: true });
  const entryPoints = readdirSync(src).filter((f) => f === 'index.ts' || f.endsWith('.test.ts')).map((f) => join(src, f));
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha'],
  });
  return join(outdir, 'index.js');
}

/**
 * Fresh editor folders for one tier (`name`): user data (settings with the datasets folder),
 * extensions, a workspace folder, and the artifacts folder test-results/<name>/.
 */
export function prepareFolders(name, settings = {}) {
  const base = join(root, '.cache', name);
  const dirs = {
    base,
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    workspace: join(base, 'workspace'),
    results: join(root, 'test-results', name),
  };
  rmSync(dirs.userData, { recursive: true, force: true });
  rmSync(dirs.workspace, { recursive: true, force: true });
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  writeUserSettings(dirs.userData, { 'deepLessons.dataDir': dataDir(), ...settings });
  return dirs;
}

/** Installs code-server if needed (quietly when cached) and starts it. */
export async function startEditor(dirs, env = {}) {
  await ensureCodeServer({ say: (l) => console.log(`  setup: ${l}`) });
  return startCodeServer({
    folder: dirs.workspace,
    userDataDir: dirs.userData,
    extensionsDir: dirs.extensions,
    logFile: join(dirs.results, 'code-server.log'),
    env: { DEEP_LESSONS_DATA_DIR: dataDir(), ...env },
  });
}

export const elapsed = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
