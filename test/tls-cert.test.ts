import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { describe, test } from 'node:test';
import { FarmError } from '../src/errors.js';
import { startFarm } from '../src/farm.js';
import { generateKey } from '../src/pki/keys.js';
import { issueCertificate } from '../src/pki/x509.js';
import { tempDir } from './helpers/farm.js';

/** The leaf a TLS listener presents (no verification: we only look at it). */
function presentedLeaf(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.destroy();
      if (raw) resolve(raw);
      else reject(new Error('no certificate'));
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
  });
}

describe('--tls-cert / --tls-key', () => {
  test('the user certificate replaces the farm valid leaf only where a scenario needs a valid one; the manifest says so', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const key = await generateKey('rsa-2048');
    const pem = issueCertificate(
      {
        commonName: 'localhost',
        organization: 'someone public',
        publicKeyPem: key.publicKeyPem,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        subjectAltNames: ['localhost'],
        digest: 'sha256',
      },
      { self: true, privateKeyPem: key.privateKeyPem },
    );
    writeFileSync(join(dir, 'user.pem'), pem);
    writeFileSync(join(dir, 'user.key'), key.privateKeyPem);
    const farm = await startFarm({
      basePort: 0,
      certsDir: join(dir, 'certs'),
      only: ['tls-ok', 'cert-expired', 'cert-sni-mismatch', 'cert-issuer-missing'],
      tlsCert: join(dir, 'user.pem'),
      tlsKey: join(dir, 'user.key'),
    });
    t.after(() => farm.close());
    const byId = (id: string) => farm.manifest.listeners.find((l) => l.id === id)!;

    const user = new X509Certificate(pem).fingerprint256;
    assert.equal((await presentedLeaf(byId('tls-ok').port, 'localhost')).fingerprint256, user);
    assert.deepEqual([byId('tls-ok').certificate, byId('tls-ok').connect.trust, byId('tls-ok').connect.caFile], ['user', 'system', null]);
    // cert-sni-mismatch serves the valid certificate to the right SNI: the user's, then.
    assert.equal((await presentedLeaf(byId('cert-sni-mismatch').port, 'localhost')).fingerprint256, user);
    assert.equal(byId('cert-sni-mismatch').certificate, 'user');
    // Faults keep the farm's certificates.
    for (const id of ['cert-expired', 'cert-issuer-missing']) {
      assert.notEqual((await presentedLeaf(byId(id).port, 'localhost')).fingerprint256, user);
      assert.equal(byId(id).certificate, 'farm');
    }
  });

  test('a key that does not match the certificate is refused with a clear error', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const [a, b] = await Promise.all([generateKey('rsa-2048'), generateKey('rsa-2048')]);
    const pem = issueCertificate(
      {
        commonName: 'localhost',
        organization: 'x',
        publicKeyPem: a.publicKeyPem,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        digest: 'sha256',
      },
      { self: true, privateKeyPem: a.privateKeyPem },
    );
    writeFileSync(join(dir, 'c.pem'), pem);
    writeFileSync(join(dir, 'k.pem'), b.privateKeyPem);
    await assert.rejects(
      startFarm({ basePort: 0, certsDir: join(dir, 'certs'), only: ['tls-ok'], tlsCert: join(dir, 'c.pem'), tlsKey: join(dir, 'k.pem') }),
      (error: unknown) => error instanceof FarmError && error.code === 'BAD_TLS_CERT' && /does not match/.test(error.message),
    );
  });
});
