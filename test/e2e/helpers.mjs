// What the browser end-to-end scripts share: finding the lesson panel's frame, waiting for a
// condition, running a command from the palette, a run card's outcome, and running the steps.
import { join } from 'node:path';

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
 * Waits for a run card's run to end ("Run complete."), then reads its outcomes (each shown as met
 * or not met) and its summary table (with val_accuracy). Fails on "failed" or pending outcomes.
 */
export async function runOutcome(frame, card, timeout) {
  const status = await until('the run to end (Run complete.)', async () => {
    const s = (await frame.textContent(`${card} .run-status`)) ?? '';
    if (/failed/i.test(s)) throw new Error(s);
    return /complete/i.test(s) ? s : false;
  }, timeout);
  const outcomes = await frame.$$eval(`${card} ul.outcomes li`, (lis) => lis.map((l) => l.className));
  if (!outcomes.length || outcomes.some((c) => c.includes('pending'))) throw new Error(`outcomes not shown as met / not met: ${outcomes.join(', ')}`);
  const table = (await frame.textContent(`${card} table.metrics`)) ?? '';
  if (!/val_accuracy/.test(table)) throw new Error(`no val_accuracy in the summary: ${table}`);
  return { status: status.trim(), outcomes };
}

/**
 * Runs `[title, fn(page)]` steps in order, each within `timeout` ms, with a screenshot after each
 * (`<results>/NN-<title>.png`); a failing step is reported and the next one runs.
 * Returns { passed, failed }.
 */
export async function runSteps(page, steps, { results, timeout, elapsed }) {
  let passed = 0;
  let failed = 0;
  for (const [i, [title, fn]] of steps.entries()) {
    const shot = join(results, `${String(i + 1).padStart(2, '0')}-${title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 50)}.png`);
    const s0 = Date.now();
    try {
      await Promise.race([fn(page), new Promise((_, rej) => setTimeout(() => rej(new Error(`step timed out after ${timeout / 1000} s`)), timeout + 5000))]);
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
