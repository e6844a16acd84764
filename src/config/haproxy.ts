import type { Manifest, ManifestListener } from '../manifest.js';
import {
  caFileFor,
  certNameFor,
  header,
  hostPort,
  isTls,
  originAddress,
  reach,
  routePath,
  timeouts,
  type ConfigOptions,
} from './common.js';

/** Default port HAProxy listens on for clients. */
export const HAPROXY_DEFAULT_LISTEN = 8081;

/**
 * The log-format of the generated configuration: backend (= listener id), status, termination state, and the
 * backend TLS error (`%[ssl_bc_err]`, `%[ssl_bc_err_str]`) — without them HAProxy logs only "certificate verify
 * failed" for every certificate fault. No timestamps, ports or pids, so a line is stable from run to run.
 */
export const HAPROXY_LOG_FORMAT = '%b %ST %tsc ssl_bc_err=%[ssl_bc_err] %[ssl_bc_err_str]';

function serverLine(listener: ManifestListener, manifest: Manifest, options: ConfigOptions): string {
  const address = hostPort(originAddress(manifest, options), listener.port);
  if (!isTls(listener)) return `    server ${listener.id} ${address}`;
  const sni = listener.connect.sni;
  return [
    `    server ${listener.id} ${address} ssl verify required ca-file ${caFileFor(listener, options)}`,
    ...(sni ? [`sni str(${sni})`] : []),
    `verifyhost ${certNameFor(listener, manifest)}`,
  ].join(' ');
}

/**
 * HAProxy configuration (a complete haproxy.cfg) with a backend named after each listener HAProxy can reach (tcp
 * and tls; see `reach`), chosen by path prefix `/<listener id>/`. TLS servers get `ssl verify required ca-file
 * <listener CA> sni str(<SNI>) verifyhost <certificate hostname>` (no `sni` where the listener's client sends none).
 * Timeouts are explicit: `timeout connect` = `options.connectTimeoutS` (default 2 s), `timeout server` =
 * `options.readTimeoutS` (default 3 s), `timeout client` 30 s; `retries 0` (else every failure costs 3 more
 * seconds). Logs go to standard output in `HAPROXY_LOG_FORMAT`, one line per request. Listens on
 * `options.listenHost:options.listen` (127.0.0.1:8081). Pure; never throws.
 */
export function haproxyConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { connect, read } = timeouts(options);
  const listeners = manifest.listeners.filter((l) => reach('haproxy', l, manifest).reachable);
  const lines: string[] = [header('#', 'haproxy', manifest), ''];
  for (const l of manifest.listeners) {
    const r = reach('haproxy', l, manifest);
    if (!r.reachable) lines.push(`# not configured: ${l.id}: ${r.why}`);
  }
  lines.push(
    'global',
    '    log stdout format raw local0 info',
    '    maxconn 1000',
    '',
    'defaults',
    '    mode http',
    '    log global',
    `    log-format "${HAPROXY_LOG_FORMAT}"`,
    '    retries 0',
    `    timeout connect ${connect}s`,
    `    timeout server ${read}s`,
    '    timeout client 30s',
    '',
    'frontend badorigin',
    `    bind ${hostPort(options.listenHost ?? '127.0.0.1', options.listen ?? HAPROXY_DEFAULT_LISTEN)}`,
    ...listeners.map((l) => `    use_backend ${l.id} if { path_beg ${routePath(l)} }`),
    '    default_backend no-such-listener',
    '',
    'backend no-such-listener',
    '    http-request return status 404 content-type text/plain string "badorigin: no such listener"',
    '',
  );
  for (const l of listeners) lines.push(`# ${l.title}`, `backend ${l.id}`, serverLine(l, manifest, options), '');
  return lines.join('\n');
}
