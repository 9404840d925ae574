// What the browser end-to-end scripts share: finding the lesson panel's frame, waiting for a
// condition, running a command from the palette, opening a lesson, a run card's end and outcome,
// the ink of its charts, and running the steps.
import { join } from 'node:path';

/** One step's time limit in ms: DEEP_LESSONS_E2E_STEP_TIMEOUT seconds (default 120). */
export const stepTimeout = Number(process.env.DEEP_LESSONS_E2E_STEP_TIMEOUT || 120) * 1000;

/** The frame of the lesson panel's page (a webview: an iframe inside an iframe). */
export async function panelFrame(page, selector = 'article.lesson', timeout = 30_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      if (await f.$(selector).catch(() => null)) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the lesson panel (a webview with ${selector}) did not appear within ${timeout / 1000} s`);
}

/** Waits until `fn()` returns something truthy (polling), or fails saying what it waited for. */
export async function until(what, fn, timeout = 60_000, every = 250) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn().catch((e) => (e instanceof Error ? e : undefined));
    if (last && !(last instanceof Error)) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${last instanceof Error ? ` (${last.message.split('\n')[0]})` : ''}`);
}

/**
 * Opens a tab of a run card's chart area (`vscode-tabs` of @vscode-elements: the headers are
 * `vscode-tab-header`) by its label, and waits until that header is the selected one.
 */
export async function openCardTab(frame, card, label) {
  const header = frame.locator(`${card} vscode-tab-header`, { hasText: label }).first();
  await header.click();
  await until(`the "${label}" tab of ${card} to be selected`, async () => header.evaluate((el) => el.hasAttribute('active') || el.getAttribute('aria-selected') === 'true'), 5_000, 100);
}

/** The workbench's class for each kind of theme, and the class VS Code gives a webview's body. */
const THEME_KINDS = { dark: ['vs-dark', 'vscode-dark'], light: ['vs', 'vscode-light'], 'high-contrast': ['hc-black', 'vscode-high-contrast'], 'high-contrast-light': ['hc-light', 'vscode-high-contrast-light'] };

/**
 * Picks a colour theme by its label ("Dark Modern", "Light+", …) with "Preferences: Color Theme"
 * and waits until the workbench (and, given a frame, the lesson panel) wears it. The palette, not
 * settings.json: a window with a development extension (the `payload` the e2e opens) does not
 * apply the user settings' theme (it opens in Light+).
 * `kind`: 'dark', 'light', 'high-contrast' or 'high-contrast-light'.
 */
export async function setTheme(page, label, kind, frame) {
  const [workbenchClass, bodyClass] = THEME_KINDS[kind];
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill('>Preferences: Color Theme');
  // The row itself (not "Browse Color Themes in Marketplace", which may be the highlighted one).
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Preferences: Color Theme' }).first().click();
  await input.fill(label);
  const exact = new RegExp(`^\\s*${label.replace(/[+]/g, '\\+')}\\s*$`);
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await until(`the workbench in ${label} (${workbenchClass})`, async () => page.locator('.monaco-workbench').first().evaluate((el, c) => el.classList.contains(c), workbenchClass), 20_000);
  if (frame) {
    await until(`the panel in ${label} (${bodyClass})`, async () => frame.evaluate((c) => {
      const cl = globalThis.document.body.classList;
      return cl.contains(c) && (c !== 'vscode-light' || !cl.contains('vscode-high-contrast-light'));
    }, bodyClass), 20_000);
  }
  await page.waitForTimeout(500);
}

/** Runs a command by its title from the command palette. */
export async function runCommand(page, text) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${text}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/**
 * "DL Lessons: Open Lesson…" from the palette, the lesson picked by its title (typed, since rows
 * scrolled out of the list are not rendered); the panel's frame once it shows `selector`.
 */
export async function openLesson(page, title, selector = 'article.lesson', timeout = 30_000) {
  await runCommand(page, 'DL Lessons: Open Lesson');
  const input = page.locator('.quick-input-widget input[placeholder="Open a lesson"]');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(title);
  const item = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  await item.click();
  return panelFrame(page, selector, timeout);
}

/**
 * Waits until a run card's status line matches `re` (by default "Run complete."), failing at once
 * on "failed"; the status, trimmed.
 */
export async function runEnded(frame, card, timeout, re = /complete/i) {
  const status = await until(`the run of ${card} to end (${re})`, async () => {
    const s = (await frame.textContent(`${card} .run-status`)) ?? '';
    if (/failed/i.test(s)) throw new Error(s);
    return re.test(s) ? s : false;
  }, timeout);
  return status.trim();
}

/**
 * Waits for a run card's run to end ("Run complete."), then reads its outcomes (each shown as met
 * or not met) and its summary table (with val_accuracy). Fails on "failed" or pending outcomes.
 */
export async function runOutcome(frame, card, timeout) {
  const status = await runEnded(frame, card, timeout);
  const outcomes = await frame.$$eval(`${card} ul.outcomes li`, (lis) => lis.map((l) => l.className));
  if (!outcomes.length || outcomes.some((c) => c.includes('pending'))) throw new Error(`outcomes not shown as met / not met: ${outcomes.join(', ')}`);
  const table = (await frame.textContent(`${card} table.metrics`)) ?? '';
  if (!/val_accuracy/.test(table)) throw new Error(`no val_accuracy in the summary: ${table}`);
  return { status, outcomes };
}

/**
 * The drawn (not transparent) pixels of each canvas under `selector` that is on screen (laid out,
 * not in a hidden tab), keyed by its aria-label (`key` 'label') or by its class and index among
 * the canvases there ('class').
 */
export function canvasInk(frame, selector, key = 'label') {
  return frame.$$eval(`${selector} canvas`, (canvases, byLabel) => {
    const out = {};
    canvases.forEach((c, i) => {
      const r = c.getBoundingClientRect();
      if (!c.width || !c.height || r.width === 0 || r.height === 0 || c.offsetParent === null) return;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let p = 3; p < data.length; p += 4) if (data[p] > 0) ink++;
      out[byLabel ? c.getAttribute('aria-label') || `canvas ${Object.keys(out).length}` : `${c.className} ${i}`] = ink;
    });
    return out;
  }, key === 'label');
}

/**
 * Runs `[title, fn(page)]` steps in order, each within `timeout` ms, with a screenshot after each
 * (`<results>/NN-<title>.png`); a failing step is reported and the next one runs.
 * `args` are passed to each step after the page. Returns { passed, failed }.
 */
export async function runSteps(page, steps, { results, timeout, elapsed, args = [] }) {
  let passed = 0;
  let failed = 0;
  for (const [i, [title, fn]] of steps.entries()) {
    const shot = join(results, `${String(i + 1).padStart(2, '0')}-${title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50)}.png`);
    const s0 = Date.now();
    try {
      await Promise.race([fn(page, ...args), new Promise((_, rej) => setTimeout(() => rej(new Error(`step timed out after ${timeout / 1000} s`)), timeout + 5000))]);
      await page.screenshot({ path: shot });
      passed++;
      console.log(`  ✔ ${title} (${elapsed(s0)})`);
    } catch (e) {
      failed++;
      await page.screenshot({ path: shot }).catch(() => undefined);
      console.log(`  ✖ ${title} (${elapsed(s0)})\n      ${(e instanceof Error ? e.message : String(e)).split('\n').join('\n      ')}\n      screenshot: ${shot}`);
    }
  }
  return { passed, failed };
}
