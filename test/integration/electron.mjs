// `npm run test:electron`: the same integration suite (test/integration/suite/) under desktop VS
// Code, through @vscode/test-electron, where desktop VS Code can be downloaded (it cannot on
// machines without access to update.code.visualstudio.com: then this fails fast and says so).
// Not part of `npm test`; the default integration tier runs in code-server (test/integration/run.mjs).
//   npm run test:electron            (Linux without a display: xvfb-run -a npm run test:electron)
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_VSCODE_VERSION (default 1.100.3).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildExtension, compileSuite, dataDir, elapsed, prepareFolders, root } from './harness.mjs';

const version = process.env.DEEP_LESSONS_VSCODE_VERSION || '1.100.3';
const t0 = Date.now();
let passed = 0;
let failed = 0;

function finish(problem) {
  if (problem) {
    console.log(`test:electron: ${problem}`);
    failed += 1;
  }
  console.log(`electron: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

let dirs;
let suite;
try {
  buildExtension();
  suite = await compileSuite();
  dirs = prepareFolders('electron', { 'deepLessons.epochsBudget': 1 });
} catch (e) {
  finish(e instanceof Error ? e.message : String(e));
}

let executable;
try {
  console.log(`downloading VS Code ${version} (cached in .vscode-test/)…`);
  executable = await downloadAndUnzipVSCode({ version, timeout: 10_000, cachePath: join(root, '.vscode-test') });
} catch (e) {
  finish(
    `could not download desktop VS Code ${version} (${e instanceof Error ? e.message : String(e)}).\n` +
      '  This machine cannot reach update.code.visualstudio.com. The same suite runs in VS Code in the browser:\n' +
      '  npm run test:integration (code-server, installed from the npm registry).',
  );
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.log('note: no DISPLAY; desktop VS Code needs one on Linux (run: xvfb-run -a npm run test:electron)');
}
const resultsFile = join(dirs.results, 'results.jsonl');
writeFileSync(resultsFile, '');
let exitCode;
try {
  exitCode = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    launchArgs: [dirs.workspace, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { DEEP_LESSONS_TEST_RESULTS: resultsFile, DEEP_LESSONS_DATA_DIR: dataDir() },
  });
} catch (e) {
  exitCode = e;
}
const lines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
for (const r of lines) {
  if (r.event === 'pass') {
    passed++;
    console.log(`  ✔ ${r.title} (${r.ms} ms)`);
  } else if (r.event === 'fail') {
    failed++;
    console.log(`  ✖ ${r.title}\n${r.error.split('\n').map((l) => `      ${l}`).join('\n')}`);
  }
}
console.log(`test:electron took ${elapsed(t0)}`);
const ended = lines.some((r) => r.event === 'end');
finish(!ended ? `VS Code ended (${exitCode instanceof Error ? exitCode.message : `exit ${exitCode}`}) before the suite finished` : passed + failed === 0 ? 'the suite ran no tests' : undefined);
