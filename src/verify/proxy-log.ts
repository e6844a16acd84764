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

/**
 * The lines of a proxy's log (`--proxy-log`) that belong to each probe, in the form the manifest's `log`
 * expectations are written in: nginx's error log (by the request path, which carries the probe id), HAProxy's log
 * in the generated log-format (by backend, named after the listener), Varnish's `varnishlog -d -g request` output
 * (FetchError records, by URL); for any other profile, the raw lines that contain the probe id.
 */
export function attributeLog(profile: string | null, text: string, probes: LoggedProbe[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  if (profile === 'nginx' || profile === 'varnish') {
    const byKey = profile === 'nginx' ? parseNginxLog(text) : parseVarnishLog(text);
    for (const p of probes) result.set(p.id, byProbePath(byKey, p.probe));
  } else if (profile === 'haproxy') {
    const byBackend = parseHaproxyLog(
      text,
      probes.map((p) => p.id),
    );
    for (const p of probes) result.set(p.id, byBackend.get(p.id) ?? []);
  } else {
    const lines = text.split('\n');
    for (const p of probes)
      result.set(
        p.id,
        lines.filter((line) => line.includes(p.probe)).map((line) => line.trim()),
      );
  }
  return result;
}
