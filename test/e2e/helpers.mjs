// What the browser end-to-end scripts share: finding the lesson panel's frame, waiting for a
// condition, and running a command from the palette.

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
