import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { curlArgs } from '../src/client-commands.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { runClient } from '../src/clients/run-client.js';
import { startFarm } from '../src/farm.js';
import { useFarm } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

describe('an uncaught error in a listener is attributed and does not take the process down', () => {
  const fixture = fileURLToPath(new URL('./fixtures/crashing-listener.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  let onLine: () => void = () => undefined;
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      buffer = buffer.slice(newline + 1);
      onLine();
    }
  });
  const waitForLine = (predicate: (line: Record<string, unknown>) => boolean, ms = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such line within ${ms} ms: ${JSON.stringify(lines)}`)), ms);
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      onLine = check;
      check();
    });
  after(() => child.kill('SIGKILL'));

  let ports: { raw: number; tls: number; health: number };
  before(async () => {
    ports = (await waitForLine((l) => 'ports' in l)).ports as typeof ports;
  });

  test('raw socket handler: reported with its listener id, process still serving', async () => {
    const socket = connect(ports.raw, '127.0.0.1', () => socket.write('boom'));
    socket.on('error', () => undefined);
    const report = await waitForLine((l) => l.message === 'raw handler bug');
    assert.deepEqual(report, { listener: 'raw-bug', message: 'raw handler bug', kind: 'exception' });
    socket.destroy();
  });

  test('TLS socket built on the connection: reported with its listener id', async () => {
    const client = tlsConnect({ port: ports.tls, host: '127.0.0.1', rejectUnauthorized: false }, () => client.write('boom'));
    client.on('error', () => undefined);
    const report = await waitForLine((l) => l.message === 'tls handler bug');
    assert.equal(report.listener, 'tls-bug');
    client.destroy();
  });

  test('after both errors the process still answers', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(ports.health, '127.0.0.1');
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    });
    assert.equal(answer, 'alive\n');
    assert.equal(child.exitCode, null);
  });
});

describe('per-listener caps', () => {
  const fixture = useFarm({ only: ['close-after-request'], controlPort: null, maxConnections: 2, maxHoldMs: 400 });

  test('one connection past --max-connections is reset and reported; the listener keeps serving', async () => {
    const port = fixture.farm.manifest.listeners.find((l) => l.id === 'close-after-request')!.port;
    const open = (): Promise<ReturnType<typeof connect>> =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
      });
    const first = await open();
    const second = await open();
    const capped = fixture.farm.waitFor('close-after-request', (e) => e.type === 'fault' && /cap: 2 connections/.test(e.detail ?? ''));
    const third = connect(port, '127.0.0.1');
    const thirdEnd = new Promise<string>((resolve) => {
      third.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      third.on('close', () => resolve('closed'));
    });
    await capped;
    assert.equal(await thirdEnd, 'ECONNRESET');
    first.destroy();
    second.destroy();
    await Promise.all([
      fixture.farm.waitFor('close-after-request', (e) => e.type === 'close'),
      fixture.farm.waitFor('close-after-request', (e) => e.type === 'close'),
    ]).catch(() => undefined);
    const observed = await nodeRequest(fixture.farm.manifest, fixture.farm.manifest.listeners.find((l) => l.id === 'close-after-request')!);
    assert.equal(observed.code, 'ECONNRESET', 'it still applies its own fault afterwards');
  });

  test('a connection held past --max-hold-ms is closed by the farm and reported', async () => {
    const port = fixture.farm.manifest.listeners.find((l) => l.id === 'close-after-request')!.port;
    const held = fixture.farm.waitFor('close-after-request', (e) => e.type === 'fault' && /cap: held 400 ms/.test(e.detail ?? ''), 5000);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await held;
    await closed;
  });
});

describe('request head caps (--max-header-bytes, --max-headers)', () => {
  const fixture = useFarm({ only: ['tls-ok', 'http-ok'], controlPort: null, maxHeaderBytes: 2048, maxHeaders: 10 });
  const curlStatus = async (id: string, headers: string[]): Promise<string> => {
    const args = curlArgs(fixture.farm.manifest, fixture.listener(id));
    const result = await runClient([...args.slice(0, -1), ...headers.flatMap((h) => ['-H', h]), args.at(-1)!]);
    assert.equal(result.exit, 0, result.stderr);
    return result.stdout.trim();
  };
  const big = [`x-filler: ${'a'.repeat(3000)}`];
  const many = Array.from({ length: 12 }, (_, i) => `x-field-${i}: ${i}`);

  for (const [id, status] of [
    ['tls-ok', '431'],
    ['http-ok', '400'],
  ] as const) {
    test(`${id}: a head over the caps gets ${status} and a cap event; an ordinary request still gets 200`, async (t) => {
      if (!requireTool(t, 'curl')) return;
      const tooBig = fixture.farm.waitFor(
        id,
        (e) => e.type === 'fault' && /^cap: request head larger than 2048 bytes, \d+ \(--max-header-bytes\)$/.test(e.detail ?? ''),
      );
      assert.equal(await curlStatus(id, big), status);
      await tooBig;
      const tooMany = fixture.farm.waitFor(
        id,
        (e) => e.type === 'fault' && /^cap: more than 10 header fields, \d+ \(--max-headers\)$/.test(e.detail ?? ''),
      );
      assert.equal(await curlStatus(id, many), status);
      await tooMany;
      assert.equal(await curlStatus(id, many.slice(0, 5)), '200');
    });
  }

  test('caps must be positive whole numbers', async () => {
    await assert.rejects(
      startFarm({ basePort: 0, only: ['tls-ok'], maxHeaderBytes: 0 }),
      /--max-header-bytes must be a positive whole number/,
    );
    await assert.rejects(startFarm({ basePort: 0, only: ['tls-ok'], maxHeaders: 1.5 }), /--max-headers must be a positive whole number/);
  });
});
