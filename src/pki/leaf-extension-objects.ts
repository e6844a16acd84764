import { loadForgeAsn1 } from './forge.js';
import type { LeafExtensions } from './leaf-extensions.js';
import { mustStapleExtension } from './revocation-extensions.js';

// The builder lives apart from the schema (leaf-extensions.ts): a start reads leaf specs, only issuing builds
// extensions, and building them needs node-forge and the ASN.1 libraries.

const ORDINARY = { keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['serverAuth'] } as const;

/**
 * The node-forge extension objects of a leaf: basicConstraints, keyUsage, extendedKeyUsage and any unknown critical
 * extensions, each as `extensions` asks or else as an ordinary server leaf has it.
 */
export function leafExtensions(extensions: LeafExtensions = {}): object[] {
  const flags = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, true]));
  const keyUsage = extensions.keyUsage ?? ORDINARY.keyUsage;
  const extendedKeyUsage = extensions.extendedKeyUsage ?? ORDINARY.extendedKeyUsage;
  const result: object[] = [{ name: 'basicConstraints', cA: extensions.basicConstraints?.ca ?? false, critical: true }];
  if (keyUsage.length > 0) result.push({ name: 'keyUsage', critical: true, ...flags(keyUsage) });
  if (extendedKeyUsage.length > 0) result.push({ name: 'extKeyUsage', ...flags(extendedKeyUsage) });
  const { asn1 } = loadForgeAsn1();
  const derNull = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')).getBytes();
  for (const id of extensions.unknownCritical ?? []) result.push({ id, critical: true, value: derNull });
  if (extensions.mustStaple) result.push(mustStapleExtension());
  return result;
}
