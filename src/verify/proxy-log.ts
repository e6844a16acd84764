import { PROBE_SEGMENT } from './target.js';

/** nginx error-log lines by request path: the message without time, level, pid, connection number and the `, client: …` suffix. */
export function parseNginxLog(text: string): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*?), client: .*request: "\S+ (\S+) HTTP\/[\d.]+"/.exec(line);
    if (!m) continue;
    const [, , message, path] = m;
    byPath.set(path!, [...(byPath.get(path!) ?? []), message!]);
  }
  return byPath;
}

/** HAProxy log lines (the generated configuration's log-format) by backend name, without the leading backend name. */
export function parseHaproxyLog(text: string, backends: string[]): Map<string, string[]> {
  const byBackend = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const name = line.split(' ')[0]!;
    if (!backends.includes(name)) continue;
    byBackend.set(name, [...(byBackend.get(name) ?? []), line.slice(name.length + 1).trim()]);
  }
  return byBackend;
}

/**
 * Caddy's JSON log entries of the `http.log.error` logger by request URI: the error (or the message without one).
 */
export function parseCaddyLog(text: string): Map<string, string[]> {
  const byUri = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { logger?: unknown; msg?: unknown; error?: unknown; request?: { uri?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const uri = entry.request?.uri;
    if (entry.logger !== 'http.log.error' || typeof uri !== 'string') continue;
    const message = typeof entry.error === 'string' ? entry.error : typeof entry.msg === 'string' ? entry.msg : '';
    byUri.set(uri, [...(byUri.get(uri) ?? []), message]);
  }
  return byUri;
}

/** Varnish FetchError records by client request URL, from `varnishlog -d -g request`. */
export function parseVarnishLog(text: string): Map<string, string[]> {
  const byUrl = new Map<string, string[]>();
  for (const block of text.split(/\n\s*\n/)) {
    const url = /^-+\s+ReqURL\s+(\S+)/m.exec(block)?.[1];
    if (!url) continue;
    byUrl.set(
      url,
      [...block.matchAll(/^-+\s+FetchError\s+(.*?)\s*$/gm)].map((m) => m[1]!),
    );
  }
  return byUrl;
}

/** A listener's probe as the log attribution needs it. */
export interface LoggedProbe {
  id: string;
  probe: string;
}

/** The lines of `byKey` whose key (a request path or URL) carries the probe's path segment, in file order. */
function byProbePath(byKey: Map<string, string[]>, probe: string): string[] {
  const marker = `/${PROBE_SEGMENT}/${encodeURIComponent(probe)}/`;
  return [...byKey.entries()].filter(([key]) => key.includes(marker)).flatMap(([, lines]) => lines);
}

/** The proxies whose log `attributeLog` reads in its own format. */
export type LogKind = 'nginx' | 'haproxy' | 'varnish' | 'caddy' | 'apache';

/**
 * The proxy whose log each `--expect` profile's `log` expectations are written from: the HTTP/2 upstream profiles
 * are nginx, HAProxy, Caddy and Apache with another upstream protocol, and log as those do.
 */
export const LOG_KIND_OF_PROFILE: Readonly<Record<string, LogKind>> = {
  nginx: 'nginx',
  nginxGrpc: 'nginx',
  haproxy: 'haproxy',
  haproxyH2: 'haproxy',
  haproxyH2c: 'haproxy',
  varnish: 'varnish',
  caddyH2: 'caddy',
  apacheH2c: 'apache',
};

/** Apache's error-log line without its bracketed prefix (`[time] [module:level] [pid …] [client …] `). */
const apacheMessage = (line: string) => line.replace(/^(?:\[[^\]]*\] )+/, '').trim();

/**
 * The lines of a proxy's log (`--proxy-log`) that belong to each probe, in the form the manifest's `log`
 * expectations are written in, by the proxy behind `profile` (`LOG_KIND_OF_PROFILE`): nginx's error log (by the
 * request path, which carries the probe id), HAProxy's log in the generated log-format (by backend, named after the
 * listener), Varnish's `varnishlog -d -g request` output (FetchError records, by URL), Caddy's JSON log
 * (`http.log.error` entries, by request URI), Apache's error log (the lines naming the probe id, without their
 * bracketed prefix); for any other profile, the raw lines that contain the probe id.
 */
export function attributeLog(profile: string | null, text: string, probes: LoggedProbe[]): Map<string, string[]> {
  const kind = profile === null ? undefined : LOG_KIND_OF_PROFILE[profile];
  const result = new Map<string, string[]>();
  if (kind === 'nginx' || kind === 'varnish' || kind === 'caddy') {
    const byKey = kind === 'nginx' ? parseNginxLog(text) : kind === 'varnish' ? parseVarnishLog(text) : parseCaddyLog(text);
    for (const p of probes) result.set(p.id, byProbePath(byKey, p.probe));
  } else if (kind === 'haproxy') {
    const byBackend = parseHaproxyLog(
      text,
      probes.map((p) => p.id),
    );
    for (const p of probes) result.set(p.id, byBackend.get(p.id) ?? []);
  } else {
    const lines = text.split('\n');
    const clean = kind === 'apache' ? apacheMessage : (line: string) => line.trim();
    for (const p of probes) result.set(p.id, lines.filter((line) => line.includes(p.probe)).map(clean));
  }
  return result;
}
