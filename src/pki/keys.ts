import { generateKeyPair, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Key types a scenario may ask for. node-forge embeds RSA keys only; other keys go through src/pki/any-key.ts. */
export const KEY_TYPES = ['rsa-2048', 'rsa-1024', 'rsa-8192', 'ecdsa-p384'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Modulus length in bits of each RSA key type. */
const RSA_BITS = { 'rsa-1024': 1024, 'rsa-2048': 2048, 'rsa-8192': 8192 } as const;

/** A key pair as PEM text: `privateKeyPem` is PKCS#1 ("RSA PRIVATE KEY") for RSA, PKCS#8 for ECDSA; `publicKeyPem` is SPKI. */
export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Generates a key pair with node:crypto (native, on the libuv thread pool: about 0.1 s for RSA-2048,
 * ten times faster than forge's pure-JS keygen; RSA-8192 takes seconds to a minute, which is why keys are cached),
 * RSA as PEM that node-forge can read; ECDSA on P-384 (secp384r1).
 */
export async function generateKey(type: KeyType): Promise<KeyPairPem> {
  if (type === 'ecdsa-p384') {
    const { privateKey, publicKey } = await generateKeyPairAsync('ec', {
      namedCurve: 'P-384',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return { privateKeyPem: privateKey, publicKeyPem: publicKey };
  }
  const modulusLength = RSA_BITS[type];
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * Parses a private key PEM and derives its public key.
 * @throws Error when the PEM is not a readable private key.
 */
export function keyPairFromPrivatePem(privateKeyPem: string): KeyPairPem {
  const key = createPrivateKey(privateKeyPem);
  const publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKeyPem, publicKeyPem };
}

/** Whether a cached key is of the type a scenario asked for (algorithm and RSA size or EC curve). */
export function keyMatches(type: KeyType, key: KeyObject): boolean {
  if (type === 'ecdsa-p384') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1';
  return key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === RSA_BITS[type];
}
