import { Type, type Static } from 'typebox';

/** One document the expectations cite: its id (as cited, `<id> § <section>`), title, publisher, public URL, date read. */
export const Source = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)+$' }),
    title: Type.String({ minLength: 1 }),
    publisher: Type.String({ minLength: 1 }),
    url: Type.String({ pattern: '^https://' }),
    /** Further pages the document's text was collected from. */
    also: Type.Optional(Type.Array(Type.String({ pattern: '^https://' }))),
    /** ISO date (YYYY-MM-DD) the text was read. */
    read: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/** A register entry (see `Source`). */
export type Source = Static<typeof Source>;

const cloudflare = (id: string, title: string, path: string): Source => ({
  id,
  title,
  publisher: 'Cloudflare',
  url: `https://developers.cloudflare.com/${path}`,
  read: '2026-12-02',
});
const aws = (id: string, title: string, page: string): Source => ({
  id,
  title,
  publisher: 'Amazon Web Services',
  url: `https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/${page}`,
  read: '2026-12-02',
  note: "The last version of AWS's archived developer-guide repository (2023-06); the live page may have moved or changed.",
});
const errors5xx = 'support/troubleshooting/http-status-codes/cloudflare-5xx-errors/';

/** Every document a scenario, note or docstring cites, by id (docs/sources.md is rendered from it). */
export const SOURCES: Source[] = [
  {
    id: 'akamai-connect-timeout',
    title: 'Connect Timeout',
    publisher: 'Akamai',
    url: 'https://techdocs.akamai.com/property-mgr/docs/connect-timeout',
    read: '2026-12-02',
  },
  {
    id: 'akamai-origin-timeout',
    title: 'originTimeout (Property Manager name: Origin Timeout)',
    publisher: 'Akamai',
    url: 'https://techdocs.akamai.com/property-mgr/reference/ga-origin-timeout',
    read: '2026-12-02',
  },
  {
    id: 'akamai-read-timeout',
    title: 'readTimeout (Property Manager name: Read Timeout)',
    publisher: 'Akamai',
    url: 'https://techdocs.akamai.com/property-mgr/reference/ga-read-timeout',
    read: '2026-12-02',
  },
  {
    id: 'azure-frontdoor-diagnostics',
    title: 'Monitor Azure Front Door',
    publisher: 'Microsoft',
    url: 'https://learn.microsoft.com/en-us/azure/frontdoor/monitor-front-door',
    read: '2026-12-02',
  },
  {
    id: 'azure-frontdoor-timeouts',
    title: 'Azure subscription and service limits, quotas, and constraints (Azure Front Door)',
    publisher: 'Microsoft',
    url: 'https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-front-door-classic-limits',
    read: '2026-12-02',
  },
  {
    id: 'azure-frontdoor-troubleshoot',
    title: 'Troubleshoot Azure Front Door common issues',
    publisher: 'Microsoft',
    url: 'https://learn.microsoft.com/en-us/troubleshoot/azure/front-door/troubleshoot-issues',
    read: '2026-12-02',
    note: 'Older versions of this article gave "503 or 504 ... OriginInvalidResponse" where this one gives "504 ... OriginTimeout".',
  },
  {
    id: 'bunny-origin-errors',
    title: 'Origin Errors',
    publisher: 'bunny.net',
    url: 'https://docs.bunny.net/cdn/logging/origin-errors',
    read: '2026-12-02',
  },
  cloudflare('cloudflare-5xx-errors', 'Cloudflare 5xx errors', errors5xx),
  cloudflare('cloudflare-connection-limits', 'Connection limits', 'fundamentals/reference/connection-limits/'),
  cloudflare('cloudflare-error-1016', 'Error 1016', 'support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1016/'),
  cloudflare('cloudflare-error-502-504', 'Error 502 or 504', `${errors5xx}error-502-504/`),
  cloudflare('cloudflare-error-520', 'Error 520', `${errors5xx}error-520/`),
  cloudflare('cloudflare-error-521', 'Error 521', `${errors5xx}error-521/`),
  cloudflare('cloudflare-error-522', 'Error 522', `${errors5xx}error-522/`),
  cloudflare('cloudflare-error-523', 'Error 523', `${errors5xx}error-523/`),
  cloudflare('cloudflare-error-524', 'Error 524', `${errors5xx}error-524/`),
  cloudflare('cloudflare-error-525', 'Error 525', `${errors5xx}error-525/`),
  cloudflare('cloudflare-error-526', 'Error 526', `${errors5xx}error-526/`),
  cloudflare('cloudflare-error-530', 'Error 530', `${errors5xx}error-530/`),
  cloudflare('cloudflare-http2-to-origin', 'HTTP/2 to Origin', 'speed/optimization/protocol/http2-to-origin/'),
  cloudflare(
    'cloudflare-ssl-mode-full-strict',
    'Full (strict) - SSL/TLS encryption modes',
    'ssl/origin-configuration/ssl-modes/full-strict/',
  ),
  cloudflare('cloudflare-ssl-mode-full', 'Full - SSL/TLS encryption modes', 'ssl/origin-configuration/ssl-modes/full/'),
  {
    id: 'cloudfront-502-origin-connection',
    title: "CloudFront wasn't able to connect to the origin? We can help you.",
    publisher: 'Bobcares (a third-party support blog, not AWS)',
    url: 'https://bobcares.com/?p=291342',
    read: '2026-12-02',
    note: "A third-party page; where AWS's own pages say the same, the expectations cite those.",
  },
  aws('cloudfront-502', 'HTTP 502 status code (Bad Gateway)', 'http-502-bad-gateway.html'),
  aws('cloudfront-504', 'HTTP 504 status code (Gateway Timeout)', 'http-504-gateway-timeout.html'),
  aws('cloudfront-log-fields', 'Configuring and using standard logs (access logs)', 'AccessLogs.html'),
  aws(
    'cloudfront-origin-settings',
    'Values that you specify when you create or update a distribution: Origin settings',
    'DownloadDistValuesOrigin.html',
  ),
  {
    id: 'fastly-backend-timeouts',
    title: 'bereq.first_byte_timeout, bereq.between_bytes_timeout, bereq.connect_timeout (VCL reference) and the backend defaults',
    publisher: 'Fastly',
    url: 'https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-first-byte-timeout',
    also: [
      'https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-between-bytes-timeout',
      'https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-connect-timeout',
      'https://docs.fastly.com/documentation/reference/api/services/backend',
      'https://registry.terraform.io/providers/fastly/fastly/latest/docs/resources/service_vcl',
    ],
    read: '2026-12-02',
  },
  {
    id: 'fastly-generated-errors',
    title: 'Fastly-generated errors',
    publisher: 'Fastly',
    url: 'https://www.fastly.com/documentation/guides/concepts/errors/',
    read: '2026-12-02',
  },
  {
    id: 'fastly-grpc-backend',
    title: 'GrpcBackend (Compute Rust SDK, fastly::experimental)',
    publisher: 'Fastly',
    url: 'https://www.fastly.com/documentation/reference/compute/sdks/rust/fastly/experimental/trait.GrpcBackend/',
    read: '2026-12-02',
  },
  {
    id: 'fastly-restarts',
    title: 'restart (VCL statement)',
    publisher: 'Fastly',
    url: 'https://www.fastly.com/documentation/reference/vcl/statements/restart',
    read: '2026-12-02',
  },
  {
    id: 'fastly-tls-origin-configuration-messages',
    title: 'TLS origin configuration messages',
    publisher: 'Fastly',
    url: 'https://docs.fastly.com/en/guides/tls-origin-configuration-messages',
    read: '2026-12-02',
  },
];

