// Headless Chromium (Debian's) driven by playwright-core, with the flags that keep it off the
// network and quiet (issue 5). Shared by the integration harness and the end-to-end tests.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.DEEP_LESSONS_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const live = new Set();

/** Launches Chromium; a clear error when it is not installed. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium, or run scripts/setup-machine.sh) or set DEEP_LESSONS_CHROMIUM to a Chromium binary`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
  live.add(browser);
  browser.on('disconnected', () => live.delete(browser));
  return browser;
}

/** Closes every browser this process launched (best effort; for signal handlers). */
export async function closeAllBrowsers() {
  await Promise.all([...live].map((b) => b.close().catch(() => undefined)));
}
