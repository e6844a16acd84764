// The floor for the farm's certificate and protocol faults: a bare node:tls server with the same key, chain and
// protocol settings, in its own process, that ends each connection once its handshake is done. Usage:
// node plain-tls.mjs KEY CHAIN MIN-VERSION MAX-VERSION CIPHERS PORT-FILE (CIPHERS `-` for Node's default) → writes
// its port to PORT-FILE when listening.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type SecureVersion } from 'node:tls';

const [keyFile, chainFile, minVersion, maxVersion, ciphers, portFile] = process.argv.slice(2) as [
  string,
  string,
  SecureVersion,
  SecureVersion,
  string,
  string,
];
const server = createServer(
  {
    key: readFileSync(keyFile),
    cert: readFileSync(chainFile),
    minVersion,
    maxVersion,
    ...(ciphers === '-' ? {} : { ciphers }),
  },
  (socket) => socket.end(),
);
server.on('tlsClientError', (_error, socket) => socket.destroy());
server.listen(0, '127.0.0.1', () => writeFileSync(portFile, String((server.address() as { port: number }).port)));
