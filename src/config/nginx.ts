import type { Manifest, ManifestListener } from '../manifest.js';
import {
  caFileFor,
  certNameFor,
  dnsLanding,
  header,
  hostPort,
  isTls,
  originAddress,
  reach,
  routePath,
  timeouts,
  type ConfigOptions,
} from './common.js';

/** Default port nginx listens on for clients. */
export const NGINX_DEFAULT_LISTEN = 8080;

function tlsLines(listener: ManifestListener, manifest: Manifest, options: ConfigOptions, indent: string): string[] {
  const sni = listener.connect.sni;
  return [
    'proxy_ssl_verify on;',
    'proxy_ssl_verify_depth 4;',
    `proxy_ssl_trusted_certificate ${caFileFor(listener, options)};`,
    // With no SNI (cert-sni-mismatch) nginx still checks the certificate against proxy_ssl_name.
    `proxy_ssl_server_name ${sni ? 'on' : 'off'};`,
    `proxy_ssl_name ${sni ?? certNameFor(listener, manifest)};`,
  ].map((line) => indent + line);
}

/**
 * nginx configuration (a complete nginx.conf) that proxies `/<listener id>/` to every listener of a manifest that
 * nginx can reach (see `reach`): an `upstream <listener id>` per tcp/tls listener, `proxy_pass http://` or
 * `https://` with `proxy_ssl_verify on`, `proxy_ssl_trusted_certificate` = the listener's CA file (the farm root, or
 * the intermediate for cert-issuer-missing), `proxy_ssl_server_name on` and `proxy_ssl_name` = the listener's SNI
 * (off, and the certificate hostname, when the listener's client sends none). DNS listeners get a `resolver` pointed
 * at the farm's DNS server and a `proxy_pass https://$name:PORT` to the tls-ok listener. Timeouts are explicit:
 * `options.connectTimeoutS` (default 2 s) for `proxy_connect_timeout` and `resolver_timeout`,
 * `options.readTimeoutS` (default 3 s) for `proxy_read_timeout`/`proxy_send_timeout`; no retries
 * (`proxy_next_upstream off`); `client_max_body_size 0` (the request-body scenarios POST large bodies).
 * Responses stay buffered in memory (nginx's default `proxy_buffering on`, as most deployments run) but never go to
 * a temporary file (`proxy_max_temp_file_size 0`): with the default 1 GiB limit nginx would spool a fault farm's
 * oversized body (25 GiB) to its disk as fast as the farm sends it, logging a warning with a temporary file's path;
 * without the file it passes the body on as fast as the client reads, which is what the farm means to show (no
 * open-source nginx setting limits a response's size). Request bodies are streamed to the origin
 * (`proxy_request_buffering off`) rather than first written whole to a temporary file: the request-body scenarios
 * are about an origin that stops reading or resets while the body is on its way. Listens on `options.listenHost:options.listen`
 * (127.0.0.1:8080). Pure: reads no file, and never throws.
 */
export function nginxConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { connect, read } = timeouts(options);
  const address = originAddress(manifest, options);
  const listeners = manifest.listeners.filter((l) => reach('nginx', l, manifest).reachable);
  const skipped = manifest.listeners.filter((l) => !reach('nginx', l, manifest).reachable);
  const dns = listeners.filter((l) => l.transport === 'dns');
  const landing = dnsLanding(manifest);
  const lines: string[] = [header('#', 'nginx', manifest), ''];
  for (const l of skipped) {
    const r = reach('nginx', l, manifest);
    if (!r.reachable) lines.push(`# not configured: ${l.id}: ${r.why}`);
  }
  if (options.foreground) lines.push('daemon off;', 'master_process off;');
  lines.push(
    'worker_processes 1;',
    `error_log ${options.errorLog ?? 'stderr'} warn;`,
    'events { worker_connections 1024; }',
    '',
    'http {',
    '    access_log off;',
    '    client_max_body_size 0;',
    `    proxy_connect_timeout ${connect}s;`,
    `    proxy_read_timeout ${read}s;`,
    `    proxy_send_timeout ${read}s;`,
    '    proxy_next_upstream off;',
    // A fault farm sends bodies of any size (oversized-body: 25 GiB): pass them on as the client reads, never spool them to disk.
    '    proxy_max_temp_file_size 0;',
    // Likewise request bodies: streamed to the origin as they come, so an origin that stops reading is seen.
    '    proxy_request_buffering off;',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
  );
  if (dns.length > 0) {
    // One DNS server for every dns listener. No ipv6=off: the farm answers AAAA only for an IPv6 address it accepts
    // on (none for a farm on IPv4), and a farm bound to an IPv6 address has no A record for nginx to fall back on.
    lines.push(`    resolver ${hostPort(address, dns[0]!.port)} valid=1s;`, `    resolver_timeout ${connect}s;`);
  }
  lines.push('');
  for (const l of listeners.filter((l) => l.transport !== 'dns')) {
    lines.push(`    upstream ${l.id} {`, `        server ${hostPort(address, l.port)};`, '    }');
  }
  lines.push(
    '',
    '    server {',
    `        listen ${hostPort(options.listenHost ?? '127.0.0.1', options.listen ?? NGINX_DEFAULT_LISTEN)};`,
    '',
  );
  for (const l of listeners) lines.push(...locationLines(l, manifest, options, landing));
  lines.push('    }', '}', '');
  return lines.join('\n');
}

/** The `location` block that routes `/<id>/` to one listener (a DNS listener through the resolver and its landing). */
function locationLines(l: ManifestListener, manifest: Manifest, options: ConfigOptions, landing: ManifestListener | undefined): string[] {
  const lines = [`        # ${l.id}: ${l.title}`, `        location ${routePath(l)} {`];
  if (l.transport === 'dns') {
    const variable = `$badorigin_${l.id.replaceAll('-', '_')}`;
    lines.push(
      `            set ${variable} ${l.query?.name ?? l.id};`,
      `            proxy_pass https://${variable}:${landing!.port};`,
      ...tlsLines(landing!, manifest, options, '            '),
    );
  } else {
    lines.push(`            proxy_pass ${isTls(l) ? 'https' : 'http'}://${l.id};`);
    if (isTls(l)) lines.push(...tlsLines(l, manifest, options, '            '));
  }
  lines.push('        }');
  return lines;
}
