import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FarmError } from '../src/errors.js';
import { generateKey } from '../src/pki/keys.js';
import { Pki, type PkiOptions } from '../src/pki/index.js';
import { issueCertificate } from '../src/pki/x509.js';
import { runClient } from '../src/clients/run-client.js';
import { tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

const names = { hostnames: ['localhost'], ips: ['127.0.0.1', '::1'] };
const options = (certsDir: string, extra: Partial<PkiOptions> = {}): PkiOptions => ({ certsDir, ...names, ...extra });
const VALID = { issuer: 'farm-intermediate' } as const;
const rootFingerprint = (dir: string) => new X509Certificate(readFileSync(join(dir, 'root-ca.pem'))).fingerprint256;

describe('farm PKI', () => {
  test('the root CA carries critical name constraints for the farm names only, and openssl enforces them', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), []);
    const text = await runClient(['openssl', 'x509', '-noout', '-ext', 'nameConstraints', '-in', join(dir, 'root-ca.pem')]);
    assert.match(text.stdout, /Name Constraints: critical/);
    assert.match(text.stdout, /DNS:localhost/);
    assert.match(text.stdout, /DNS:badorigin\.invalid/);
    assert.match(text.stdout, /IP:127\.0\.0\.1\/255\.255\.255\.255/);

    // A leaf the farm intermediate signs for a name outside the constraints is refused by OpenSSL itself.
    const key = await generateKey('rsa-2048');
    const intermediate = {
      certPem: readFileSync(join(dir, 'intermediate-ca.pem'), 'utf8'),
      privateKeyPem: readFileSync(join(dir, 'intermediate-ca.key'), 'utf8'),
    };
    const leafFor = (name: string) =>
      issueCertificate(
        {
          commonName: name,
          organization: 'test',
          publicKeyPem: key.publicKeyPem,
          notBefore: new Date(Date.now() - 60_000),
          notAfter: new Date(Date.now() + 86_400_000),
          subjectAltNames: [name],
          digest: 'sha256',
        },
        intermediate,
      );
    writeFileSync(join(dir, 'outside.pem'), leafFor('www.example.com'));
    writeFileSync(join(dir, 'inside.pem'), leafFor('localhost'));
    const verify = (file: string) =>
      runClient([
        'openssl',
        'verify',
        '-CAfile',
        join(dir, 'root-ca.pem'),
        '-untrusted',
        join(dir, 'intermediate-ca.pem'),
        join(dir, file),
      ]);
    const outside = await verify('outside.pem');
    assert.notEqual(outside.exit, 0);
    assert.match(outside.stdout + outside.stderr, /permitted subtree violation/);
    assert.equal((await verify('inside.pem')).exit, 0);
  });

  test('is reused across runs: same root, no notices, private keys mode 0600', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), [VALID]);
    const root = rootFingerprint(dir);
    const again = await Pki.open(options(dir), [VALID]);
    assert.deepEqual(again.notices, []);
    assert.equal(rootFingerprint(dir), root);
    for (const key of ['root-ca.key', 'intermediate-ca.key', 'unknown-root-ca.key', 'keys/leaf-rsa-2048.key']) {
      assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
    }
  });

  test('a directory made before the constrained intermediate existed gets it, under the same root and with no notice', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), [VALID]);
    const root = rootFingerprint(dir);
    for (const file of ['constrained-intermediate-ca.pem', 'constrained-intermediate-ca.key']) rmSync(join(dir, file));
    assert.equal(await Pki.inspect(options(dir)), null, 'the root still fits the options');
    const pki = await Pki.open(options(dir), [{ issuer: 'farm-constrained-intermediate' }]);
    assert.deepEqual(pki.notices, []);
    assert.equal(rootFingerprint(dir), root);
    const text = await runClient([
      'openssl',
      'x509',
      '-noout',
      '-ext',
      'nameConstraints',
      '-in',
      join(dir, 'constrained-intermediate-ca.pem'),
    ]);
    assert.match(text.stdout, /Name Constraints: critical\s+Permitted:\s+DNS:constrained\.badorigin\.invalid\s*$/);
    assert.ok(
      pki
        .chain({ issuer: 'farm-constrained-intermediate' })
        .leaf.checkIssued(new X509Certificate(readFileSync(join(dir, 'constrained-intermediate-ca.pem')))),
    );
  });

  test('a new hostname regenerates the hierarchy and its leaves, with a notice to trust the new root', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    await Pki.open(options(dir), [VALID]);
    const root = rootFingerprint(dir);
    const pki = await Pki.open(options(dir, { hostnames: ['origin.example.test'] }), [VALID]);
    assert.notEqual(rootFingerprint(dir), root);
    assert.ok(
      pki.notices.some((n) => /regenerated the farm CA hierarchy/.test(n) && /trust the new/.test(n)),
      pki.notices.join('\n'),
    );
    assert.match(pki.chain(VALID).leaf.subjectAltName ?? '', /DNS:origin\.example\.test/);
  });

  test('a corrupted CA file, leaf or index is regenerated with a notice, never reused', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    const first = await Pki.open(options(dir), [VALID]);
    const leafFile = first.store.path(`leaves/${first.resolve(VALID).hash}.pem`);
    writeFileSync(leafFile, 'not a certificate');
    const leafAgain = await Pki.open(options(dir), [VALID]);
    assert.ok(
      leafAgain.notices.some((n) => n.includes(leafFile)),
      leafAgain.notices.join('\n'),
    );
    assert.ok(new X509Certificate(readFileSync(leafFile)).subjectAltName);

    writeFileSync(join(dir, 'intermediate-ca.pem'), '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n');
    const caAgain = await Pki.open(options(dir), [VALID]);
    assert.ok(
      caAgain.notices.some((n) => /regenerated the farm CA hierarchy/.test(n)),
      caAgain.notices.join('\n'),
    );

    writeFileSync(join(dir, 'farm.json'), '{ truncated');
    const indexAgain = await Pki.open(options(dir), [VALID]);
    assert.ok(
      indexAgain.notices.some((n) => /farm\.json was not a badorigin index/.test(n)),
      indexAgain.notices.join('\n'),
    );
    assert.ok(indexAgain.chain(VALID).leaf.checkIssued(new X509Certificate(readFileSync(join(dir, 'intermediate-ca.pem')))));
  });

  test('a directory badorigin did not write is refused and left untouched', async (t) => {
    const { dir, remove } = tempDir();
    t.after(remove);
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'server.pem'), "someone else's file");
    await assert.rejects(
      Pki.open(options(join(dir, 'certs')), []),
      (error: unknown) => error instanceof FarmError && error.code === 'CERTS_DIR_FOREIGN',
    );
    assert.equal(readFileSync(join(dir, 'certs', 'server.pem'), 'utf8'), "someone else's file");
  });
});
