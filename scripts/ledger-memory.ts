// Measures the attempt ledger's memory: fills a ledger of every listener of the catalogue × 1,000 attempts (the
// default --ledger-size) with attempts as a CDN makes them (a TLS ClientHello, the farm's ServerHello and
// chain, one request with the header fields an intermediary sends, the response head the farm wrote, one action, a
// close) and prints the heap and RSS it holds.
// Run: node --expose-gc --import tsx scripts/ledger-memory.ts [listeners] [attempts per listener]
import { EventEmitter } from 'node:events';
import { AttemptLedger } from '../src/ledger/ledger.js';
import type { ListenerEvent } from '../src/listeners/index.js';
import { planListeners, plannedEntries, resolveSettings } from '../src/farm.js';

const settings = resolveSettings({});
const listeners = Number(process.argv[2] ?? planListeners(settings, plannedEntries(settings)).length);
const perListener = Number(process.argv[3] ?? settings.ledgerSize);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** Heap used and RSS after two full collections, in bytes. */
function settled(): { heap: number; rss: number } {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/** One of a few ClientHellos: an intermediary sends the same one on every connection (GREASE aside, which JA3 drops). */
const hello = (n: number) => ({
  sni: `origin-${n % 7}.example.com`,
  version: 'TLSv1.2',
  supportedVersions: ['TLSv1.3', 'TLSv1.2'],
  cipherSuites: [4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53],
  alpn: ['h2', 'http/1.1'],
  ja3: `771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-${n % 7},29-23-24,0`,
  ja3Hash: ((n % 7) * 2654435761).toString(16).padStart(32, '0').slice(-32),
});

/**
 * The header fields of a CDN's origin request (Fastly- and CloudFront-like, about 550 bytes), cut out of the text of
 * the head as the farm's request reader does (src/listeners/http/request-head.ts: split, slice, trim).
 */
function headers(n: number, port: number): [string, string][] {
  const head = fields(n, port)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  return head.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
}

const fields = (n: number, port: number): [string, string][] => [
  ['host', `origin.example.com:${port}`],
  ['user-agent', 'Amazon CloudFront'],
  ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['accept-encoding', 'gzip, deflate, br'],
  ['x-forwarded-for', `203.0.113.${n % 250}, 198.51.100.${(n >> 8) % 250}`],
  ['via', `1.1 ${(n * 7919).toString(16)}.cloudfront.net (CloudFront)`],
  ['cdn-loop', 'Fastly, cloudfront'],
  ['fastly-ff', `cache-fra-etou8220${n % 100}-FRA, cache-lcy-eglc8600${n % 50}-LCY`],
  ['x-amz-cf-id', `${(n * 48271).toString(36)}_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ==`],
  ['x-badorigin-probe', `p-${n}`],
  ['cookie', `session=${(n * 16807).toString(36)}; consent=yes`],
  ['connection', 'close'],
];

/** A two-certificate chain as a listener summarizes it once (src/pki/chain-summary.ts): one object per listener. */
const chainOf = (listener: string) => ({
  certificates: [
    {
      subject: 'localhost',
      issuer: 'badorigin farm intermediate CA',
      san: ['DNS:localhost', `DNS:${listener}.example.com`, 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'],
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
    },
    {
      subject: 'badorigin farm intermediate CA',
      issuer: 'badorigin farm root CA',
      san: [],
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2036-01-01T00:00:00.000Z',
    },
  ],
});

/** The head of a cacheable 200 as the http-fault listeners write it (about 270 bytes, 8 fields). */
const responseHead = (n: number) => ({
  statusLine: 'HTTP/1.1 200 OK',
  headers: [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', '33'],
    ['Date', new Date(1_790_000_000_000 + n * 1000).toUTCString()],
    ['Cache-Control', 'public, max-age=60'],
    ['ETag', `"${(n * 2654435761).toString(16).padStart(16, '0').slice(-16)}"`],
    ['Last-Modified', 'Wed, 02 Dec 2026 13:57:36 GMT'],
    ['X-Badorigin-Scenario', 'http-ok'],
    ['Connection', 'close'],
  ] as [string, string][],
  headBytes: 274,
});

const events = new EventEmitter<{ event: [ListenerEvent] }>();
const ids = Array.from({ length: listeners }, (_, i) => `listener-${i}`);
const before = settled();
const ledger = new AttemptLedger(events, ids, perListener);
let connection = 0;
const t0 = 1_790_000_000_000;
const chains = new Map(ids.map((id) => [id, chainOf(id)]));
for (let round = 0; round < perListener; round++) {
  for (const listener of ids) {
    connection += 1;
    const time = t0 + connection;
    const emit = (event: Omit<ListenerEvent, 'listener' | 'time'>) => events.emit('event', { ...event, listener, time, connection });
    emit({ type: 'connection', peer: `198.51.100.${connection % 250}:${10_000 + (connection % 50_000)}` });
    emit({ type: 'client-hello', clientHello: hello(connection) });
    emit({ type: 'server-hello', serverHello: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', chain: chains.get(listener)! } });
    emit({
      type: 'request',
      method: 'GET',
      target: `/${listener}/__probe/p-${connection}`,
      headers: headers(connection, 9400 + (connection % 200)),
    });
    emit({ type: 'response', response: responseHead(connection) });
    emit({ type: 'fault', detail: 'held 3000 ms, then 502' });
    emit({ type: 'close', by: 'client', durationMs: 3001, bytesIn: 812, bytesOut: 4096 });
  }
}
const after = settled();
const attempts = ids.reduce((sum, id) => sum + ledger.attempts(id)!.length, 0);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(`${attempts} attempts (${listeners} listeners × ${perListener})`);
console.log(`heap: +${kib(after.heap - before.heap)} (${((after.heap - before.heap) / attempts).toFixed(0)} bytes per attempt)`);
console.log(`rss:  +${kib(after.rss - before.rss)} (${((after.rss - before.rss) / attempts).toFixed(0)} bytes per attempt)`);
