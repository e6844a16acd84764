import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import forge from 'node-forge';
import { generateKey } from '../src/pki/keys.js';
import { resolveLeafSpec, VALID_LEAF } from '../src/pki/leaf-spec.js';
import { issueCertificate, type CertificateRequest } from '../src/pki/x509.js';
import type { LeafExtensions } from '../src/pki/leaf-extensions.js';

const names = { hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] };

describe('leaf extensions as data', () => {
  test('a spec without extensions keeps the cache key it had before extensions existed', () => {
    // Recorded before the field was added: a changed key would reissue every cached leaf.
    assert.equal(resolveLeafSpec(VALID_LEAF, names).hash, '23905ebadefef847');
    assert.equal(resolveLeafSpec({ issuer: 'farm-intermediate', notBeforeDays: -400, notAfterDays: -30 }, names).hash, '532cb1a7ca63a42e');
  });

  test('extensions are part of the cache key', () => {
    const plain = resolveLeafSpec(VALID_LEAF, names).hash;
    const eku = resolveLeafSpec({ ...VALID_LEAF, extensions: { extendedKeyUsage: ['clientAuth'] } }, names).hash;
    const ku = resolveLeafSpec({ ...VALID_LEAF, extensions: { keyUsage: ['keyEncipherment'] } }, names).hash;
    assert.equal(new Set([plain, eku, ku]).size, 3);
  });

  test('fillerNames appends that many names under the reserved domain, after the others', () => {
    const resolved = resolveLeafSpec({ ...VALID_LEAF, fillerNames: 3 }, names);
    assert.deepEqual(resolved.subjectAltNames, [
      'localhost',
      '127.0.0.1',
      '::1',
      'n1.badorigin.invalid',
      'n2.badorigin.invalid',
      'n3.badorigin.invalid',
    ]);
    assert.notEqual(resolved.hash, resolveLeafSpec(VALID_LEAF, names).hash);
  });

  async function issued(extensions?: LeafExtensions): Promise<forge.pki.Certificate> {
    const key = await generateKey('rsa-2048');
    const request: CertificateRequest = {
      commonName: 'localhost',
      organization: 'badorigin',
      publicKeyPem: key.publicKeyPem,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      subjectAltNames: ['localhost'],
      digest: 'sha256',
      ...(extensions ? { leafExtensions: extensions } : {}),
    };
    return forge.pki.certificateFromPem(issueCertificate(request, { self: true, privateKeyPem: key.privateKeyPem }));
  }
  type Extension = { name?: string; id: string; critical?: boolean; cA?: boolean; value: string } & Record<string, unknown>;
  const extension = (cert: forge.pki.Certificate, name: string) => cert.getExtension(name) as Extension | null;

  test('without extensions a leaf is an ordinary server leaf', async () => {
    const cert = await issued();
    assert.equal(extension(cert, 'basicConstraints')?.cA, false);
    const ku = extension(cert, 'keyUsage')!;
    assert.deepEqual([ku.critical, ku.digitalSignature, ku.keyEncipherment, ku.keyCertSign].map(Boolean), [true, true, true, false]);
    const eku = extension(cert, 'extKeyUsage')!;
    assert.deepEqual([eku.serverAuth, eku.clientAuth].map(Boolean), [true, false]);
  });

  test('each field replaces its extension, and [] leaves it out', async () => {
    const cert = await issued({ keyUsage: ['keyEncipherment'], extendedKeyUsage: ['clientAuth'], basicConstraints: { ca: true } });
    assert.equal(extension(cert, 'basicConstraints')?.cA, true);
    assert.deepEqual([extension(cert, 'keyUsage')!.digitalSignature, extension(cert, 'keyUsage')!.keyEncipherment].map(Boolean), [
      false,
      true,
    ]);
    assert.deepEqual([extension(cert, 'extKeyUsage')!.serverAuth, extension(cert, 'extKeyUsage')!.clientAuth].map(Boolean), [false, true]);
    const none = await issued({ keyUsage: [], extendedKeyUsage: [] });
    assert.equal(extension(none, 'keyUsage'), null);
    assert.equal(extension(none, 'extKeyUsage'), null);
  });

  test('an unknown critical extension is written critical under its OID', async () => {
    const cert = await issued({ unknownCritical: ['1.3.6.1.4.1.55555.1'] });
    const found = (cert.extensions as Extension[]).find((e) => e.id === '1.3.6.1.4.1.55555.1');
    assert.ok(found?.critical);
    assert.equal(found.value, '\x05\x00');
  });
});
