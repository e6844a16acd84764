import { Type, type Static } from 'typebox';

/** keyUsage bits (RFC 5280 §4.2.1.3), by node-forge's names. */
export const KEY_USAGES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
] as const;
/** extendedKeyUsage purposes (RFC 5280 §4.2.1.12), by node-forge's names. */
export const EXTENDED_KEY_USAGES = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping'] as const;

/**
 * The extensions of a leaf that differ from an ordinary server leaf's, as data (`params.certificate.extensions`).
 * Each field left out keeps the ordinary value: keyUsage digitalSignature+keyEncipherment (critical),
 * extendedKeyUsage serverAuth, basicConstraints cA FALSE (critical), no other extension. (Where the farm's CRL and OCSP
 * responder are is not an extension here but the leaf spec's `revocation`, since their URL depends on the farm.)
 */
export const LeafExtensionsSchema = Type.Object(
  {
    /** keyUsage bits (RFC 5280 §4.2.1.3), critical; `[]` leaves the extension out. */
    keyUsage: Type.Optional(Type.Array(Type.Enum(KEY_USAGES), { uniqueItems: true })),
    /** extendedKeyUsage purposes (RFC 5280 §4.2.1.12); `[]` leaves the extension out. */
    extendedKeyUsage: Type.Optional(Type.Array(Type.Enum(EXTENDED_KEY_USAGES), { uniqueItems: true })),
    /** basicConstraints (RFC 5280 §4.2.1.9), critical: `ca: true` makes the leaf claim to be a CA. */
    basicConstraints: Type.Optional(Type.Object({ ca: Type.Boolean() }, { additionalProperties: false })),
    /**
     * The TLS Feature extension with status_request (RFC 7633 §4.2.3, "must-staple"): a client that knows it must
     * refuse the handshake when the server staples no OCSP response.
     */
    mustStaple: Type.Optional(Type.Literal(true)),
    /**
     * Extensions no client knows, marked critical (RFC 5280 §4.2: "A certificate-using system MUST reject the
     * certificate if it encounters a critical extension it does not recognize"), by dotted OID; the value is DER NULL.
     */
    unknownCritical: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-2](\\.(0|[1-9][0-9]{0,8})){2,20}$' }), { minItems: 1, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type LeafExtensions = Static<typeof LeafExtensionsSchema>;
