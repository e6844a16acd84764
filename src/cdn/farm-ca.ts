import { type CloudfrontOutcome, isBySetting, type Settled } from './expectation.js';
import type { Static } from 'typebox';

type Cloudfront = Static<typeof CloudfrontOutcome>;

/** The certificate section of CloudFront's 502 page, which lists "Invalid certificate" and "Self-signed certificate". */
const CERTIFICATE_SECTION =
  'cloudfront-502 § SSL/TLS certificate on the origin is expired, invalid, self-signed, or the certificate chain is in the wrong order';

/**
 * What CloudFront answers a TLS listener serving the farm CA: its documents name no field for a CA of one's own, and
 * the 502 page's certificate section gives the answer to an invalid or self-signed chain. Stated here once rather than
 * in every scenario file.
 */
export const CLOUDFRONT_FARM_CA: Cloudfront = {
  status: 502,
  xCache: 'Error from cloudfront',
  source: CERTIFICATE_SECTION,
  note: 'Inferred for every TLS listener serving the farm CA: the documents here name no way to give CloudFront a CA of your own, so a chain to the farm root is an "Invalid certificate" to it and "CloudFront drops the TCP connection, returns HTTP status code 502 (Bad Gateway), and sets the X-Cache header to Error from cloudfront" before the listener\'s own fault is reached. A handshake that fails before the certificate is sent is a 502 too (the page\'s "SSL/TLS negotiation failure" causes). With --tls-cert (tls-cert=user) the listener\'s own outcome holds.',
};

/**
 * True when a single CloudFront outcome already is a failure of the TLS handshake or of the connection (a 502 citing
 * CloudFront's 502 pages): the farm CA changes nothing there, so the listener's own outcome stands.
 */
function failsBeforeTheRequest(outcome: Cloudfront): boolean {
  return outcome.status === 502 && /(^|; )cloudfront-502(-origin-connection)? §/.test(outcome.source);
}

/**
 * CloudFront's expectation of a TLS listener serving `certificate`: one outcome per value of the farm's `tls-cert`
 * setting, `farm` being CLOUDFRONT_FARM_CA and `user` the listener's own expectation (left out where its documents say
 * nothing), with the served certificate as default. Unchanged: an expectation that already depends on a setting
 * (the manifest makes a `tls-cert` one's default follow the certificate), and a 502 that is already a handshake or
 * connection failure.
 */
export function cloudfrontForTls(
  expectation: Settled<Cloudfront> | undefined,
  certificate: 'farm' | 'user',
): Settled<Cloudfront> | undefined {
  if (expectation && (isBySetting(expectation) || failsBeforeTheRequest(expectation))) return expectation;
  const outcomes: Record<string, Cloudfront> = { farm: CLOUDFRONT_FARM_CA, ...(expectation ? { user: expectation } : {}) };
  if (!(certificate in outcomes)) return expectation;
  return { setting: 'tls-cert', default: certificate, outcomes };
}
