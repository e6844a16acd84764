import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { send } from '../src/verify/client.js';

// The client verify uses towards the intermediary, against a node:http server standing in for it.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('verify: the client of the intermediary', () => {
  let server: Server;
  let handler: Handler = (_req, res) => res.end();
  let base: string;
  before(async () => {
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('sends the probe header and identity encoding; keeps the identifying headers and the first 512 body bytes', async () => {
    let seen: IncomingMessage | undefined;
    handler = (req, res) => {
      seen = req;
      res.writeHead(503, {
        'X-Cache': 'MISS',
        Via: '1.1 varnish',
        'X-Badorigin-Error': 'first byte timeout',
        'Set-Cookie': 'a=b',
        'Content-Type': 'text/plain',
      });
      res.end('e'.repeat(2000));
    };
    const view = await send(new URL(`${base}/slow-first-byte/__probe/p.1/`), { method: 'GET' }, 'p.1', 5000);
    assert.equal(seen?.url, '/slow-first-byte/__probe/p.1/');
    assert.equal(seen?.headers['x-badorigin-probe'], 'p.1');
    assert.equal(seen?.headers['accept-encoding'], 'identity');
    assert.equal(view.status, 503);
    assert.deepEqual(view.headers, {
      'x-cache': 'MISS',
      'x-badorigin-error': 'first byte timeout',
      via: '1.1 varnish',
      'content-type': 'text/plain',
    });
    assert.equal(view.bodyStart, 'e'.repeat(512));
    assert.equal(view.bodyBytes, 2000);
    assert.equal(view.error, undefined);
    assert.ok(view.timeToHeadMs !== null && view.timeToHeadMs <= view.timeToEndMs);
  });

  test('a POST writes the whole body with Content-Length', async () => {
    let received = 0;
    handler = (req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end(String(received)));
    };
    const bytes = 3 * 64 * 1024 + 5;
    const view = await send(new URL(`${base}/request-body-reset/`), { method: 'POST', bodyBytes: bytes }, 'p.2', 5000);
    assert.equal(view.status, 200);
    assert.equal(received, bytes);
    assert.equal(view.bodyStart, String(bytes));
  });

  test('a bounded read ends the response once enough body came, without an error', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(64 * 1024 * 1024) });
      const block = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && !res.destroyed) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
      };
      pump();
    };
    const view = await send(new URL(`${base}/oversized-body/`), { method: 'GET', maxBodyBytes: 256 * 1024 }, 'p.3', 5000);
    assert.equal(view.status, 200);
    assert.ok(view.bodyBytes >= 256 * 1024 && view.bodyBytes < 64 * 1024 * 1024, String(view.bodyBytes));
    assert.equal(view.error, undefined);
  });

  test("no answer within the timeout, and a reset before the head, are the view's error with no status", async () => {
    handler = () => undefined;
    const silent = await send(new URL(`${base}/connection-hold/`), { method: 'GET' }, 'p.4', 300);
    assert.deepEqual([silent.status, silent.error, silent.timeToHeadMs], [null, 'no answer within 300 ms', null]);
    handler = (req) => req.socket.resetAndDestroy();
    const reset = await send(new URL(`${base}/reset-on-connect/`), { method: 'GET' }, 'p.5', 5000);
    assert.equal(reset.status, null);
    assert.match(reset.error ?? '', /^ECONNRESET/);
  });
});
