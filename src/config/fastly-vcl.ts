import type { Manifest, ManifestListener } from '../manifest.js';
import { cdnOriginAddress, certNameFor, dnsLanding, header, isTls, routePath, timeouts, type ConfigOptions } from './common.js';

/** Fastly's default connection limit per backend (fastly-generated-errors § Fastly-to-origin requests: "200 connections"). */
export const FASTLY_MAX_CONN = 200;

/** Fastly VCL backend name for a listener: `F_` + the listener id with `-` as `_` (VCL identifiers take no `-`). */
export function fastlyBackendName(listener: Pick<ManifestListener, 'id'>): string {
  return `F_${listener.id.replaceAll('-', '_')}`;
}

const vclString = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '%22')}"`;

function caField(listener: ManifestListener, options: ConfigOptions): string {
  const file = listener.connect.caFile;
  if (!file) return '    # .ssl_ca_cert: not set: this listener serves your --tls-cert, which Fastly trusts through its own CA bundle.';
  const pem = options.caPems?.[file];
  if (!pem) return `    .ssl_ca_cert = {"PASTE THE PEM OF ${file}"};   # run with the CA file readable to embed it`;
  return `    .ssl_ca_cert = {"${pem.trim()}\n"};`;
}

function backend(
  listener: ManifestListener,
  host: string,
  port: number,
  tlsFrom: ManifestListener | null,
  manifest: Manifest,
  options: ConfigOptions,
): string[] {
  const { connect, read } = timeouts(options);
  const lines = [
    `# ${listener.id}: ${listener.title}`,
    `backend ${fastlyBackendName(listener)} {`,
    `    .host = ${vclString(host)};`,
    `    .port = "${port}";`,
    `    .connect_timeout = ${connect}s;`,
    `    .first_byte_timeout = ${read}s;`,
    `    .between_bytes_timeout = ${read}s;`,
    `    .max_connections = ${FASTLY_MAX_CONN};   # the API's max_conn`,
  ];
  if (tlsFrom) {
    const sni = tlsFrom.connect.sni;
    lines.push(
      '    .ssl = true;',
      '    .ssl_check_cert = always;',
      `    .ssl_cert_hostname = ${vclString(certNameFor(tlsFrom, manifest))};`,
      sni ? `    .ssl_sni_hostname = ${vclString(sni)};` : "    # no .ssl_sni_hostname: this listener's reference client sends no SNI",
      caField(tlsFrom, options),
    );
  }
  lines.push('}', '');
  return lines;
}

/**
 * Fastly custom VCL: a backend per listener (`F_<id>`, tcp listeners plain, tls listeners with `.ssl = true`,
 * `.ssl_check_cert = always`, `.ssl_cert_hostname`, `.ssl_sni_hostname` and `.ssl_ca_cert` = the PEM of the
 * listener's CA from `options.caPems`), each with `.connect_timeout` (`options.connectTimeoutS`, default 2 s),
 * `.first_byte_timeout` and `.between_bytes_timeout` (`options.readTimeoutS`, default 3 s) and `.max_connections`
 * (Fastly's documented default of 200, `max_conn` in the API); DNS listeners become a backend whose `.host` is the
 * scenario's name on the tls-ok port (it reproduces only where the public DNS delegates the zone to the farm). Routing
 * by path prefix `/<listener id>/` in `vcl_recv` (always `pass`); `vcl_error` copies `obj.response` and `obj.status`
 * into `X-Badorigin-Error` / `X-Badorigin-Status`, so a person sees which error fired (HTTP/2 drops the reason phrase).
 * Backends point at `options.originAddress`, else the farm hostname. Not runnable here: varnishd rejects Fastly's
 * extensions; sources: Fastly's fastly-tls-origin-configuration-messages, fastly-generated-errors. Pure; never throws.
 */
export function fastlyVclConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const host = cdnOriginAddress(manifest, options);
  const landing = dnsLanding(manifest);
  const lines: string[] = [
    header('#', 'fastly-vcl', manifest),
    '# Fastly custom VCL: upload as the main VCL of a service. Untested here (Fastly VCL does not compile in open-source varnishd).',
    '',
  ];
  const routed: ManifestListener[] = [];
  for (const l of manifest.listeners) {
    if (l.transport === 'dns') {
      if (!landing || !l.query) {
        lines.push(`# not configured: ${l.id}: the farm runs no tls-ok listener for the name to land on`, '');
        continue;
      }
      lines.push(...backend(l, l.query.name, landing.port, landing, manifest, options));
    } else {
      lines.push(...backend(l, host, l.port, isTls(l) ? l : null, manifest, options));
    }
    routed.push(l);
  }
  lines.push('sub vcl_recv {', '#FASTLY recv');
  for (const l of routed)
    lines.push(
      `    if (req.url ~ "^${routePath(l)}") {`,
      `        set req.backend = ${fastlyBackendName(l)};`,
      '        return(pass);',
      '    }',
    );
  lines.push(
    '    error 404 "badorigin: no such listener";',
    '}',
    '',
    'sub vcl_error {',
    '#FASTLY error',
    '    # Which Fastly-generated error fired: obj.response is e.g. "certificate has expired" (fastly-generated-errors § Errors in VCL).',
    '    set obj.http.X-Badorigin-Error = obj.response;',
    '    set obj.http.X-Badorigin-Status = obj.status;',
    '    return(deliver);',
    '}',
    '',
  );
  return lines.join('\n');
}
