/** Signature digests a scenario may ask for. forge's `sign()` defaults to SHA-1, so it is always passed. */
export const DIGESTS = ['sha256', 'sha1'] as const;
export type Digest = (typeof DIGESTS)[number];
