import { randomBytes } from 'node:crypto';

/** Request header that names the probe a request belongs to. */
export const PROBE_HEADER = 'X-Badorigin-Probe';

/** Path segment after the listener's route that names the probe: `<route>__probe/<id>/`. */
export const PROBE_SEGMENT = '__probe';

/** Where the listeners are reached through the intermediary: a base URL (`<via>/<id>/`) or a template with `{id}`. */
export type Target = { via: string } | { route: string };

/**
 * A probe id unique to this run and listener: `<listener id>.<12 hex digits>` (path- and header-safe).
 */
export function newProbeId(listenerId: string): string {
  return `${listenerId}.${randomBytes(6).toString('hex')}`;
}

/**
 * The URL of listener `id` through the intermediary, carrying probe `probe`: `<via>/<id>/__probe/<probe>/<suffix>`,
 * or the `--route` template with `{id}` replaced and `__probe/<probe>/<suffix>` appended to its path.
 * @throws TypeError for a base URL or template that is not an absolute http(s) URL.
 */
export function probeUrl(target: Target, id: string, probe: string, suffix = ''): URL {
  const base =
    'via' in target
      ? `${target.via.replace(/\/+$/, '')}/${encodeURIComponent(id)}/`
      : target.route.replaceAll('{id}', encodeURIComponent(id));
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${base} is not an http or https URL`);
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  url.pathname = `${path}${PROBE_SEGMENT}/${encodeURIComponent(probe)}/${suffix}`;
  return url;
}

/** The text `target` is given as (`--via` or `--route`). */
export function targetText(target: Target): string {
  return 'via' in target ? target.via : target.route;
}

/** The flag `target` was given with: `--via` or `--route`. */
export function flagOf(target: Target): '--via' | '--route' {
  return 'via' in target ? '--via' : '--route';
}
