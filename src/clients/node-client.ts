import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import type { Manifest, ManifestListener } from '../manifest.js';
import { CLIENT_TIMEOUT_S, clientAddress, usesTls } from './commands.js';

/** What the reference Node client saw: `code` null and an HTTP status when the request succeeded. */
export interface NodeObservation {
  code: string | null;
  status?: number;
  message?: string;
}

/**
 * The reference Node client of CONVENTIONS.md: `GET /` with node:http, or node:https trusting `connect.caFile` (or
 * the system store), sending SNI `connect.sni` (none when null) and checking the certificate against
 * `connect.certHostname`; gives up after `timeoutMs` (code `ETIMEDOUT`). Never rejects: every failure is an observation.
 */
export function nodeRequest(
  manifest: Pick<Manifest, 'host'>,
  listener: Pick<ManifestListener, 'port' | 'connect' | 'transport'>,
  timeoutMs = CLIENT_TIMEOUT_S * 1000,
): Promise<NodeObservation> {
  const { sni, caFile, certHostname } = listener.connect;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (observation: NodeObservation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(observation);
    };
    let ca: string | undefined;
    try {
      ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
    } catch (error) {
      return settle({ code: 'CA_FILE_UNREADABLE', message: (error as Error).message });
    }
    const common = { host: clientAddress(manifest.host), port: listener.port, path: '/', method: 'GET', agent: false as const };
    const req = usesTls(listener)
      ? httpsRequest({
          ...common,
          ca,
          servername: sni ?? '',
          checkServerIdentity: (_host, cert) => checkServerIdentity(certHostname ?? common.host, cert),
        })
      : httpRequest(common);
    const timer = setTimeout(() => {
      req.destroy();
      settle({ code: 'ETIMEDOUT', message: `no response within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => settle({ code: null, status: response.statusCode }));
      response.on('error', (error: NodeJS.ErrnoException) => settle({ code: error.code ?? 'ERROR', message: error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle({ code: error.code ?? 'ERROR', message: error.message }));
    req.end();
  });
}
