import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { opensslArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { certsDir, useFarm } from './helpers/farm.js';
import { Pki } from '../src/pki/index.js';
import { requireTool } from './helpers/tools.js';

// What the certificate listeners of key types and names put on the wire, beyond the verify results that
// test/cert-scenarios.test.ts checks for every client.
describe('certificate listeners: key types, names and extensions on the wire', () => {
  const fixture = useFarm({ only: ['cert-ecdsa-p384-only', 'cert-wrong-eku', 'cert-unknown-critical-extension'], controlPort: null });

  async function served(id: string, extra: string[] = []): Promise<{ exit: number | null; output: string; leaf: X509Certificate | null }> {
    const argv = opensslArgs(fixture.farm.manifest, fixture.listener(id)).filter((a) => a !== '-verify_return_error');
    const result = await runClient([...argv, '-showcerts', ...extra]);
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)?.[0];
    return { exit: result.exit, output: result.stdout + result.stderr, leaf: pem ? new X509Certificate(pem) : null };
  }

  test('cert-ecdsa-p384-only serves a P-384 leaf signed by the farm intermediate', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const { leaf, output } = await served('cert-ecdsa-p384-only');
    assert.ok(leaf, output);
    assert.equal(leaf.publicKey.asymmetricKeyType, 'ec');
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const text = await runClient(['openssl', 'x509', '-noout', '-text'], 5000, leaf.toString());
    assert.match(text.stdout, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text.stdout, /Issuer: O = badorigin, CN = badorigin farm intermediate CA/);
  });

  test('cert-ecdsa-p384-only refuses a client that offers only RSA, in TLS 1.2 suites and in TLS 1.3 signature algorithms', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    for (const extra of [
      ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'],
      ['-tls1_3', '-sigalgs', 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256'],
    ]) {
      const { exit, output, leaf } = await served('cert-ecdsa-p384-only', extra);
      assert.equal(exit, 1, output);
      assert.match(output, /SSL alert number 40/);
      assert.equal(leaf, null);
    }
  });

  test('cert-many-sans: the leaf the PKI issues has 10,003 names, is over the 100 kB OpenSSL reads, and verifies', async () => {
    const certs = certsDir();
    try {
      const spec = { issuer: 'farm-intermediate', fillerNames: 10_000 } as const;
      const pki = await Pki.open({ certsDir: certs.dir, hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] }, [spec]);
      const { leaf } = pki.chain(spec);
      assert.equal(leaf.subjectAltName?.split(', ').length, 10_003);
      assert.ok(leaf.raw.length > 100 * 1024, `leaf of ${leaf.raw.length} bytes`);
      const intermediate = new X509Certificate(pki.caPem('farm-intermediate'));
      assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey));
    } finally {
      certs.remove();
    }
  });

  test('cert-wrong-eku carries clientAuth only; cert-unknown-critical-extension carries its OID, critical', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const eku = (await served('cert-wrong-eku')).leaf!;
    assert.deepEqual(eku.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const text = await runClient(
      ['openssl', 'x509', '-noout', '-text'],
      5000,
      (await served('cert-unknown-critical-extension')).leaf!.toString(),
    );
    assert.match(text.stdout, /1\.3\.6\.1\.4\.1\.55555\.1: critical/);
  });
});
