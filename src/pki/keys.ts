import { generateKeyPair, createPrivateKey, createPublicKey } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Key types a scenario may ask for. RSA only: node-forge signs and embeds RSA keys. */
export const KEY_TYPES = ['rsa-2048', 'rsa-1024'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** A key pair as PEM text: `privateKeyPem` is PKCS#1 ("RSA PRIVATE KEY"), `publicKeyPem` is SPKI. */
export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/**
 * Generates an RSA key pair with node:crypto (native, on the libuv thread pool: about 0.1 s for RSA-2048,
 * ten times faster than forge's pure-JS keygen), as PEM that node-forge can read.
 */
export async function generateKey(type: KeyType): Promise<KeyPairPem> {
  const modulusLength = type === 'rsa-1024' ? 1024 : 2048;
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

/** Bits of an RSA key type, for checking a cached key against what a scenario asked for. */
export function keyBits(type: KeyType): number {
  return type === 'rsa-1024' ? 1024 : 2048;
}
