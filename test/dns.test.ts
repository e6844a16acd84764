import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import { digArgs } from '../src/client-commands.js';
import { nodeResolve } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { loadCatalogue } from '../src/catalogue.js';
import { startFarm } from '../src/farm.js';
import { certsDir, tempDir, useFarm } from './helpers/farm.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { requireTool } from './helpers/tools.js';
import { freePort, proxyRequest, startHaproxy, startNginx, type RunningProxy } from './helpers/proxies.js';
import { nginxConfig } from '../src/config/nginx.js';
import { addressesOf, dig, parseDig, query, rcode, tcpExchange, truncated, udpExchange } from './helpers/dns.js';
import type { ListenerEvent } from '../src/listeners/index.js';

const dnsIds = loadCatalogue()
  .filter((e) => e.scenario.family === 'dns')
  .map((e) => e.scenario.id);

describe('embedded DNS server', () => {
  const fixture = useFarm({ only: dnsIds });
  const listener = fixture.listener;
  const port = () => listener('dns-ok').port;

  test('every DNS scenario name is in the zone, all on one port, named in the manifest query', () => {
    for (const label of ['ok', 'nxdomain', 'servfail', 'refused', 'timeout', 'truncated', 'slow', 'cname-loop', 'empty']) {
      assert.ok(
        fixture.farm.manifest.listeners.some((l) => l.query?.name === `${label}.origin.test`),
        label,
      );
    }
    assert.equal(new Set(fixture.farm.manifest.listeners.map((l) => l.port)).size, 1);
  });

  test('dig sees expect.dig and Node (dns.Resolver) sees expect.node for every name', async (t) => {
    if (!requireTool(t, 'dig')) return;
    await Promise.all(
      fixture.farm.manifest.listeners.map(async (l) => {
        const [dig, node] = await Promise.all([runClient(digArgs(fixture.farm.manifest, l)), nodeResolve(fixture.farm.manifest, l)]);
        const seen = parseDig(dig.stdout);
        const expected = l.expect.dig!;
        assert.equal(seen.status, expected.status, `${l.id}: ${dig.stdout}`);
        for (const flag of expected.flags ?? []) assert.ok(seen.flags.includes(flag), `${l.id}: flag ${flag} in ${seen.flags}`);
        if (expected.answers !== undefined) assert.equal(seen.answers, expected.answers, l.id);
        assert.ok(
          matchesNodeExpectation(l.expect.node, node),
          `${l.id}: expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(node)}`,
        );
      }),
    );
  });

  test('truncated: TC bit and no answer over UDP, the full answer over TCP', async () => {
    const udp = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('truncated.origin.test'))))!);
    assert.equal(truncated(udp), true);
    assert.equal(udp.answers?.length, 0);
    const tcp = await tcpExchange(port(), query('truncated.origin.test'));
    assert.equal(truncated(tcp), false);
    assert.deepEqual(addressesOf(tcp), ['127.0.0.1']);
  });

  test('slow answers after its delay and not before', async () => {
    const started = performance.now();
    const reply = await udpExchange(port(), dnsPacket.encode(query('slow.origin.test')), 10_000);
    const elapsed = performance.now() - started;
    assert.ok(reply, 'an answer came');
    assert.ok(elapsed >= 2950 && elapsed < 4500, `answered after ${elapsed} ms, configured 3000 ms`);
  });

  test('zone edges: SOA at the apex, NXDOMAIN for unknown names, REFUSED outside the zone, ID and question echoed', async () => {
    const apex = await tcpExchange(port(), query('origin.test', 7, 'SOA'));
    assert.equal(rcode(apex), 'NOERROR');
    assert.equal(apex.answers?.[0]?.type, 'SOA');
    const unknown = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('nope.origin.test', 8))))!);
    assert.equal(rcode(unknown), 'NXDOMAIN');
    const outside = dnsPacket.decode((await udpExchange(port(), dnsPacket.encode(query('example.com', 9))))!);
    assert.deepEqual([rcode(outside), outside.id, outside.questions?.[0]?.name], ['REFUSED', 9, 'example.com']);
  });

  test('10,000 malformed packets get FORMERR or are dropped, never a crash, and are fault events counted against no name; ok.<zone> still resolves', async () => {
    const requestsBefore = fixture.farm.monitor.get('dns-cname-loop')!.requests;
    const seen: ListenerEvent[] = [];
    const record = (event: ListenerEvent) => seen.push(event);
    fixture.farm.events.on('event', record);
    const good = dnsPacket.encode(query('ok.origin.test', 1));
    const inputs: Buffer[] = [
      Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), // compression pointer to itself
      Buffer.concat([good.subarray(0, 4), Buffer.from([0xff, 0xff]), good.subarray(6)]), // 65535 questions claimed
      good.subarray(0, 7), // truncated header
      Buffer.alloc(4096, 0x3f), // oversized
    ];
    while (inputs.length < 10_000) {
      const i = inputs.length;
      if (i % 2) inputs.push(randomBytes(1 + (i % 600)));
      else {
        const mutated = Buffer.from(good);
        for (let j = 0; j < 1 + (i % 5); j++) mutated[(i * 7 + j * 13) % mutated.length] = (i * 31 + j) & 0xff;
        inputs.push(mutated);
      }
    }
    const socket = createSocket('udp4');
    let replies = 0;
    let formerr = 0;
    socket.on('message', (message) => {
      replies++;
      if ((message[3]! & 0x0f) === 1) formerr++;
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < inputs.length; i += 200) {
      await Promise.all(
        inputs.slice(i, i + 200).map((bytes) => new Promise((resolve) => socket.send(bytes, port(), '127.0.0.1', resolve))),
      );
    }
    // Garbage over TCP too: a length prefix that promises more than ever comes, and random frames.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const tcp = connect(port(), '127.0.0.1', () => tcp.end(Buffer.concat([Buffer.from([0x00, 0x20]), randomBytes(32 + i)])));
        tcp.on('error', () => resolve());
        tcp.on('close', () => resolve());
        tcp.resume();
      });
    }
    // Names no scenario serves: in the zone, and outside it.
    for (const name of ['nope.origin.test', 'example.com']) await udpExchange(port(), dnsPacket.encode(query(name)));
    const ok = await nodeResolve(fixture.farm.manifest, listener('dns-ok'));
    socket.close();
    fixture.farm.events.off('event', record);
    assert.deepEqual(ok, { code: null, addresses: ['127.0.0.1'] });
    assert.ok(formerr > 0, `FORMERR replies: ${formerr} of ${replies}`);
    assert.deepEqual(
      seen.filter((e) => e.type === 'handler-error'),
      [],
    );
    assert.ok(
      seen.some((e) => e.type === 'fault' && /^malformed DNS message over udp/.test(e.detail ?? '')),
      'malformed datagrams are fault events',
    );
    assert.ok(
      seen.some((e) => e.type === 'fault' && /^malformed DNS message over tcp/.test(e.detail ?? '')),
      'malformed TCP messages are fault events',
    );
    assert.equal(fixture.farm.monitor.get('dns-cname-loop')!.requests, requestsBefore, 'no query counted against dns-cname-loop');
    assert.deepEqual(
      seen.filter((e) => e.type === 'request' && /nope\.origin\.test|example\.com/.test(e.detail ?? '')),
      [],
    );
  });

  test('a farm on 127.0.0.1: A 127.0.0.1, and no AAAA (NOERROR, no answer, the SOA)', async (t) => {
    if (!requireTool(t, 'dig')) return;
    const a = await dig('127.0.0.1', port(), 'ok.origin.test', 'A');
    assert.deepEqual([a.status, a.records], ['NOERROR', ['127.0.0.1']], a.output);
    const aaaa = await dig('127.0.0.1', port(), 'ok.origin.test', 'AAAA');
    assert.deepEqual([aaaa.status, aaaa.answers], ['NOERROR', 0], aaaa.output);
    assert.match(aaaa.output, /AUTHORITY SECTION:\norigin\.test\.\s+\d+\s+IN\s+SOA/);
  });

  test('--dns-zone and --dns-port move the zone and the port', async (t) => {
    const other = tempDir();
    t.after(other.remove);
    const custom = await startFarm({
      basePort: 0,
      certsDir: other.dir,
      only: ['dns-ok', 'dns-nxdomain'],
      dnsZone: 'Faults.Example.',
      dnsPort: 0,
    });
    t.after(() => custom.close());
    const ok = custom.manifest.listeners.find((l) => l.id === 'dns-ok')!;
    assert.equal(ok.query?.name, 'ok.faults.example');
    assert.deepEqual(await nodeResolve(custom.manifest, ok), { code: null, addresses: ['127.0.0.1'] });
  });
});

