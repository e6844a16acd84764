import { CDN_COLUMNS } from './expectation.js';
import { CDN_TIMEOUTS, type TimeoutKind } from './timeouts.js';

/** How each kind of wait is named in docs/timeouts.md. */
const KIND_NAMES: Record<TimeoutKind, string> = {
  connect: 'connect',
  write: 'writing the request',
  'first-byte': 'first byte',
  'between-bytes': 'between bytes',
  overall: 'overall',
  idle: 'idle connection',
  retry: 'retries',
};

/** docs/timeouts.md: one table of every row of `CDN_TIMEOUTS`, by CDN, with what the farm's slow scenarios do against them. */
export function renderTimeoutsMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = CDN_COLUMNS.flatMap(({ key, name }) =>
    CDN_TIMEOUTS.filter((t) => t.cdn === key).map(
      (t) =>
        `| ${name} | ${KIND_NAMES[t.kind]} | ${cell(t.name)} | ${t.defaultMs === null ? '–' : `${t.defaultMs / 1000} s`} | ${cell(t.effect)} | "${cell(t.quote)}" | ${t.source} |`,
    ),
  );
  return [
    '# CDN timeouts towards the origin',
    '',
    "What each CDN's documents give as its timeouts and retry rules towards an origin, quoted; a setting the documents do",
    "not mention is not listed (`–`: no default given). Cloudflare's pages give its Proxy Read Timeout three ways (100, 120",
    "and 125 s), and Azure Front Door's two articles its origin response timeout two ways (60 or 30 s): each is a row.",
    'Generated from `src/cdn/timeouts.ts` (`npm run readme`); the documents are listed in [sources.md](sources.md).',
    '',
    'The slow scenarios go past every default here: `connect-timeout` never completes a handshake; `slow-first-byte` waits',
    '150 s before its first byte (more than every first-byte and overall default, a test checks it); `stall-mid-body`',
    'stops for good after 1 KiB; `slow-drip` keeps every gap at 2 s (under every between-bytes default) for 90 s in all',
    "(past bunny.net's 60 s). `?delay_ms=`, `?interval_ms=` and `?chunks=` change them per request, up to 600 s.",
    '',
    '| CDN | wait | name | default | at the limit | quote | source |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
