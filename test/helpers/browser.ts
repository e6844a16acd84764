import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium for a test; the caller closes it. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

/**
 * Opens the dashboard at `base` (the control URL, optionally with `?token=`) on route `hash` (`#/` the overview,
 * `#/listeners/<id>` a listener's page) and waits until that view has rendered (10 s at most).
 */
export async function openDashboard(page: Page, base: string, hash = '#/'): Promise<void> {
  await page.goto(`${base}${hash}`);
  await page.waitForFunction((route) => document.body.dataset.ready === 'true' && document.body.dataset.route === route, hash, {
    timeout: 10_000,
  });
}
