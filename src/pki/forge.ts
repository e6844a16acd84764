import { createRequire } from 'node:module';
import type Forge from 'node-forge';

const requirePackage = createRequire(import.meta.url);
let whole: typeof Forge | undefined;
let asn1Parts: Pick<typeof Forge, 'asn1' | 'util'> | undefined;

/** All of node-forge, loaded at first use: issuing a certificate needs it, a start from cached certificates does not. */
export function loadForge(): typeof Forge {
  whole ??= requirePackage('node-forge') as typeof Forge;
  return whole;
}

/**
 * node-forge's ASN.1 and util modules alone, what reading a cached root CA's NameConstraints needs: loading them
 * costs about a fifth of loading all of node-forge. They are the same objects `loadForge()` later holds.
 */
export function loadForgeAsn1(): Pick<typeof Forge, 'asn1' | 'util'> {
  asn1Parts ??= { asn1: requirePackage('node-forge/lib/asn1'), util: requirePackage('node-forge/lib/util') };
  return asn1Parts;
}
