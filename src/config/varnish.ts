import { HEALTH_CHECK_PATH } from '../ledger/probe.js';
import type { Manifest, ManifestListener } from '../manifest.js';
import { header, originAddress, reach, routePath, timeouts, type ConfigOptions } from './common.js';

/** Default port Varnish listens on for clients (varnishd -a; VCL cannot set it). */
export const VARNISH_DEFAULT_LISTEN = 8082;

/**
 * Transient storage the generated VCL's run line gives varnishd (`-s Transient=malloc,<this>`). Varnish 7.1 (no
 * `beresp.transit_buffer` yet) fetches a pass ahead of its client without limit into Transient storage, which is
 * unbounded by default: measured here, `oversized-body` took 1.3 GB of varnishd memory in 4 s with a client that
 * did not read; with a 64 MiB cap it stayed at 80 MB and the fetch ended with FetchError "Could not get storage".
 */
export const VARNISH_TRANSIENT_CAP = '256m';

/** VCL backend name for a listener id: the id itself (VCL names take letters, digits, `_` and `-`). */
export function vclBackendName(listener: Pick<ManifestListener, 'id'>): string {
  return listener.id;
}

/** True when a listener's scenario is about health (its backend then gets a probe). None of today's scenarios is. */
export function isHealthScenario(listener: Pick<ManifestListener, 'scenario'>): boolean {
  return /(^|-)health(-|$)/.test(listener.scenario);
}

/**
 * Varnish VCL (4.1) with a backend named after each plain-HTTP listener (tcp, http; see `reach`: open-source
 * Varnish has no backend TLS, so tls/https listeners are listed in a comment and left out), chosen in `vcl_recv` by
 * path prefix `/<listener id>/` and always passed (never cached, no request coalescing). Each backend states
 * `.connect_timeout` (`options.connectTimeoutS`, default 2 s), `.first_byte_timeout` and `.between_bytes_timeout`
 * (`options.readTimeoutS`, default 3 s); a listener whose scenario is about health also gets a `.probe`. Any other
 * path gets a synthetic 404. The listen address is varnishd's `-a` (`options.listen` is only echoed in a comment),
 * and storage is varnishd's `-s`: the run line in the header caps Transient storage (`VARNISH_TRANSIENT_CAP`), where
 * every pass is stored, so a fault farm's 25 GiB body cannot take the proxy's memory. Pure; never throws.
 */
export function varnishConfig(manifest: Manifest, options: ConfigOptions = {}): string {
  const { connect, read } = timeouts(options);
  const address = originAddress(manifest, options);
  const listeners = manifest.listeners.filter((l) => reach('varnish', l, manifest).reachable);
  const lines: string[] = [
    'vcl 4.1;',
    '',
    header('#', 'varnish', manifest),
    `# Run: varnishd -a 127.0.0.1:${options.listen ?? VARNISH_DEFAULT_LISTEN} -f <this file> -s Transient=malloc,${VARNISH_TRANSIENT_CAP}`,
    '# Passes are stored in Transient storage, and Varnish 7.1 fetches a pass ahead of its client without limit: cap it, or',
    '# oversized-body takes memory as fast as the farm sends (the fetch then fails with "Could not get storage").',
  ];
  for (const l of manifest.listeners) {
    const r = reach('varnish', l, manifest);
    if (!r.reachable) lines.push(`# not configured: ${l.id}: ${r.why}`);
  }
  lines.push('', 'backend default none;', '');
  for (const l of listeners) {
    lines.push(
      `# ${l.title}`,
      `backend ${vclBackendName(l)} {`,
      `    .host = "${address}";`,
      `    .port = "${l.port}";`,
      `    .connect_timeout = ${connect}s;`,
      `    .first_byte_timeout = ${read}s;`,
      `    .between_bytes_timeout = ${read}s;`,
    );
    if (isHealthScenario(l)) {
      lines.push(
        '    .probe = {',
        `        .url = "${HEALTH_CHECK_PATH}";`,
        `        .timeout = ${connect}s;`,
        '        .interval = 1s;',
        '        .window = 3;',
        '        .threshold = 2;',
        '    }',
      );
    }
    lines.push('}', '');
  }
  lines.push('sub vcl_recv {');
  for (const l of listeners) {
    lines.push(
      `    if (req.url ~ "^${routePath(l)}") {`,
      `        set req.backend_hint = ${vclBackendName(l)};`,
      '        return (pass);',
      '    }',
    );
  }
  lines.push('    return (synth(404, "badorigin: no such listener"));', '}', '');
  return lines.join('\n');
}
