// The fairer peer for the farm's HTTP listeners: a plain node:http server, in its own process, doing what the
// farm's scenario does in the most direct way node:http allows. Usage: tsx bench/plain-http.ts PORT-FILE → writes its
// port to PORT-FILE when listening. Per request (the same query parameters as the farm's http-fault listeners):
// - `?delay_ms=N`: waits N ms (setTimeout), then a small 200 (what slow-first-byte does);
// - `?size=N`: streams an N-byte body from one shared 256 KiB buffer, honouring backpressure (oversized-body).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [portFile] = process.argv.slice(2) as [string];
const BLOCK = Buffer.alloc(256 * 1024, 0x61);
const body = 'plain node:http: first byte after the delay\n';

const server = createServer((request, response) => {
  request.resume();
  const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
  const size = query.get('size');
  if (size !== null) {
    let left = Number(size);
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': left,
      'cache-control': 'no-store',
      connection: 'close',
    });
    const pump = () => {
      while (left > 0) {
        const part = left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
        left -= part.length;
        if (!response.write(part)) return void response.once('drain', pump);
      }
      response.end();
    };
    response.once('close', () => (left = 0));
    return pump();
  }
  const timer = setTimeout(
    () => {
      response.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'public, max-age=60',
        connection: 'close',
      });
      response.end(body);
    },
    Number(query.get('delay_ms') ?? 0),
  );
  response.once('close', () => clearTimeout(timer));
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 511 }, () =>
  writeFileSync(portFile, String((server.address() as { port: number }).port)),
);