describe('DNS answers the addresses the farm is bound to', () => {
  for (const { host, hostname, a, aaaa } of [
    // `::` is dual-stack on Linux: the farm accepts on 127.0.0.1 and ::1.
    { host: '::', hostname: undefined, a: ['127.0.0.1'], aaaa: ['::1'] },
    { host: '::1', hostname: undefined, a: [], aaaa: ['::1'] },
    // A wildcard bind accepts on the address a CDN is given as --hostname (here a second loopback address).
    { host: '0.0.0.0', hostname: '127.0.0.5', a: ['127.0.0.1', '127.0.0.5'], aaaa: [] },
  ]) {
    test(`a farm on ${host}${hostname ? ` with --hostname ${hostname}` : ''}: A ${a.join(' ') || 'none'}, AAAA ${aaaa.join(' ') || 'none'}`, async (t) => {
      if (!requireTool(t, 'dig')) return;
      const certs = certsDir();
      t.after(certs.remove);
      const farm = await startFarm({ basePort: 0, host, hostname, certsDir: certs.dir, only: ['dns-ok'], controlPort: null });
      t.after(() => farm.close());
      const port = farm.manifest.listeners[0]!.port;
      const server = host === '0.0.0.0' ? '127.0.0.1' : '::1';
      const answerA = await dig(server, port, 'ok.origin.test', 'A');
      const answerAaaa = await dig(server, port, 'ok.origin.test', 'AAAA');
      assert.deepEqual([answerA.status, answerA.records], ['NOERROR', a], answerA.output);
      assert.deepEqual([answerAaaa.status, answerAaaa.records], ['NOERROR', aaaa], answerAaaa.output);
    });
  }
});

