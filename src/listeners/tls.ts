import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { Type, type Static } from 'typebox';
import type { ServedChain } from '../pki/index.js';
import { summarizeChain, type CertificateChain } from '../pki/chain-summary.js';
import { CaNameSchema, LeafSpecSchema, VALID_LEAF } from '../pki/leaf-spec.js';
import { HttpOkResponder } from './http-ok.js';
import { tlsTerminator, type HelloRefusal } from './tls-terminator.js';
import { answerWithHelloRequest } from './hello-request.js';
import type { ClientHelloSummary } from '../tls/client-hello.js';
import { Alert } from '../tls/records.js';
import { expandNames } from '../placeholders.js';
import { defineMechanism } from './define-mechanism.js';

/** A certificate a TLS listener serves: `valid` (the farm's ordinary leaf, or the user's `--tls-cert`) or a leaf spec. */
const CertificateChoice = Type.Union([Type.Literal('valid'), LeafSpecSchema]);
export type CertificateChoice = Static<typeof CertificateChoice>;
const TlsVersion = Type.Enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

/** `params` of the `tls` mechanism. */
export const TlsParams = Type.Object(
  {
    /** Served when no `byServerName` entry matches the client's SNI, or the client sends none. */
    certificate: CertificateChoice,
    /** Certificates by SNI (case-insensitive); `serverName` `{hostname}` matches any farm hostname. */
    byServerName: Type.Optional(
      Type.Array(
        Type.Object({ serverName: Type.String({ minLength: 1 }), certificate: CertificateChoice }, { additionalProperties: false }),
      ),
    ),
    /** OpenSSL cipher list (TLS ≤ 1.2), e.g. `DEFAULT@SECLEVEL=0` to load a SHA-1-signed leaf. */
    ciphers: Type.Optional(Type.String({ minLength: 1 })),
    minVersion: Type.Optional(TlsVersion),
    maxVersion: Type.Optional(TlsVersion),
    /**
     * Require a client certificate (RFC 5246 §7.4.4 CertificateRequest / RFC 8446 §4.3.2): the server asks for one
     * issued by the `acceptedCas` (their subject names go into certificate_authorities) and fails the handshake when
     * the client sends none or one that does not chain to them (OpenSSL: alert 40 in TLS 1.2, 116
     * certificate_required in TLS 1.3).
     */
    clientCertificate: Type.Optional(
      Type.Object({ acceptedCas: Type.Array(CaNameSchema, { minItems: 1 }) }, { additionalProperties: false }),
    ),
    /**
     * Finite-field Diffie-Hellman group for DHE suites (RFC 5246 §7.4.3 ServerDHParams): `modp1024` is the 1024-bit
     * Oakley group 2 of RFC 2409 §6.2 (generator 2). Node refuses groups under 1024 bits, so this is the weakest it
     * loads. Pair it with DHE-only `ciphers` and `maxVersion: TLSv1.2` (TLS 1.3 has no DHE suites).
     */
    dhGroup: Type.Optional(Type.Literal('modp1024')),
    /**
     * Refuse a ClientHello without server_name with a fatal unrecognized_name alert (112), as RFC 6066 §3 allows a
     * server that requires SNI: "the server SHALL send an unrecognized_name(112) alert (which MAY be fatal)".
     */
    requireSni: Type.Optional(Type.Boolean()),
    /**
     * `after-head`: after the response head, send a HelloRequest (RFC 5246 §7.4.1.1) and the body once the
     * renegotiation is over (src/listeners/hello-request.ts). Pair it with `maxVersion: TLSv1.2`: TLS 1.3 has none.
     */
    helloRequest: Type.Optional(Type.Literal('after-head')),
    /**
     * Staple an OCSP response (RFC 6066 §8 status_request) to a client that asks for one: the farm's own answer for
     * the served leaf (its `revocation`: good or revoked), `current` (thisUpdate an hour ago, nextUpdate in seven
     * days) or `stale` (nextUpdate three days past, RFC 6960 §4.2.2.1). Absent: never staple. A leaf without
     * `revocation` gets no staple.
     */
    staple: Type.Optional(Type.Enum(['current', 'stale'])),
  },
  { additionalProperties: false },
);
export type TlsParams = Static<typeof TlsParams>;

