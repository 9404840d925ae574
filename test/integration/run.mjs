// The integration tier: the extension in a real VS Code extension host (code-server's, driven by
// headless Chromium), with the real `vscode` API. Builds the extension, compiles the mocha suite
// (test/integration/suite/) into out/integration/, starts code-server, opens the workbench with the
// `payload` that makes the extension host load the project as a development extension and run the
// suite, follows the results file the suite writes, and ends with "integration: N passed, N failed".
//   node test/integration/run.mjs [grep]      (grep: run only the tests whose title matches)
// Env: DEEP_LESSONS_DATA_DIR (required), DEEP_LESSONS_INTEGRATION_TIMEOUT (seconds, default 420).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension, compileSuite, elapsed, prepareFolders, root, startEditor } from './harness.mjs';
import { workbenchUrl, killOnExit } from '../../scripts/code-server/server.mjs';
import { launchChromium, closeAllBrowsers } from '../../scripts/code-server/browser.mjs';

const timeoutMs = Number(process.env.DEEP_LESSONS_INTEGRATION_TIMEOUT || 420) * 1000;
const grep = process.argv[2];
const t0 = Date.now();
let server;
let browser;
let passed = 0;
let failed = 0;
let problem;
const consoleLines = [];

killOnExit(() => {
  console.log(`\ninterrupted\nintegration: ${passed} passed, ${failed + 1} failed`);
  void closeAllBrowsers();
});

try {
  buildExtension();
  const suite = await compileSuite();
  console.log(`built the extension and the suite (${elapsed(t0)})`);
  const dirs = prepareFolders('integration', {
    // Small, quick runs: one epoch at most, the lesson's own sizes.
    'deepLessons.epochsBudget': 1,
  });
  const resultsFile = join(dirs.results, 'results.jsonl');
  writeFileSync(resultsFile, '');
  server = await startEditor(dirs, { DEEP_LESSONS_TEST_RESULTS: resultsFile, ...(grep ? { DEEP_LESSONS_TEST_GREP: grep } : {}) });
  console.log(`code-server on ${server.url} (${elapsed(t0)})`);

  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  const url = workbenchUrl(server, {
    folder: dirs.workspace,
    payload: [
      ['extensionDevelopmentPath', root],
      ['extensionTestsPath', suite],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ],
  });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  // Follow the results file until the suite ends.
  let seen = 0;
  let ended = false;
  let started = false;
  while (!ended) {
    if (Date.now() - t0 > timeoutMs) {
      problem = `timed out after ${timeoutMs / 1000} s${started ? ' while the suite ran' : ': the extension host never started the suite (see the logs below)'}`;
      break;
    }
    if (server.child.exitCode !== null) {
      problem = `code-server exited with ${server.child.exitCode} before the suite ended`;
      break;
    }
    const lines = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean) : [];
    for (const raw of lines.slice(seen)) {
      const r = JSON.parse(raw);
      if (r.event === 'start') {
        started = true;
        console.log(`suite started in the extension host: ${r.total} tests (${elapsed(t0)})`);
      } else if (r.event === 'pass') {
        passed++;
        console.log(`  ✔ ${r.title} (${r.ms} ms)`);
      } else if (r.event === 'fail') {
        failed++;
        console.log(`  ✖ ${r.title}\n${r.error.split('\n').map((l) => `      ${l}`).join('\n')}`);
      } else if (r.event === 'end') {
        ended = true;
        if (r.passed !== passed || r.failed !== failed) problem = `the suite counted ${r.passed} passed, ${r.failed} failed; the harness saw ${passed} and ${failed}`;
      }
    }
    seen = lines.length;
    if (!ended) await new Promise((r) => setTimeout(r, 250));
  }
  if (!problem && passed + failed === 0) problem = 'the suite ran no tests';
  if (problem || failed) await page.screenshot({ path: join(dirs.results, 'workbench.png') }).catch(() => undefined);
  writeFileSync(join(dirs.results, 'browser-console.log'), consoleLines.join('\n') + '\n');
} catch (e) {
  problem = e instanceof Error ? e.message : String(e);
} finally {
  await browser?.close().catch(() => undefined);
  await server?.stop();
}

if (problem) {
  console.log(`\nintegration harness: ${problem}`);
  if (server) console.log(`--- code-server log (last lines; all in test-results/integration/code-server.log) ---\n${server.logTail(40)}`);
  const errors = consoleLines.filter((l) => /^\[(error|pageerror)\]/.test(l)).slice(-15);
  if (errors.length) console.log(`--- browser console errors (last ${errors.length}) ---\n${errors.join('\n')}`);
  failed += 1;
}
console.log(`integration took ${elapsed(t0)}`);
console.log(`integration: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
