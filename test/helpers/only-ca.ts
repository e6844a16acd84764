import { request } from 'node:https';

/**
 * GET / over HTTPS from 127.0.0.1:`port` with SNI `localhost`, by Node's https client trusting only the CA PEM `ca`
 * (not the system store); resolves with the status code, or the error code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE).
 */
export function getWithOnlyCa(port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, servername: 'localhost', path: '/', ca, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}
