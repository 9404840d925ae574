// The frame every browser end-to-end script runs in: build the extension, prepare fresh folders,
// open Chromium, let the script do what it must before the editor starts (checks that count as
// steps: `npm start`, installing the VSIX; files for its workspace), start code-server, open the
// workbench with the extension, run the steps, print what the script found, close everything and
// exit with the tally ("e2e: N passed, N failed").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension, elapsed, prepareFolders, root, startEditor } from '../integration/harness.mjs';
import { killOnExit, linkExtension, workbenchUrl } from '../../scripts/code-server/server.mjs';
import { closeAllBrowsers, launchChromium } from '../../scripts/code-server/browser.mjs';
import { runSteps } from './helpers.mjs';

/** A check before the editor starts failed and nothing after it can run (its failure is counted). */
class Stopped extends Error {}

/**
 * @param {object} o
 * @param {string} o.name the folder under .cache/ and test-results/ (e.g. 'e2e-tryit')
 * @param {string} [o.label] the tally's prefix ('e2e')
 * @param {Record<string, unknown>} [o.settings] user settings besides the data folder
 * @param {boolean} [o.development] build the project, link it into the extensions folder and open
 *   the window with it as a development extension (default); false: the script installs what it tests
 * @param {string} [o.workspace] the folder the window opens (default: a fresh `dirs.workspace`)
 * @param {(ctx: { dirs: object, browser: import('playwright').Browser, check: (title: string, fn: () => unknown, o?: { fatal?: boolean }) => Promise<unknown> }) => unknown} [o.prepare]
 *   runs before the editor starts: writes the script's files; `check` runs a counted step (a
 *   `fatal` one that fails stops the script)
 * @param {{ width: number, height: number }} [o.viewport]
 * @param {(page: import('playwright').Page) => void} [o.watch] attaches listeners to the page before it loads
 * @param {(page: import('playwright').Page) => Promise<void>} [o.start] runs once the workbench has loaded, before the steps
 * @param {[string, (page: import('playwright').Page, browser: import('playwright').Browser) => Promise<void>][]} o.steps
 * @param {() => string[]} [o.report] lines printed after the steps (what they measured)
 * @param {() => void} [o.cleanup] runs whatever happened, before the browser and editor close
 * @param {number} o.timeout one step's time limit in ms
 */
export async function runBrowserScript({ name, label = 'e2e', settings = {}, development = true, workspace, prepare, viewport = { width: 1400, height: 900 }, watch, start, steps, report, cleanup, timeout }) {
  const t0 = Date.now();
  const tally = { passed: 0, failed: 0 };
  const consoleLines = [];
  let dirs;
  let server;
  let browser;
  killOnExit(() => {
    console.log(`\ninterrupted\n${label}: ${tally.passed} passed, ${tally.failed + 1} failed`);
    void closeAllBrowsers();
  });
  const check = async (title, fn, { fatal = false } = {}) => {
    const s0 = Date.now();
    try {
      const out = await fn();
      tally.passed++;
      console.log(`  ✔ ${title} (${elapsed(s0)})`);
      return out;
    } catch (e) {
      tally.failed++;
      console.log(`  ✖ ${title} (${elapsed(s0)})\n      ${(e instanceof Error ? e.message : String(e)).split('\n').join('\n      ')}`);
      if (fatal) throw new Stopped(title, { cause: e });
      return undefined;
    }
  };
  try {
    if (development) buildExtension();
    dirs = prepareFolders(name, settings);
    browser = await launchChromium();
    await prepare?.({ dirs, browser, check });
    if (development) linkExtension(dirs.extensions, root);
    const folder = workspace ?? dirs.workspace;
    server = await startEditor({ ...dirs, workspace: folder });
    console.log(`code-server on ${server.url} (${elapsed(t0)})`);
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    watch?.(page);
    await page.goto(workbenchUrl(server, { folder, payload: development ? [['extensionDevelopmentPath', root]] : [] }), { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
    console.log(`workbench loaded with the ${development ? 'development' : 'installed'} extension (${elapsed(t0)})`);
    await start?.(page);
    const r = await runSteps(page, steps, { results: dirs.results, timeout, elapsed, args: [browser] });
    tally.passed += r.passed;
    tally.failed += r.failed;
    for (const line of report?.() ?? []) console.log(`  ${line}`);
  } catch (e) {
    if (e instanceof Stopped) console.log(`${label}: stopped, "${e.message}" failed`);
    else {
      tally.failed++;
      console.log(`${label} setup failed: ${e instanceof Error ? e.message : String(e)}`);
      if (server) console.log(`--- code-server log (last lines) ---\n${server.logTail(30)}`);
    }
  } finally {
    cleanup?.();
    if (dirs) writeFileSync(join(dirs.results, 'browser-console.log'), consoleLines.join('\n') + '\n');
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  if (tally.failed) {
    const errors = consoleLines.filter((l) => /^\[(error|pageerror)\]/.test(l) && !/open-vsx|ERR_NAME_NOT_RESOLVED|Failed to load resource/.test(l)).slice(-10);
    if (errors.length) console.log(`--- browser console errors (last ${errors.length}) ---\n${errors.join('\n')}`);
  }
  console.log(`${label} took ${elapsed(t0)}`);
  console.log(`${label}: ${tally.passed} passed, ${tally.failed} failed`);
  process.exit(tally.failed === 0 ? 0 : 1);
}