const BY_ID = new Map(SOURCES.map((s) => [s.id, s]));

/** The register entry of document `id`, or undefined. */
export function sourceOf(id: string): Source | undefined {
  return BY_ID.get(id);
}

/**
 * The document ids a text cites as `<doc-id> § <section>` (kebab-case ids with at least one hyphen, so RFC and
 * README references are not taken), in order, without repeats.
 */
export function citedDocIds(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+) § /g)].map((m) => m[1]!))];
}

/** docs/sources.md: the register as a Markdown table, one row per document. */
export function renderSourcesMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = SOURCES.map((s) => {
    const also = s.also ? `; also ${s.also.map((u) => `<${u}>`).join(', ')}` : '';
    return `| \`${s.id}\` | ${cell(s.title)} | ${cell(s.publisher)} | <${s.url}>${also} | ${s.read} | ${cell(s.note ?? '')} |`;
  });
  return [
    '# Sources',
    '',
    'Every expectation of a CDN in the manifest cites `<document> § <section>`: the document is one of these, the section',
    'a heading in it. Quoted error texts are quoted verbatim from the document as it was read on the date given; a page',
    'may have changed since. Generated from `src/cdn/sources.ts` (`npm run readme`); a test fails on a citation without',
    'an entry here.',
    '',
    '| id | title | publisher | public URL | read | note |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
