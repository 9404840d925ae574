/**
 * The integration suite's entry: VS Code's extension host (code-server's, or desktop VS Code's
 * under @vscode/test-electron) loads this module as `extensionTestsPath` and calls `run()`.
 * Mocha runs every `*.test.js` beside it (compiled from `test/integration/suite/*.test.ts` into
 * `out/integration/`). Each result is appended as one JSON line to the file named by
 * DEEP_LESSONS_TEST_RESULTS, which the harness (test/integration/run.mjs) follows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export type ResultLine =
  | { event: 'start'; total: number; files: string[] }
  | { event: 'pass'; title: string; ms: number }
  | { event: 'fail'; title: string; ms?: number; error: string }
  | { event: 'end'; passed: number; failed: number; ms: number };

export function run(): Promise<void> {
  const resultsFile = process.env.DEEP_LESSONS_TEST_RESULTS;
  const write = (line: ResultLine) => {
    if (resultsFile) fs.appendFileSync(resultsFile, JSON.stringify(line) + '\n');
    else console.log(JSON.stringify(line));
  };
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false, reporter: 'spec', grep: process.env.DEEP_LESSONS_TEST_GREP || undefined });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    try {
      let passed = 0;
      let failed = 0;
      const runner = mocha.run(() => {
        write({ event: 'end', passed, failed, ms: Date.now() - t0 });
        if (failed > 0) reject(new Error(`${failed} integration tests failed`));
        else resolve();
      });
      write({ event: 'start', total: runner.total, files });
      runner.on('pass', (t) => {
        passed++;
        write({ event: 'pass', title: t.fullTitle(), ms: t.duration ?? 0 });
      });
      runner.on('fail', (t, err: Error) => {
        failed++;
        write({ event: 'fail', title: t.fullTitle(), ms: t.duration, error: (err?.stack ?? String(err)).split('\n').slice(0, 12).join('\n') });
      });
    } catch (e) {
      write({ event: 'fail', title: 'loading the integration suite', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      write({ event: 'end', passed: 0, failed: 1, ms: Date.now() - t0 });
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
