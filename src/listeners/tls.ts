import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { LeafSpec, ServedChain } from '../pki/index.js';
import { VALID_LEAF } from '../pki/leaf-spec.js';
import { HttpOkResponder } from './http-ok.js';
import { tlsTerminator } from './tls-terminator.js';
import { expandNames } from '../placeholders.js';
import type { Mechanism, MechanismContext } from './mechanism.js';

/** A certificate a TLS listener serves: `valid` (the farm's ordinary leaf, or the user's `--tls-cert`) or a spec. */
export type CertificateChoice = 'valid' | LeafSpec;

/** `params` of the `tls` mechanism. */
export interface TlsParams {
  /** Served when no `byServerName` entry matches the client's SNI, or the client sends none. */
  certificate: CertificateChoice;
  /** Certificates by SNI (case-insensitive); `serverName` `{hostname}` matches any farm hostname. */
  byServerName?: { serverName: string; certificate: CertificateChoice }[];
  /** OpenSSL cipher list (TLS ≤ 1.2), e.g. `DEFAULT@SECLEVEL=0` to load a SHA-1-signed leaf. */
  ciphers?: string;
  minVersion?: SecureContextOptions['minVersion'];
  maxVersion?: SecureContextOptions['maxVersion'];
}

const leafSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['issuer'],
  properties: {
    issuer: { enum: ['farm-intermediate', 'farm-sub-intermediate', 'unknown-intermediate', 'self'] },
    commonName: { type: 'string', minLength: 1 },
    subjectAltNames: { type: 'array', items: { type: 'string', minLength: 1 } },
    notBeforeDays: { type: 'integer' },
    notAfterDays: { type: 'integer' },
    key: { enum: ['rsa-2048', 'rsa-1024'] },
    digest: { enum: ['sha256', 'sha1'] },
    chain: {
      type: 'array',
      items: { enum: ['farm-root', 'farm-intermediate', 'farm-sub-intermediate', 'unknown-root', 'unknown-intermediate'] },
    },
  },
};
const certificateChoiceSchema = { oneOf: [{ const: 'valid' }, leafSpecSchema] };
const versionSchema = { enum: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] };

function choices(params: TlsParams): CertificateChoice[] {
  return [params.certificate, ...(params.byServerName ?? []).map((entry) => entry.certificate)];
}

/**
 * Certificate faults on a real node:tls server (the `certificate` family, and the base of protocol scenarios that
 * node:tls can express). A client that completes the handshake gets `HTTP/1.1 200` naming the listener.
 * Reproduces fastly-tls-origin-configuration-messages § Certificate chain mismatches, Certificate expirations and
 * Hostname mismatches, and cloudfront-502-origin-connection § SSL/TLS Certificate on the Origin Is Expired, Invalid….
 */
export const tlsMechanism: Mechanism<TlsParams> = {
  name: 'tls',
  transport: 'tls',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['certificate'],
    properties: {
      certificate: certificateChoiceSchema,
      byServerName: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['serverName', 'certificate'],
          properties: { serverName: { type: 'string', minLength: 1 }, certificate: certificateChoiceSchema },
        },
      },
      ciphers: { type: 'string', minLength: 1 },
      minVersion: versionSchema,
      maxVersion: versionSchema,
    },
  },

  leafSpecs(params) {
    return choices(params).map((choice) => (choice === 'valid' ? VALID_LEAF : choice));
  },

  servesValidLeaf(params) {
    return choices(params).includes('valid');
  },

  create(params, context) {
    const served = (choice: CertificateChoice): ServedChain =>
      choice === 'valid' ? (context.userCertificate ?? context.pki.chain(VALID_LEAF)) : context.pki.chain(choice);
    const contextOptions = (choice: CertificateChoice): SecureContextOptions => {
      const { privateKeyPem, chainPem } = served(choice);
      return { key: privateKeyPem, cert: chainPem, ciphers: params.ciphers, minVersion: params.minVersion, maxVersion: params.maxVersion };
    };
    const byName: { names: Set<string>; context: SecureContext }[] = (params.byServerName ?? []).map((entry) => ({
      names: new Set(expandNames(entry.serverName, context.names).map((name) => name.toLowerCase())),
      context: createSecureContext(contextOptions(entry.certificate)),
    }));

    const responder = new HttpOkResponder(context.id);
    return tlsTerminator(
      {
        ...contextOptions(params.certificate),
        SNICallback: byName.length
          ? (servername, callback) => callback(null, byName.find((entry) => entry.names.has(servername.toLowerCase()))?.context)
          : undefined,
      },
      (socket) => responder.serve(socket),
      context.emit,
    );
  },
};
