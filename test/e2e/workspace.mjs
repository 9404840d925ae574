// The frame of a browser script whose lessons live in a fresh workspace (tryit.mjs, hostile.mjs):
// build the extension, prepare the folders, let the script put its files in the workspace, start
// code-server with the project as a development extension, open the workbench in Chromium, run
// the steps, print what the script found, close everything and exit with the tally.
import { buildExtension, elapsed, prepareFolders, root, startEditor } from '../integration/harness.mjs';
import { killOnExit, linkExtension, workbenchUrl } from '../../scripts/code-server/server.mjs';
import { closeAllBrowsers, launchChromium } from '../../scripts/code-server/browser.mjs';
import { runSteps } from './helpers.mjs';

/**
 * @param {object} o
 * @param {string} o.name the folder under .cache/ and test-results/ (e.g. 'e2e-tryit')
 * @param {Record<string, unknown>} [o.settings] user settings besides the data folder
 * @param {(dirs: object) => void} o.prepare writes the script's files into `dirs.workspace`
 * @param {[string, (page: import('playwright').Page) => Promise<void>][]} o.steps
 * @param {(page: import('playwright').Page) => void} [o.watch] attaches listeners to the page before it loads
 * @param {() => string[]} [o.report] lines printed after the steps (what they measured)
 * @param {number} o.timeout one step's time limit in ms
 */
export async function runWorkspaceScript({ name, settings = {}, prepare, steps, watch, report, timeout }) {
  const t0 = Date.now();
  let result = { passed: 0, failed: 0 };
  let server;
  let browser;
  killOnExit(() => {
    console.log(`\ninterrupted\ne2e: ${result.passed} passed, ${result.failed + 1} failed`);
    void closeAllBrowsers();
  });
  try {
    buildExtension();
    const dirs = prepareFolders(name, settings);
    prepare(dirs);
    browser = await launchChromium();
    linkExtension(dirs.extensions, root);
    server = await startEditor(dirs);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    watch?.(page);
    await page.goto(workbenchUrl(server, { folder: dirs.workspace, payload: [['extensionDevelopmentPath', root]] }), { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="DL Lessons"]').first().waitFor({ timeout: 60_000 });
    result = await runSteps(page, steps, { results: dirs.results, timeout, elapsed });
    for (const line of report?.() ?? []) console.log(`  ${line}`);
  } catch (e) {
    result.failed++;
    console.log(`e2e setup failed: ${e instanceof Error ? e.message : String(e)}`);
    if (server) console.log(`--- code-server log (last lines) ---\n${server.logTail(30)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  console.log(`e2e took ${elapsed(t0)}`);
  console.log(`e2e: ${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed === 0 ? 0 : 1);
}
