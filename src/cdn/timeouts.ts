import type { CdnKey } from './expectation.js';

/** Which wait a row is about: connecting, writing the request, the first response byte, the gap between bytes, the whole request, an idle reused connection, or a retry rule. */
export type TimeoutKind = 'connect' | 'write' | 'first-byte' | 'between-bytes' | 'overall' | 'idle' | 'retry';

/** One documented timeout or retry rule of a CDN towards its origin, quoted from its source. */
export interface CdnTimeout {
  cdn: CdnKey;
  kind: TimeoutKind;
  /** The CDN's name for it. */
  name: string;
  /** The default in ms; null where the document gives none (or for a retry rule). */
  defaultMs: number | null;
  /** What happens at the limit, and what may be changed. */
  effect: string;
  /** Verbatim from `source` (whitespace aside). */
  quote: string;
  /** `<document> § <section>`. */
  source: string;
}

const s = (seconds: number) => seconds * 1000;

/**
 * The timeouts the CDNs' documents give (Cloudflare's pages disagree on the read timeout: each is a row). The slow
 * scenarios are checked against the defaults (test/timeouts.test.ts); docs/timeouts.md is rendered from this.
 */
export const CDN_TIMEOUTS: CdnTimeout[] = [
  {
    cdn: 'fastly',
    kind: 'connect',
    name: 'connect_timeout',
    defaultMs: 1000,
    effect: '503 "connection timed out"',
    quote: 'connect_timeout (Number) How long to wait for a timeout in milliseconds. Default 1000',
    source: 'fastly-backend-timeouts § fastly_service_vcl (Terraform resource) - Nested Schema for backend (defaults)',
  },
  {
    cdn: 'fastly',
    kind: 'first-byte',
    name: 'first_byte_timeout',
    defaultMs: s(15),
    effect: '503 "first byte timeout"; 0-600 s',
    quote: 'May be set to any value between 0 and 600s. By default, the timeout is 15s.',
    source: 'fastly-backend-timeouts § bereq.first_byte_timeout',
  },
  {
    cdn: 'fastly',
    kind: 'between-bytes',
    name: 'between_bytes_timeout',
    defaultMs: 10000,
    effect: 'the response so far is taken as complete',
    quote: 'between_bytes_timeout (Number) How long to wait between bytes in milliseconds. Default 10000',
    source: 'fastly-backend-timeouts § fastly_service_vcl (Terraform resource) - Nested Schema for backend (defaults)',
  },
  {
    cdn: 'fastly',
    kind: 'overall',
    name: 'node-to-node timeout (clustering, shielding)',
    defaultMs: s(60),
    effect: 'caps connect and first-byte timeouts at 60 s unless the request is a PASS',
    quote:
      'Except for requests flagged for PASS, Fastly enforces a 60 second timeout on requests between one Fastly node and another, which cannot be changed.',
    source: 'fastly-generated-errors § Fastly-to-origin requests',
  },
  {
    cdn: 'fastly',
    kind: 'retry',
    name: 'restart (VCL)',
    defaultMs: null,
    effect: 'VCL may restart a request ("to retry an origin server or switch to an alternative backend"), at most three times',
    quote:
      'Requests are limited to three restarts, to avoid infinite loops. The fourth restart will trigger a 503 Service Unavailable error.',
    source: 'fastly-restarts § Limitations to avoid loops',
  },
  {
    cdn: 'cloudfront',
    kind: 'connect',
    name: 'Connection timeout',
    defaultMs: s(10),
    effect: '1-10 s; then the next attempt',
    quote: 'The default timeout (if you don’t specify otherwise) is 10 seconds.',
    source: 'cloudfront-origin-settings § Connection timeout',
  },
  {
    cdn: 'cloudfront',
    kind: 'retry',
    name: 'Connection attempts',
    defaultMs: null,
    effect: '1-3 attempts, then an error (or the secondary origin of an origin group)',
    quote:
      'By default, CloudFront waits as long as 30 seconds (3 attempts of 10 seconds each) before attempting to connect to the secondary origin or returning an error response.',
    source: 'cloudfront-origin-settings § Connection attempts',
  },
  {
    cdn: 'cloudfront',
    kind: 'first-byte',
    name: 'Response timeout',
    defaultMs: s(30),
    effect: '504; 1-60 s; GET and HEAD are tried again per Connection attempts',
    quote: 'The default timeout is 30 seconds. You can change the value to be from 1 to 60 seconds.',
    source: 'cloudfront-origin-settings § Response timeout (custom origins only)',
  },
  {
    cdn: 'cloudfront',
    kind: 'between-bytes',
    name: 'Response timeout',
    defaultMs: s(30),
    effect: 'the same setting, between two packets',
    quote:
      'How long (in seconds) CloudFront waits after receiving a packet of a response from the origin and before receiving the next packet.',
    source: 'cloudfront-origin-settings § Response timeout (custom origins only)',
  },
  {
    cdn: 'cloudfront',
    kind: 'retry',
    name: 'Response timeout retries',
    defaultMs: null,
    effect: 'only GET and HEAD are retried',
    quote:
      'If the origin doesn’t respond or stops responding within the duration of the response timeout, CloudFront drops the connection. CloudFront tries again to connect according to the value of Connection attempts.',
    source: 'cloudfront-origin-settings § Response timeout (custom origins only)',
  },
  {
    cdn: 'cloudfront',
    kind: 'idle',
    name: 'Keep-alive timeout',
    defaultMs: s(5),
    effect: '1-60 s',
    quote: 'The default timeout is 5 seconds. You can change the value to a number from 1 to 60 seconds.',
    source: 'cloudfront-origin-settings § Keep-alive timeout (custom origins only)',
  },
  {
    cdn: 'cloudflare',
    kind: 'connect',
    name: 'Complete TCP Connection',
    defaultMs: s(19),
    effect: '522; not configurable',
    quote: 'within 19 seconds of Cloudflare sending a SYN (the SYN retry backoff scheme is 1,1,1,1,1,2,4,8)',
    source: 'cloudflare-error-522 § Common causes',
  },
  {
    cdn: 'cloudflare',
    kind: 'first-byte',
    name: 'Proxy Read Timeout (connection limits page)',
    defaultMs: s(100),
    effect: '524; Enterprise may change it',
    quote: '| Proxy Read Timeout | 100 | 524 | Yes |',
    source: 'cloudflare-connection-limits § Between Cloudflare and origin server',
  },
  {
    cdn: 'cloudflare',
    kind: 'first-byte',
    name: 'Proxy Read Timeout (524 page)',
    defaultMs: s(120),
    effect: '524; Enterprise up to 6,000 s; may fire a second late',
    quote: 'the origin did not provide an HTTP response before the default 120 seconds Proxy Read Timeout',
    source: 'cloudflare-error-524 § Error 524: a timeout occurred',
  },
  {
    cdn: 'cloudflare',
    kind: 'first-byte',
    name: 'Proxy Read Timeout (HTTP/2 to Origin page)',
    defaultMs: s(125),
    effect: '524; Enterprise up to 6,000 s',
    quote: '| Proxy Read Timeout | 125s (up to 6000s for Enterprise) | 524 | Origin took too long to respond. |',
    source: 'cloudflare-http2-to-origin § Timeouts and error codes',
  },
  {
    cdn: 'cloudflare',
    kind: 'write',
    name: 'Proxy Write Timeout',
    defaultMs: s(30),
    effect: '524 when writing the request to the origin stalls; not configurable',
    quote: 'the write did not complete before the 30 seconds Proxy Write Timeout',
    source: 'cloudflare-error-524 § Common causes',
  },
  {
    cdn: 'cloudflare',
    kind: 'write',
    name: 'TCP ACK Timeout',
    defaultMs: s(90),
    effect: '522 when the origin stops acknowledging',
    quote:
      "After a connection is established, the origin web server does not acknowledge (ACK) Cloudflare's resource request within 90 seconds.",
    source: 'cloudflare-error-522 § Common causes',
  },
  {
    cdn: 'cloudflare',
    kind: 'idle',
    name: 'Proxy Idle Timeout',
    defaultMs: s(900),
    effect: '520 when a closed idle connection is reused; not configurable',
    quote: '| Proxy Idle Timeout | 900 | 520 | No |',
    source: 'cloudflare-connection-limits § Between Cloudflare and origin server',
  },
  {
    cdn: 'cloudflare',
    kind: 'idle',
    name: 'TCP Keep-Alive Interval',
    defaultMs: s(30),
    effect: '520 after two unanswered probes',
    quote:
      '| TCP Keep-Alive Interval | 30s initial, 15s between probes | 520 | After two missed probes, Cloudflare resets the connection. |',
    source: 'cloudflare-http2-to-origin § Timeouts and error codes',
  },
  {
    cdn: 'akamai',
    kind: 'connect',
    name: 'Connect Timeout',
    defaultMs: s(5),
    effect: '504; 1-599 s',
    quote: 'The default value is 5 seconds.',
    source: 'akamai-connect-timeout § Features and options',
  },
  {
    cdn: 'akamai',
    kind: 'first-byte',
    name: 'Read Timeout: firstByteTimeout',
    defaultMs: s(20),
    effect: '504; at most 600 s',
    quote: 'Defaults to 20 seconds.',
    source: 'akamai-read-timeout § readTimeout',
  },
  {
    cdn: 'akamai',
    kind: 'between-bytes',
    name: 'Read Timeout: value',
    defaultMs: null,
    effect: '504; no default given',
    quote: 'Larger objects may need many reads, and this timeout applies to each read separately.',
    source: 'akamai-read-timeout § readTimeout',
  },
  {
    cdn: 'azureFrontDoor',
    kind: 'first-byte',
    name: 'originResponseTimeoutSeconds (Standard, Premium)',
    defaultMs: s(60),
    effect: '503 (504 for a cached request); 16-240 s',
    quote:
      'Azure Front Door waits for 60 seconds (Standard and Premium) or 30 seconds (classic) for the first packet from the back end. Then it returns a 503 error to the client, or 504 for a cached request.',
    source: 'azure-frontdoor-timeouts § Front Door to application back-end',
  },
  {
    cdn: 'azureFrontDoor',
    kind: 'first-byte',
    name: 'sendRecvTimeoutSeconds (classic)',
    defaultMs: s(30),
    effect: 'as above',
    quote: 'or 30 seconds (classic) for the first packet from the back end',
    source: 'azure-frontdoor-timeouts § Front Door to application back-end',
  },
  {
    cdn: 'azureFrontDoor',
    kind: 'first-byte',
    name: 'Origin response timeout (troubleshooting article)',
    defaultMs: s(30),
    effect: '504 with ErrorInfo OriginTimeout; up to 240 s',
    quote: 'The default timeout is 30 seconds.',
    source: 'azure-frontdoor-troubleshoot § 504 response from Azure Front Door after a few seconds',
  },
  {
    cdn: 'azureFrontDoor',
    kind: 'between-bytes',
    name: 'the same timeout, mid-body',
    defaultMs: s(60),
    effect: 'the response is canceled',
    quote:
      'if the origin pauses for any reason in the middle of the response body beyond the originResponseTimeoutSeconds or sendRecvTimeoutSeconds, the response will be canceled',
    source: 'azure-frontdoor-timeouts § Front Door to application back-end',
  },
  {
    cdn: 'azureFrontDoor',
    kind: 'idle',
    name: 'keep-alive idle timeout',
    defaultMs: s(90),
    effect: 'not configurable',
    quote: 'These connections have an idle timeout of 90 seconds.',
    source: 'azure-frontdoor-timeouts § Front Door to application back-end',
  },
  {
    cdn: 'bunny',
    kind: 'overall',
    name: 'CDN request timeout',
    defaultMs: s(60),
    effect: 'origin error code http_timeout',
    quote: 'http_timeout — request exceeded the 60-second CDN request timeout',
    source: 'bunny-origin-errors § Error Codes',
  },
];
