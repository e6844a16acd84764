// The fairer peer for the farm's TLS listeners: a plain node:https server with the same key, chain and body, in its
// own process. Usage: tsx bench/plain-https.ts KEY CHAIN PORT-FILE → writes its port to PORT-FILE when listening.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [keyFile, chainFile, portFile] = process.argv.slice(2) as [string, string, string];
const body = 'badorigin tls-ok: you got through\n';
const server = createServer({ key: readFileSync(keyFile), cert: readFileSync(chainFile) }, (request, response) => {
  request.resume();
  response.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-badorigin-scenario': 'tls-ok',
  });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String((server.address() as { port: number }).port)));
