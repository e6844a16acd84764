import { isIP } from 'node:net';
import { clientAddress, hostPort, urlHost } from './address.js';
import { isTlsTransport, type Transport } from './transport.js';

/**
 * The reference clients' command lines are data formatting: the manifest prints them (`commands`), the client
 * runners and config generators execute or embed them. They take the manifest's fields by shape rather than its
 * types, so the manifest can build its `commands` from here without the two modules importing each other.
 */

/** What a command line needs of a manifest: the bind address (`Manifest.host`). */
export interface CommandFarm {
  host: string;
}

/** What a command line needs of a manifest listener (`ManifestListener`): port, transport, how to connect. */
export interface CommandListener {
  port: number;
  transport: Transport;
  /** As `ManifestListener.connect`: SNI (null = none), the name checked in the certificate, the CA file to trust. */
  connect: { sni: string | null; certHostname: string | null; caFile: string | null };
  /** As `ManifestListener.query`, for `dns` listeners. */
  query?: { name: string; type: 'A' };
  /** As `ManifestListener.acceptEncoding`: curl asks for it and decodes (`--compressed`). */
  acceptEncoding?: 'gzip';
}

/** Client timeout of the reference clients, in seconds (`curl --max-time 5`). */
export const CLIENT_TIMEOUT_S = 5;

/** True for listeners a client reaches over TLS (transport `tls` or `https`). */
export function usesTls(listener: Pick<CommandListener, 'transport'>): boolean {
  return isTlsTransport(listener.transport);
}

/**
 * argv of the reference curl for a listener: `GET /` over HTTP, or HTTPS trusting `connect.caFile` with SNI
 * `connect.sni` (curl sends the URL host as SNI and checks the certificate against it; with no SNI the URL is the
 * IP address, which curl never sends as SNI); `--compressed` when the listener's `acceptEncoding` says so. Prints the
 * status code; the exit code is what `expect.curl` gives.
 */
export function curlArgs(
  manifest: CommandFarm,
  listener: Pick<CommandListener, 'port' | 'connect' | 'transport' | 'acceptEncoding'>,
): string[] {
  const address = clientAddress(manifest.host);
  const { sni, caFile } = listener.connect;
  const scheme = usesTls(listener) ? 'https' : 'http';
  const target = sni
    ? ['--resolve', `${sni}:${listener.port}:${urlHost(address)}`, `${scheme}://${hostPort(sni, listener.port)}/`]
    : [`${scheme}://${hostPort(address, listener.port)}/`];
  return [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}\\n',
    '--max-time',
    String(CLIENT_TIMEOUT_S),
    ...(caFile ? ['--cacert', caFile] : []),
    ...(listener.acceptEncoding ? ['--compressed'] : []),
    ...target,
  ];
}

/**
 * argv of the reference `openssl s_client`: stops at the first verify error (`-verify_return_error`) and checks
 * the certificate name as a CDN does (`-verify_hostname`/`-verify_ip`); `expect.openssl` gives the verify code.
 */
export function opensslArgs(manifest: CommandFarm, listener: Pick<CommandListener, 'port' | 'connect'>): string[] {
  const { sni, caFile } = listener.connect;
  const certHostname = listener.connect.certHostname ?? clientAddress(manifest.host);
  return [
    'openssl',
    's_client',
    '-connect',
    hostPort(clientAddress(manifest.host), listener.port),
    ...(sni ? ['-servername', sni] : ['-noservername']),
    '-verify_return_error',
    ...(isIP(certHostname) ? ['-verify_ip', certHostname] : ['-verify_hostname', certHostname]),
    ...(caFile ? ['-CAfile', caFile] : []),
  ];
}

/**
 * argv of the reference `dig` for a DNS listener: one try, the client timeout, straight to the farm's server over
 * UDP (dig retries over TCP by itself when the answer is truncated); `expect.dig` gives its status and flags.
 */
export function digArgs(manifest: CommandFarm, listener: Pick<CommandListener, 'port' | 'query'>): string[] {
  const query = listener.query ?? { name: '.', type: 'A' };
  return [
    'dig',
    `@${clientAddress(manifest.host)}`,
    '-p',
    String(listener.port),
    query.name,
    query.type,
    '+tries=1',
    `+time=${CLIENT_TIMEOUT_S}`,
  ];
}

/** Quotes argv for a POSIX shell, for copy-ready commands. */
export function shellQuote(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./\-[\]]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ');
}
