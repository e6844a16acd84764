import { createServer, request, type Server } from 'node:http';
import type { Farm } from '../../src/farm.js';

/** A stand-in intermediary: `/<id>/<rest>` goes to listener `<id>` of `farm` over plain HTTP, answers relayed. */
export function relay(farm: Farm): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const [, id, ...rest] = (incoming.url ?? '/').split('/');
    const listener = farm.manifest.listeners.find((l) => l.id === id);
    if (!listener) return void outgoing.writeHead(404).end();
    const upstream = request(
      { host: '127.0.0.1', port: listener.port, path: `/${rest.join('/')}`, headers: incoming.headers, timeout: 5000 },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('timeout', () => upstream.destroy());
    upstream.on('error', () => outgoing.headersSent || outgoing.writeHead(502).end());
    upstream.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