/** DER length octets (X.690 §8.1.3). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** DER INTEGER (X.690 §8.3) of a non-negative big-endian magnitude. */
function derInteger(magnitude: Buffer): Buffer {
  const body = magnitude[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude;
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/**
 * The 1024-bit MODP prime of RFC 2409 §6.2 (the Second Oakley Group, Node's `modp2`), big-endian hex. A constant
 * because `crypto.getDiffieHellman('modp2')` checks the group on construction, which cost 31 ms of every farm
 * start; test/tls-protocol.test.ts checks it against Node's group.
 */
export const MODP1024_PRIME_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b30' +
  '2b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286' +
  '651ece65381ffffffffffffffff';

/**
 * PEM `DH PARAMETERS` (PKCS #3 DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }) of a named MODP group,
 * as node:tls's `dhparam` option takes it: the RFC 2409 §6.2 prime, base 2.
 */
export function dhParamsPem(_group: 'modp1024'): string {
  const prime = Buffer.from(MODP1024_PRIME_HEX, 'hex');
  const content = Buffer.concat([derInteger(prime), derInteger(Buffer.from([2]))]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(content.length), content]);
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN DH PARAMETERS-----\n${lines}\n-----END DH PARAMETERS-----\n`;
}

function choices(params: TlsParams): CertificateChoice[] {
  return [params.certificate, ...(params.byServerName ?? []).map((entry) => entry.certificate)];
}

/**
 * Certificate faults on a real node:tls server (the `certificate` family, and the base of protocol scenarios that
 * node:tls can express). A client that completes the handshake gets `HTTP/1.1 200` naming the listener.
 * Reproduces fastly-tls-origin-configuration-messages § Certificate chain mismatches, Certificate expirations and
 * Hostname mismatches, and cloudfront-502-origin-connection § SSL/TLS Certificate on the Origin Is Expired, Invalid….
 */
export const tlsMechanism = defineMechanism({
  name: 'tls',
  transport: 'tls',
  params: TlsParams,
  certificates: {
    leafSpecs: (params) => choices(params).map((choice) => (choice === 'valid' ? VALID_LEAF : choice)),
    servesValidLeaf: (params) => choices(params).includes('valid'),
  },
  create(params, context) {
    const served = (choice: CertificateChoice): ServedChain =>
      choice === 'valid' ? (context.userCertificate ?? context.pki.chain(VALID_LEAF)) : context.pki.chain(choice);
    const contextOptions = (choice: CertificateChoice): SecureContextOptions => {
      const { privateKeyPem, chainPem } = served(choice);
      return {
        key: privateKeyPem,
        cert: chainPem,
        ciphers: params.ciphers,
        minVersion: params.minVersion,
        maxVersion: params.maxVersion,
        ...(params.dhGroup ? { dhparam: dhParamsPem(params.dhGroup) } : {}),
        ...(params.clientCertificate ? { ca: params.clientCertificate.acceptedCas.map((name) => context.pki.caPem(name)) } : {}),
      };
    };
    const byName: { names: Set<string>; context: SecureContext; chain: CertificateChain }[] = (params.byServerName ?? []).map((entry) => ({
      names: new Set(expandNames(entry.serverName, context.names).map((name) => name.toLowerCase())),
      context: createSecureContext(contextOptions(entry.certificate)),
      chain: summarizeChain(served(entry.certificate).chainPem),
    }));
    const entryFor = (servername: string) => byName.find((entry) => entry.names.has(servername.toLowerCase()));

    const responder = new HttpOkResponder(context);
    const refuse = (hello: ClientHelloSummary | null): HelloRefusal | null =>
      params.requireSni && !hello?.sni
        ? { alert: Alert.unrecognizedName, detail: 'alert 112 unrecognized_name: no SNI in the ClientHello' }
        : null;
    const { staple } = params;
    const leaves = choices(params).map((choice) => served(choice).leaf);
    const stapler = staple
      ? async (der: Buffer) => {
          const leaf = leaves.find((candidate) => candidate.raw.equals(der));
          return leaf ? context.pki.revocation.staple(leaf, staple) : null;
        }
      : undefined;
    return tlsTerminator(
      {
        ...contextOptions(params.certificate),
        ...(params.clientCertificate ? { requestCert: true, rejectUnauthorized: true } : {}),
        SNICallback: byName.length ? (servername, callback) => callback(null, entryFor(servername)?.context) : undefined,
      },
      (socket) => (params.helloRequest ? answerWithHelloRequest(socket, context) : responder.serve(socket)),
      context,
      { refuse, staple: stapler, chainFor: (servername) => entryFor(servername)?.chain },
    );
  },
});
