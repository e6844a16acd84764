import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { curlArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { launchChromium, openDashboard } from './helpers/browser.js';
import { clientHelloWithSni } from './helpers/client-hello.js';
import { useFarm } from './helpers/farm.js';
import { hasTool, requireTool } from './helpers/tools.js';

/** Sends `bytes` to 127.0.0.1:`port` and resolves once the farm closed the connection (5 s at most). */
function sendRaw(port: number, bytes: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(5000, () => socket.destroy());
    socket.resume();
  });
}

/** Connects to 127.0.0.1:`port` and closes at once; resolves once the connection is gone (5 s at most). */
function touch(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end());
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(5000, () => socket.destroy());
    socket.resume();
  });
}

/**
 * With DASHBOARD_SCREENSHOTS=<dir> (e.g. `docs`), saves the page as `<dir>/dashboard-<name>.png`, from the top: the
 * README's pictures are made this way.
 */
async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env.DASHBOARD_SCREENSHOTS;
  if (!dir) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${dir}/dashboard-${name}.png`, fullPage });
}

/** The WCAG A/AA rules of axe-core whose violations on `page` are `serious` or `critical`, with the first offending nodes. */
async function seriousViolations(page: Page): Promise<string[]> {
  let axePath: string;
  try {
    axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  } catch {
    throw new Error('axe-core is not installed: run npm install (it is a devDependency)');
  }
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Markup a client puts where a name or a path goes; shown as text it creates no element and runs nothing. */
const HOSTILE = '<img src=x onerror=window.__pwned=1>';

// One farm with every listener and one browser for the whole file: the overview must show them all.
const ready = hasTool('chromium') && hasTool('curl');
describe('dashboard in Chromium (playwright-core)', {
  skip: !ready && process.env.CI !== 'true' ? 'chromium and curl are needed (apt-get install chromium curl)' : false,
}, () => {
  const fixture = useFarm({});
  let browser: Browser;
  let page: Page;
  const base = () => fixture.farm.control!.url;
  before(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });
  after(async () => browser?.close());

  test('the overview shows a tile per listener, grouped by family; search and the family filter narrow it', async () => {
    await openDashboard(page, base());
    const ids = await page.$$eval('a.tile[data-listener]', (tiles) => tiles.map((t) => (t as HTMLElement).dataset.listener));
    assert.deepEqual([...ids].sort(), fixture.farm.manifest.listeners.map((l) => l.id).sort());
    assert.ok(ids.length >= 93, `${ids.length} tiles`);
    const families = [...new Set(fixture.farm.manifest.listeners.map((l) => l.family))].sort();
    assert.deepEqual((await page.$$eval('section.family', (s) => s.map((x) => (x as HTMLElement).dataset.family))).sort(), families);
    assert.equal(
      await page.textContent('a.tile[data-listener="cert-expired"] [data-field="outcome"]'),
      '○ waiting',
      'the outcome is said in words, not only colour',
    );
    // A tile names the status each reporter answers with at its default setting: Full (strict) for Cloudflare.
    const reported = (await page.textContent('a.tile[data-listener="cert-expired"] [data-field="expect"]'))?.split(' · ') ?? [];
    assert.ok(reported.includes('cloudflare 526') && !reported.includes('cloudflare 200'), reported.join(' · '));

    await page.check('input[name="family"][value="dns"]');
    const dns = fixture.farm.manifest.listeners
      .filter((l) => l.family === 'dns')
      .map((l) => l.id)
      .sort();
    assert.deepEqual(
      (await page.$$eval('li:not([hidden]) > a.tile', (t) => t.map((x) => (x as HTMLElement).dataset.listener))).sort(),
      dns,
    );
    assert.equal(await page.isVisible('section.family[data-family="certificate"]'), false);

    await page.check('input[name="family"][value=""]');
    await page.fill('#search', 'expired leaf certificate');
    assert.deepEqual(await page.$$eval('li:not([hidden]) > a.tile', (t) => t.map((x) => (x as HTMLElement).dataset.listener)), [
      'cert-expired',
    ]);
    await page.fill('#search', '');
  });

  test('a listener added, changed and removed at run time: its tile appears, shows its behaviour and goes, without a reload', async () => {
    await openDashboard(page, base());
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base()}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.text()}`);
    };
    const tile = 'a.tile[data-listener="live-tile"]';
    await call('POST', '/listeners', {
      id: 'live-tile',
      offset: 0,
      family: 'http',
      title: 'Added while the page is open',
      fault: 'Answers 503.',
      mechanism: 'http-fault',
      params: { fault: 'status', defaultStatus: 503 },
      expect: { node: { code: null }, curl: { exit: 0 } },
      sources: [],
    });
    await page.waitForSelector(tile, { timeout: 5000 });
    assert.equal(await page.isVisible(`${tile} [data-field="behaviour"]`), false);
    const total = fixture.farm.manifest.listeners.length;
    assert.match((await page.textContent('#summary')) ?? '', new RegExp(`^${total} listeners`));
    await call('PUT', '/listeners/live-tile/behaviour', { failFirst: 2 });
    await page.waitForSelector(`${tile} [data-field="behaviour"]:text-is("behaviour: failFirst 2")`, { timeout: 5000 });
    await call('DELETE', '/listeners/live-tile');
    await page.waitForSelector(tile, { state: 'detached', timeout: 5000 });
    assert.match((await page.textContent('#summary')) ?? '', new RegExp(`^${total - 1} listeners`));
    assert.equal(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument), true, 'the page was not reloaded');
  });

  test("after curl against cert-expired its tile says error provoked, and its page draws the connection: ClientHello, the farm's ServerHello and expired chain, the client's alert", async () => {
    await openDashboard(page, base());
    const tile = 'a.tile[data-listener="cert-expired"]';
    const listener = fixture.listener('cert-expired');
    assert.equal((await runClient(curlArgs(fixture.farm.manifest, listener))).exit, 60);
    await page.waitForSelector(`${tile}[data-outcome="error"]`, { timeout: 5000 });
    assert.equal(await page.textContent(`${tile} [data-field="outcome"]`), '▲ error provoked');

    await page.click(tile);
    await page.waitForFunction(
      () => document.body.dataset.route === '#/listeners/cert-expired' && document.body.dataset.ready === 'true',
      undefined,
      { timeout: 10_000 },
    );
    const figure = '.wire-list figure.connection';
    await page.waitForSelector(figure, { timeout: 5000 });
    const labels = await page.$$eval(`${figure}:first-child svg text.step-label`, (t) => t.map((x) => x.textContent));
    assert.equal(labels[0], 'TCP connect, accepted');
    assert.ok(labels.includes('ClientHello'), labels.join(' | '));
    assert.ok(labels.includes('alert certificate_expired (sent by the client)'), labels.join(' | '));
    assert.ok(labels.includes('ServerHello TLSv1.3'), labels.join(' | '));
    assert.ok(labels.includes('Certificate: chain of 2'), labels.join(' | '));
    assert.ok(labels.indexOf('ServerHello TLSv1.3') < labels.indexOf('alert certificate_expired (sent by the client)'), labels.join(' | '));
    assert.ok(
      labels.some((l) => l?.startsWith('FIN: the farm closed first')),
      labels.join(' | '),
    );
    const lines = await page.$$eval(`${figure}:first-child svg text.step-line`, (t) => t.map((x) => x.textContent));
    assert.ok(lines.includes('SNI: localhost'), lines.join(' | '));
    // Drawn from the attempt ledger: the newest figure is the ledger's newest attempt of the listener.
    const ledger = (await (await fetch(`${base()}/listeners/cert-expired/attempts?limit=1`)).json()) as {
      connection: number;
      clientHello: { ja3Hash: string };
      serverHello: { chain: { certificates: { notBefore: string; notAfter: string }[] } };
    }[];
    // The leaf as the farm sent it: CN, issuer, SANs, and its validity (the farm's expired leaf) said to be past.
    const { notBefore, notAfter } = ledger[0]!.serverHello.chain.certificates[0]!;
    assert.ok(lines.includes('leaf: CN=localhost, issued by CN=badorigin farm intermediate CA'), lines.join(' | '));
    assert.ok(lines.includes(`valid ${notBefore.slice(0, 10)} → ${notAfter.slice(0, 10)} (expired)`), lines.join(' | '));
    assert.ok(lines.includes('SAN: DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'), lines.join(' | '));
    assert.equal(await page.$eval(`${figure}:first-child`, (f) => (f as HTMLElement).dataset.connection), String(ledger[0]!.connection));
    assert.ok(lines.includes(`JA3: ${ledger[0]!.clientHello.ja3Hash}`), lines.join(' | '));
    assert.ok(
      lines.some((l) => /^JA3: [0-9a-f]{32}$/.test(l ?? '')),
      lines.join(' | '),
    );

    // A new connection while the page is open is drawn without a reload.
    const before = await page.$$eval(figure, (f) => f.length);
    assert.equal((await runClient(curlArgs(fixture.farm.manifest, listener))).exit, 60);
    await page.waitForFunction(
      ([selector, count]) => document.querySelectorAll(selector as string).length > (count as number),
      [figure, before] as const,
      { timeout: 5000 },
    );
  });

  test("a listener's page: title, fault, sources, every expectation in one table, the copy-ready commands", async () => {
    const listener = fixture.listener('cert-expired');
    await openDashboard(page, base(), '#/listeners/cert-expired');
    assert.match((await page.textContent('article.listener h2')) ?? '', new RegExp(`${listener.title}`));
    assert.equal(await page.textContent('article.listener p.fault'), listener.fault);
    const sources = await page.$$eval('ul.sources li', (l) => l.map((x) => x.textContent));
    assert.equal(sources.length, listener.sources.length);
    assert.ok(
      sources.every((s, i) => s?.startsWith(listener.sources[i]!.split(/[:§]/)[0]!.trim())),
      sources.join(' | '),
    );
    const reporters = await page.$$eval('table.expect tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.reporter));
    assert.deepEqual(reporters, Object.keys(listener.expect));
    assert.match((await page.textContent('table.expect tr[data-reporter="node"]')) ?? '', /CERT_HAS_EXPIRED/);
    assert.match((await page.textContent('table.expect tr[data-reporter="fastly"]')) ?? '', /certificate has expired/);
    // Cloudflare's outcome depends on its SSL mode: every mode's outcome is listed, the default first and marked.
    const cloudflare = listener.expect.cloudflare as { setting: string; default: string; outcomes: Record<string, { status?: number }> };
    const modes = await page.$$eval('table.expect tr[data-reporter="cloudflare"] ul.by-setting > li', (items) =>
      items.map((li) => ({
        setting: (li as HTMLElement).dataset.setting,
        isDefault: (li as HTMLElement).dataset.default,
        text: li.textContent ?? '',
      })),
    );
    assert.deepEqual(
      modes.map((m) => m.setting),
      [cloudflare.default, ...Object.keys(cloudflare.outcomes).filter((v) => v !== cloudflare.default)],
    );
    assert.deepEqual(
      modes.map((m) => m.isDefault),
      modes.map((_m, i) => String(i === 0)),
    );
    assert.match(modes[0]!.text, new RegExp(`${cloudflare.setting}: strict \\(default\\).*status526`));
    assert.match(modes.find((m) => m.setting === 'full')!.text, /status200/);
    // Each cited document links to its public URL from the farm's register of sources.
    const register = (await (await fetch(`${base()}/sources.json`)).json()) as { id: string; url: string | null }[];
    const url = register.find((r) => r.id === 'cloudflare-error-526')!.url;
    assert.ok(url?.startsWith('https://'));
    assert.equal(await page.$eval('ul.sources a.doc:text-is("cloudflare-error-526")', (a) => a.getAttribute('href')), url);
    assert.equal(
      await page.$eval('tr[data-reporter="cloudflare"] li[data-setting="strict"] a.doc:text-is("cloudflare-error-526")', (a) =>
        a.getAttribute('href'),
      ),
      url,
    );
    assert.deepEqual(await page.$$eval('pre.cmd', (p) => p.map((x) => x.textContent)), [listener.commands.curl, listener.commands.openssl]);
  });

  test("Try it runs the Node client from the farm: CERT_HAS_EXPIRED next to the farm's view; ECONNREFUSED on connection-refused", async () => {
    await openDashboard(page, base(), '#/listeners/cert-expired');
    // Another client keeps connecting to the same listener while the run is under way. It paces itself and stops
    // well short of the ledger's 1,000 attempts, so none of the run's window is evicted before it is read.
    let stop = false;
    let others = 0;
    const deadline = Date.now() + 20_000;
    const other = (async () => {
      while (!stop && Date.now() < deadline && others < 400) {
        others++;
        await touch(fixture.listener('cert-expired').port);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await page.click('button[data-client="node"]');
    await page.waitForSelector('.side-by-side[data-client="node"]', { timeout: 15_000 });
    stop = true;
    await other;
    assert.match((await page.textContent('.try-client [data-field="observed"]')) ?? '', /code: CERT_HAS_EXPIRED/);
    assert.match((await page.textContent('.try-client .verdict')) ?? '', /as the manifest expects/);
    const farmLabels = await page.$$eval('.try-farm svg text.step-label', (t) => t.map((x) => x.textContent));
    assert.ok(farmLabels.includes('ClientHello'), farmLabels.join(' | '));
    const probe = /probe (try-node-[\w-]+)\./.exec((await page.textContent('.try-farm [data-attribution]')) ?? '')?.[1];
    const windowed = (await (await fetch(`${base()}/listeners/cert-expired/attempts?probe=${probe}`)).json()) as unknown[];
    assert.ok(windowed.length > 1, `the other client connected ${others} times, ${windowed.length} inside the run's window`);
    assert.equal(await page.$$eval('.try-farm figure.connection', (f) => f.length), 1, "only the run's own connection");
    assert.equal(await page.$eval('.try-farm [data-attribution]', (p) => (p as HTMLElement).dataset.attribution), 'source-port');

    await openDashboard(page, base(), '#/listeners/connection-refused');
    await page.click('button[data-client="node"]');
    await page.waitForSelector('.side-by-side[data-client="node"]', { timeout: 15_000 });
    assert.match((await page.textContent('.try-client [data-field="observed"]')) ?? '', /code: ECONNREFUSED/);
    assert.match((await page.textContent('.try-farm')) ?? '', /No connection reached the farm/);
  });

  test('after curl against an HTTP fault its page draws the response head the farm sent: status line, fields, bytes', async () => {
    await openDashboard(page, base(), '#/listeners/malformed-status-line');
    const listener = fixture.listener('malformed-status-line');
    await runClient(curlArgs(fixture.farm.manifest, listener));
    const label = 'HTTP/1.1 2OO OK';
    await page.waitForFunction((text) => [...document.querySelectorAll('svg text.step-label')].some((t) => t.textContent === text), label, {
      timeout: 5000,
    });
    const figure = '.wire-list figure.connection:first-child';
    const labels = await page.$$eval(`${figure} svg text.step-label`, (t) => t.map((x) => x.textContent));
    assert.ok(labels.indexOf('GET /') < labels.indexOf(label), labels.join(' | '));
    const lines = await page.$$eval(`${figure} svg text.step-line`, (t) => t.map((x) => x.textContent));
    for (const line of ['Content-Type: text/plain', 'Content-Length: 32', 'Connection: close', '84 bytes of head'])
      assert.ok(lines.includes(line), `${line} in ${lines.join(' | ')}`);
  });

  test('an SNI and a request path carrying markup are shown as text: no element is made, nothing runs', async () => {
    await openDashboard(page, base(), '#/listeners/tls-ok');
    await sendRaw(fixture.listener('tls-ok').port, clientHelloWithSni(HOSTILE));
    await page.waitForFunction(
      (text) => [...document.querySelectorAll('svg text.step-line')].some((t) => t.textContent === text),
      `SNI: ${HOSTILE}`,
      { timeout: 5000 },
    );

    await openDashboard(page, base(), '#/listeners/http-ok');
    const path = '/<img/src=x/onerror=window.__pwned=2>';
    await sendRaw(fixture.listener('http-ok').port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    await page.waitForFunction(
      (text) => [...document.querySelectorAll('svg text.step-label')].some((t) => t.textContent === text),
      `GET ${path}`,
      { timeout: 5000 },
    );
    assert.equal(await page.$$eval('img', (found) => found.length), 0, 'no <img> was created');
    assert.equal(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned), undefined, 'no handler ran');
  });

  test('at 390 px nothing overflows sideways; keyboard focus is visible and Enter opens a tile', async () => {
    await page.setViewportSize({ width: 390, height: 860 });
    try {
      for (const hash of ['#/', '#/listeners/cert-expired']) {
        await openDashboard(page, base(), hash);
        const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(scroll <= client, `${hash}: page is ${scroll} px wide in a ${client} px viewport`);
        await screenshot(page, `${hash === '#/' ? 'overview' : 'listener'}-390`);
      }
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
    await openDashboard(page, base());
    let focused: string | undefined;
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(
        () => (document.activeElement as HTMLElement | null)?.closest('a.tile')?.getAttribute('data-listener') ?? undefined,
      );
    }
    assert.ok(focused, 'a tile is reachable with Tab');
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width >= 2, `outline ${outline.width} px`);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (id) => document.body.dataset.route === `#/listeners/${id}` && document.body.dataset.ready === 'true',
      focused,
      { timeout: 10_000 },
    );
    await openDashboard(page, base());
    await screenshot(page, 'overview-1400');
    assert.deepEqual(await seriousViolations(page), [], 'axe-core: the overview');
  });

  test("Try it with openssl on cert-expired: verify code 10 next to the farm's view (skipped without openssl)", async (t) => {
    if (!requireTool(t, 'openssl')) return;
    await openDashboard(page, base(), '#/listeners/cert-expired');
    await page.click('button[data-client="openssl"]');
    await page.waitForSelector('.side-by-side[data-client="openssl"]', { timeout: 15_000 });
    assert.match((await page.textContent('.try-client [data-field="observed"]')) ?? '', /verifyCode: 10/);
    assert.match((await page.textContent('.try-client .verdict')) ?? '', /as the manifest expects/);
    await page.waitForSelector('.try-farm figure.connection svg', { timeout: 5000 });
    assert.deepEqual(await seriousViolations(page), [], 'axe-core: a listener page with a diagram and a Try it result');
    if (process.env.DASHBOARD_SCREENSHOTS)
      await page.screenshot({
        path: `${process.env.DASHBOARD_SCREENSHOTS}/dashboard-listener-1400.png`,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1400, height: 2000 },
      });
  });
});

describe('dashboard with the attempt ledger off (--ledger-size 0)', {
  skip: !ready && process.env.CI !== 'true' ? 'chromium and curl are needed (apt-get install chromium curl)' : false,
}, () => {
  const fixture = useFarm({ only: ['cert-expired'], ledgerSize: 0 });
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => browser?.close());

  test('a listener\'s page says the farm keeps no attempts instead of "no connection yet"', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const base = fixture.farm.control!.url;
    assert.equal((await runClient(curlArgs(fixture.farm.manifest, fixture.listener('cert-expired')))).exit, 60);
    await openDashboard(page, base, '#/listeners/cert-expired');
    assert.match((await page.textContent('[data-field="wire"]')) ?? '', /keeps no attempts \(--ledger-size 0\)/);
  });
});
