import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { verify } from '../src/verify/run.js';
import { launchChromium, openDashboard } from './helpers/browser.js';
import { useFarm } from './helpers/farm.js';
import { relay } from './helpers/relay.js';
import { hasTool } from './helpers/tools.js';

describe('the dashboard Verify view in Chromium (playwright-core)', {
  skip: !hasTool('chromium') && process.env.CI !== 'true' ? 'chromium is needed (apt-get install chromium)' : false,
}, () => {
  const fixture = useFarm({ only: ['http-ok'] });
  let browser: Browser;
  let proxy: Server | undefined;
  before(async () => {
    browser = await launchChromium();
    proxy = await relay(fixture.farm);
  });
  after(async () => {
    proxy?.close();
    await browser?.close();
  });

  test('before any run it says there is no report; after a verify run it lists the listener, its checks and draws its attempts', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const base = fixture.farm.control!.url;
    await openDashboard(page, base, '#/verify');
    assert.match((await page.textContent('main')) ?? '', /No verify report yet/);

    const port = (proxy!.address() as { port: number }).port;
    const report = await verify({
      route: `http://127.0.0.1:${port}/{id}/`,
      farmObject: fixture.farm,
      only: 'http-ok',
      skip: 'http-ok-tls',
      expect: 'nginx',
      repeat: 2,
      timeout: 5,
    });
    const entry = report.listeners[0]!;
    const attempts = entry.asks.flatMap((a) => a.attempts).length;
    assert.ok(attempts >= 2, `${attempts} attempts`);

    // The same URL again is a same-document navigation: go through the overview so the view loads the report anew.
    await openDashboard(page, base, '#/');
    await openDashboard(page, base, '#/verify');
    const section = 'section.verify-listener[data-listener="http-ok"]';
    assert.equal(await page.getAttribute(section, 'data-verdict'), entry.verdict.result);
    const heading = (await page.textContent(`${section} h3`)) ?? '';
    assert.match(heading, entry.verdict.result === 'match' ? /http-ok ✓ matched/ : /http-ok ✗ mismatched/);
    assert.equal(await page.$$eval(`${section} table.verify-checks tbody tr`, (rows) => rows.length), entry.verdict.checks.length);
    const statusRow = await page.$$eval(`${section} table.verify-checks tbody tr`, (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)).find((cells) => cells[0] === 'status'),
    );
    assert.ok(statusRow, 'a status check row');
    assert.equal(statusRow[2], '200', 'observed status through the relay');
    assert.equal(await page.$$eval(`${section} section.verify-ask`, (asks) => asks.length), 2);
    assert.equal(await page.$$eval(`${section} .verify-attempt svg`, (svgs) => svgs.length), attempts);
    assert.match((await page.textContent(`${section} .verify-attempt .gap`)) ?? '', /^attempt 1, -?[\d,]+ ms after the ask$/);
    const facts = (await page.textContent('dl.verify-facts')) ?? '';
    assert.ok(facts.includes(`http://127.0.0.1:${port}/{id}/`) && facts.includes('nginx'), facts);
    assert.deepEqual(errors, []);
    // With DASHBOARD_SCREENSHOTS=<dir> (e.g. `docs`), the README's pictures of the verify view, at both widths.
    const dir = process.env.DASHBOARD_SCREENSHOTS;
    if (dir) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${dir}/dashboard-verify-1400.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${dir}/dashboard-verify-390.png` });
    }
    await page.close();
  });
});
