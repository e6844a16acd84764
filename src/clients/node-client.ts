import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { checkServerIdentity } from 'node:tls';
import { createGunzip } from 'node:zlib';
import type { Manifest, ManifestListener } from '../manifest.js';
import { clientAddress } from '../address.js';
import { CLIENT_TIMEOUT_S, usesTls } from '../client-commands.js';
import { nodeHttp2Request } from './node-http2-client.js';
import type { NodeObservation } from './observation.js';

export type { NodeObservation } from './observation.js';

/** A response's own outcome: its end (the status), or its error (after decoding, when `decode`). */
function watchResponse(
  response: IncomingMessage,
  decode: boolean,
  failure: () => NodeJS.ErrnoException | undefined,
  settle: (o: NodeObservation) => void,
): void {
  let ended = false;
  let responseError: NodeJS.ErrnoException | undefined;
  const gzip = decode && /^\s*(x-)?gzip\s*$/i.test(response.headers['content-encoding'] ?? '');
  // A body that does not inflate is the client's error (zlib's code, e.g. Z_DATA_ERROR), as for a browser.
  const body: Readable = gzip ? response.pipe(createGunzip()) : response;
  body.resume();
  body.on('end', () => (ended = true));
  body.on('error', (error: NodeJS.ErrnoException) => {
    responseError = error;
    if (gzip) settle(asObservation(error));
  });
  response.on('error', (error: NodeJS.ErrnoException) => {
    responseError ??= error;
    if (gzip) body.destroy(error);
  });
  body.on('close', () => {
    const error = responseError ?? (ended ? undefined : failure());
    settle(
      error
        ? asObservation(error)
        : ended
          ? { code: null, status: response.statusCode }
          : { code: 'ERROR', message: 'response closed early' },
    );
  });
}

const asObservation = (error: NodeJS.ErrnoException): NodeObservation => ({ code: error.code ?? 'ERROR', message: error.message });

/**
 * The reference Node client, the one `expect.node` describes: `GET /` with node:http, or node:https trusting
 * `connect.caFile` (or the system store), sending SNI `connect.sni` (none when null) and checking the certificate
 * against `connect.certHostname`; with `acceptEncoding` it asks for gzip and inflates the body with node:zlib. Gives
 * up after `timeoutMs` (code `ETIMEDOUT`). Never rejects: every failure is an observation. `localPort` pins the
 * connection's source port (the farm's dashboard tells its own connection from other traffic by it).
 */
export function nodeRequest(
  manifest: Pick<Manifest, 'host'>,
  listener: Pick<ManifestListener, 'port' | 'connect' | 'transport' | 'acceptEncoding'>,
  timeoutMs = CLIENT_TIMEOUT_S * 1000,
  localPort?: number,
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
    const headers = listener.acceptEncoding ? { 'accept-encoding': listener.acceptEncoding } : {};
    const common = {
      host: clientAddress(manifest.host),
      port: listener.port,
      path: '/',
      method: 'GET',
      headers,
      agent: false as const,
      ...(localPort === undefined ? {} : { localPort }),
    };
    const req = usesTls(listener)
      ? httpsRequest({
          ...common,
          ca,
          servername: sni ?? '',
          checkServerIdentity: (_host, cert) => checkServerIdentity(certHostname ?? common.host, cert),
        })
      : httpRequest(common);
    const timer = setTimeout(() => {
      // Settle first: destroying can report its own "socket hang up" (ECONNRESET) before this line otherwise.
      settle({ code: 'ETIMEDOUT', message: `no response within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    // Once a response has started, its own outcome is the observation: a reset mid-body makes node:http emit both
    // the request's `read ECONNRESET` and the response's `aborted`, in either order.
    let responded = false;
    let failure: NodeJS.ErrnoException | undefined;
    req.on('response', (response) => {
      responded = true;
      watchResponse(response, Boolean(listener.acceptEncoding), () => failure, settle);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (responded) failure = error;
      else settle(asObservation(error));
    });
    req.end();
  });
}

/**
 * The reference Node resolver for a `dns` listener: `resolve4(query.name)` with node:dns's Resolver pointed at the
 * farm's DNS server only, one try, the client timeout. `code` is the resolver's error code (ENOTFOUND for NXDOMAIN,
 * ESERVFAIL, EREFUSED, ETIMEOUT, ENODATA…), null with the addresses when it resolves.
 */
export async function nodeResolve(
  manifest: Pick<Manifest, 'host'>,
  listener: Pick<ManifestListener, 'port' | 'query'>,
  timeoutMs = CLIENT_TIMEOUT_S * 1000,
): Promise<NodeObservation & { addresses?: string[] }> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  const address = clientAddress(manifest.host);
  resolver.setServers([isIP(address) === 6 ? `[${address}]:${listener.port}` : `${address}:${listener.port}`]);
  try {
    const addresses = await resolver.resolve4(listener.query?.name ?? '.');
    return { code: null, addresses };
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code ?? 'ERROR', message: (error as Error).message };
  }
}

/**
 * The reference Node client for any listener: `nodeResolve` for DNS listeners, `nodeHttp2Request` for HTTP/2 ones
 * (family `http2`), `nodeRequest` for the others; the last two from source port `localPort` when given (node:dns
 * cannot choose one).
 */
export function nodeObserve(manifest: Pick<Manifest, 'host'>, listener: ManifestListener, localPort?: number): Promise<NodeObservation> {
  if (listener.transport === 'dns') return nodeResolve(manifest, listener);
  return listener.family === 'http2'
    ? nodeHttp2Request(manifest, listener, undefined, localPort)
    : nodeRequest(manifest, listener, undefined, localPort);
}
