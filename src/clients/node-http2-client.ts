import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { checkServerIdentity } from 'node:tls';
import { clientAddress, hostPort } from '../address.js';
import { CLIENT_TIMEOUT_S } from '../client-commands.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import type { NodeObservation } from './observation.js';

/**
 * The reference Node client of an HTTP/2 listener (family `http2`), the one its `expect.node` describes: node:http2
 * over TLS (ALPN h2) trusting `connect.caFile`, SNI `connect.sni`, certificate checked against `connect.certHostname`;
 * one `GET /`, body read to its end; gives up after `timeoutMs` (code `ETIMEDOUT`). The observation's code is the
 * stream's or the session's error code (e.g. ERR_HTTP2_STREAM_ERROR, whose message names the RST_STREAM code) or
 * null with the status. Never rejects. `localPort` pins the connection's source port.
 */
export function nodeHttp2Request(
  manifest: Pick<Manifest, 'host'>,
  listener: Pick<ManifestListener, 'port' | 'connect'>,
  timeoutMs = CLIENT_TIMEOUT_S * 1000,
  localPort?: number,
): Promise<NodeObservation> {
  const { sni, caFile, certHostname } = listener.connect;
  const host = clientAddress(manifest.host);
  return new Promise((resolve) => {
    let session: ClientHttp2Session | undefined;
    let settled = false;
    const settle = (observation: NodeObservation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session?.destroy();
      resolve(observation);
    };
    const fail = (error: NodeJS.ErrnoException) => settle({ code: error.code ?? 'ERROR', message: error.message });
    const timer = setTimeout(() => settle({ code: 'ETIMEDOUT', message: `no response within ${timeoutMs} ms` }), timeoutMs);
    let ca: string | undefined;
    try {
      ca = caFile ? readFileSync(caFile, 'utf8') : undefined;
    } catch (error) {
      return settle({ code: 'CA_FILE_UNREADABLE', message: (error as Error).message });
    }
    session = connect(`https://${hostPort(host, listener.port)}`, {
      ca,
      servername: sni ?? '',
      checkServerIdentity: (_host, cert) => checkServerIdentity(certHostname ?? host, cert),
      ...(localPort === undefined ? {} : { localPort }),
    });
    session.on('error', fail);
    session.on('close', () => settle({ code: 'ERR_HTTP2_SESSION_CLOSED', message: 'session closed before the response ended' }));
    const stream = session.request({ ':method': 'GET', ':path': '/' });
    let status: number | undefined;
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('error', fail);
    stream.resume();
    stream.on('end', () =>
      settle(status === undefined ? { code: 'ERROR', message: 'stream ended without a response' } : { code: null, status }),
    );
    stream.on('close', () => {
      if (stream.rstCode) settle({ code: 'ERR_HTTP2_STREAM_ERROR', message: `stream reset with code ${stream.rstCode}` });
    });
    stream.end();
  });
}