describe('through HAProxy resolving with the farm and preferring IPv6', () => {
  const fixture = useFarm({ only: ['dns-ok', 'http-ok'], controlPort: null });
  const dir = tempDir();
  let proxy: RunningProxy | undefined;
  after(async () => {
    await proxy?.stop();
    dir.remove();
  });

  test('a farm on 127.0.0.1: ok.<zone> gives 200 (HAProxy falls back to A, as there is no AAAA)', async (t) => {
    if (!requireTool(t, 'haproxy')) return;
    const listen = await freePort();
    const dns = fixture.listener('dns-ok').port;
    const http = fixture.listener('http-ok').port;
    const config = [
      'global',
      '    log stdout format raw local0 info',
      'defaults',
      '    mode http',
      '    log global',
      '    option httplog',
      '    timeout connect 2s',
      '    timeout client 5s',
      '    timeout server 5s',
      'resolvers farm',
      `    nameserver farm 127.0.0.1:${dns}`,
      '    resolve_retries 2',
      '    timeout resolve 500ms',
      '    timeout retry 500ms',
      '    hold valid 1s',
      'frontend in',
      `    bind 127.0.0.1:${listen}`,
      '    default_backend farm',
      'backend farm',
      `    server ok ok.origin.test:${http} resolvers farm resolve-prefer ipv6 init-addr none`,
      '',
    ].join('\n');
    proxy = await startHaproxy(config, dir.dir, listen);
    // With init-addr none the server waits for its first resolution: ask until it answers 200 (at most 10 s).
    let response = await proxyRequest(listen, '/', { method: 'GET', timeoutMs: 3000 });
    for (const deadline = Date.now() + 10_000; response.status !== 200 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      response = await proxyRequest(listen, '/', { method: 'GET', timeoutMs: 3000 });
    }
    assert.equal(response.status, 200, `${JSON.stringify(response)}\n${proxy.output()}`);
  });
});

describe('through nginx with the generated resolver line, a farm on ::1', () => {
  const fixture = useFarm({ host: '::1', only: ['dns-ok', 'tls-ok'], controlPort: null });
  const dir = tempDir();
  let proxy: RunningProxy | undefined;
  after(async () => {
    await proxy?.stop();
    dir.remove();
  });

  test('ok.<zone> gives 200: nginx takes the AAAA record (the only one there is)', async (t) => {
    if (!requireTool(t, 'nginx')) return;
    const listen = await freePort();
    const config = nginxConfig(fixture.farm.manifest, { listen, foreground: true, errorLog: join(dir.dir, 'error.log') });
    proxy = await startNginx(config, dir.dir, listen);
    const response = await proxyRequest(listen, '/dns-ok/', { method: 'GET', timeoutMs: 10_000 });
    await proxy.stop();
    assert.equal(response.status, 200, `${JSON.stringify(response)}\n${readFileSync(join(dir.dir, 'error.log'), 'utf8')}`);
  });
});
