import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (package `chromium`; .ci/run installs it). Never a downloaded browser. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Headless Debian Chromium driven by playwright-core. The flags keep it off the network it would
 * otherwise try to reach at start (this machine's is closed) and run it as root; playwright-core
 * gives it a fresh profile.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_BIN, constants.X_OK);
  } catch {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM_BIN}: apt-get install chromium (.ci/run does), or set CHROMIUM_BIN`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
