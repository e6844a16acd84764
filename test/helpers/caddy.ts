import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routePath } from '../../src/config/common.js';
import type { ManifestListener } from '../../src/manifest.js';
import { type RunningProxy, startProcess } from './proxies.js';
import { parseCaddyLog } from '../../src/verify/proxy-log.js';

/**
 * A Caddyfile that serves plain HTTP on 127.0.0.1:port and sends `/<listener id>/…` to each TLS listener with
 * `reverse_proxy` over HTTP/2 only (`transport http { versions 2 }`), trusting the listener's farm CA file and sending
 * its SNI; `timeoutS` bounds dialing and waiting for the response head (seconds). Admin endpoint and automatic HTTPS
 * are off; the error log goes to standard error as JSON.
 */
export function caddyfileH2(listeners: ManifestListener[], port: number, timeoutS: number): string {
  const routes = listeners.flatMap((l) => [
    `  handle ${routePath(l)}* {`,
    `    reverse_proxy https://127.0.0.1:${l.port} {`,
    '      transport http {',
    '        versions 2',
    `        dial_timeout ${timeoutS}s`,
    `        response_header_timeout ${timeoutS}s`,
    ...(l.connect.caFile ? [`        tls_trusted_ca_certs ${l.connect.caFile}`] : ['        tls_insecure_skip_verify']),
    ...(l.connect.sni ? [`        tls_server_name ${l.connect.sni}`] : []),
    '      }',
    '    }',
    '  }',
  ]);
  return [
    '{',
    '  admin off',
    '  auto_https off',
    '  log {',
    '    output stderr',
    '    format json',
    '  }',
    '}',
    `http://127.0.0.1:${port} {`,
    ...routes,
    '}',
    '',
  ].join('\n');
}

/** Caddy (`caddy run`) with `caddyfile` written to `dir`; sets XDG_DATA_HOME and XDG_CONFIG_HOME of this process (which Caddy inherits) under `dir`, so it writes nothing elsewhere. */
export function startCaddy(caddyfile: string, dir: string, port: number): Promise<RunningProxy> {
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyfile);
  process.env.XDG_DATA_HOME = join(dir, 'data');
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  return startProcess(['caddy', 'run', '--config', file, '--adapter', 'caddyfile'], port);
}

/**
 * The error-log message Caddy printed for each listener: the first JSON line from logger
 * `http.log.error` whose request URI starts with the listener's route: its `error` field, else its `msg`.
 */
export function caddyErrors(output: string, ids: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const [uri, messages] of parseCaddyLog(output)) {
    const id = ids.find((i) => uri.startsWith(`/${i}/`));
    if (id && !found.has(id)) found.set(id, messages[0] ?? '');
  }
  return found;
}
