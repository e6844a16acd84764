import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { curlArgs, opensslArgs } from '../src/client-commands.js';
import { nodeRequest } from '../src/clients/node-client.js';
import { parseOpensslVerify, runClient } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { loadCatalogue } from '../src/catalogue.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { requireTool } from './helpers/tools.js';
import { gnutlsArgs } from './helpers/matrix.js';

// Every certificate scenario of the catalogue, observed by three real clients that nobody here wrote.
// cert-rsa-8192 (an 8192-bit key to generate) and cert-expires-soon (valid, then expired) have their own file,
// test/tls-handshakes.test.ts.
const OWN_FILE = ['cert-rsa-8192', 'cert-expires-soon'];
const certificateIds = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'certificate' && !OWN_FILE.includes(entry.scenario.id))
  .map((entry) => entry.scenario.id);

describe('certificate scenarios, observed by Node, curl, openssl s_client and gnutls-cli', () => {
  const fixture = useFarm({ only: certificateIds });
  const listener = fixture.listener;

  test('the catalogue has every certificate scenario', () => {
    for (const id of [
      'tls-ok',
      'cert-expired',
      'cert-not-yet-valid',
      'cert-self-signed',
      'cert-self-signed-in-chain',
      'cert-unknown-ca',
      'cert-incomplete-chain',
      'cert-issuer-missing',
      'cert-wrong-host',
      'cert-cn-only',
      'cert-chain-wrong-order',
      'cert-sni-mismatch',
      'cert-weak-key',
      'cert-sha1-signature',
      'cert-wrong-eku',
      'cert-ca-leaf',
      'cert-no-digital-signature',
      'cert-unknown-critical-extension',
      'cert-name-constraint-violation',
      'cert-wildcard-mismatch',
      'cert-san-ip-only',
      'cert-many-sans',
      'cert-ecdsa-p384-only',
    ]) {
      assert.ok(certificateIds.includes(id), `missing scenario ${id}`);
    }
  });

  for (const id of certificateIds) {
    describe(id, () => {
      test('Node https sees expect.node', async () => {
        const l = listener(id);
        const observed = await nodeRequest(fixture.farm.manifest, l);
        assert.ok(
          matchesNodeExpectation(l.expect.node, observed),
          `expected ${JSON.stringify(l.expect.node)}, observed ${JSON.stringify(observed)}`,
        );
        if (observed.code === null) assert.equal(observed.status, 200);
      });

      test('curl exits with expect.curl', async (t) => {
        if (!requireTool(t, 'curl')) return;
        const l = listener(id);
        const result = await runClient(curlArgs(fixture.farm.manifest, l));
        assert.deepEqual(
          [l.expect.curl!.exit].flat().includes(result.exit!),
          true,
          `expected exit ${l.expect.curl!.exit}, got ${result.exit}: ${result.stderr}`,
        );
        if (result.exit === 0) assert.equal(result.stdout.trim(), '200');
      });

      test('openssl s_client -verify_return_error reports expect.openssl', async (t) => {
        if (!requireTool(t, 'openssl')) return;
        const l = listener(id);
        const result = await runClient(opensslArgs(fixture.farm.manifest, l));
        if (l.expect.openssl!.verifyCode === undefined) {
          // A handshake that fails before any certificate is verified: the exit code and OpenSSL's error text.
          assert.equal(result.exit, l.expect.openssl!.exit, result.stdout + result.stderr);
          for (const text of l.expect.openssl!.output ?? [])
            assert.ok((result.stdout + result.stderr).includes(text), `no ${JSON.stringify(text)} in:\n${result.stdout + result.stderr}`);
          return;
        }
        const verify = parseOpensslVerify(result.stdout + result.stderr);
        assert.deepEqual(
          verify,
          { verifyCode: l.expect.openssl!.verifyCode, verifyError: l.expect.openssl!.verifyError },
          result.stdout + result.stderr,
        );
        assert.equal(result.exit, verify?.verifyCode === 0 ? 0 : 1, 'a verify error must abort the handshake');
      });

      const gnutls = loadCatalogue().find((entry) => entry.scenario.id === id)?.scenario.expect.gnutls;
      if (gnutls) {
        test('gnutls-cli sees expect.gnutls', async (t) => {
          if (!requireTool(t, 'gnutls-cli')) return;
          const result = await runClient(gnutlsArgs(fixture.farm.manifest, listener(id)));
          const output = result.stdout + result.stderr;
          assert.equal(result.exit, gnutls.exit, output);
          for (const text of gnutls.output ?? []) assert.ok(output.includes(text), `no ${JSON.stringify(text)} in:\n${output}`);
        });
      }
    });
  }

  // What the listeners put on the wire, beyond what the verify codes show.
  async function servedChain(id: string, extra: string[] = []): Promise<X509Certificate[]> {
    const l = listener(id);
    const dropped = ['-verify_return_error', ...(extra.includes('-servername') ? ['-noservername'] : [])];
    const argv = opensslArgs(fixture.farm.manifest, l).filter((a) => !dropped.includes(a));
    const result = await runClient([...argv, '-showcerts', ...extra]);
    return [...result.stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map(
      (m) => new X509Certificate(m[0]),
    );
  }

  test('cert-chain-wrong-order sends leaf, farm intermediate, then the issuing CA that signed the leaf', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const [leaf, first, second] = await servedChain('cert-chain-wrong-order');
    assert.match(first!.subject, /badorigin farm intermediate CA/);
    assert.match(second!.subject, /badorigin farm issuing CA 2/);
    assert.ok(leaf!.checkIssued(second!) && !leaf!.checkIssued(first!), 'the leaf is signed by the CA sent last');
  });

  test('cert-incomplete-chain: without -verify_return_error OpenSSL ends at 21, as nginx reports it', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const argv = opensslArgs(fixture.farm.manifest, listener('cert-incomplete-chain')).filter((a) => a !== '-verify_return_error');
    const result = await runClient(argv);
    assert.match(result.stdout, /Verify return code: 21 \(unable to verify the first certificate\)/);
    assert.equal((await servedChain('cert-incomplete-chain')).length, 1, 'only the leaf is sent');
  });

  test('cert-sni-mismatch serves the valid certificate to the right SNI and the wrong one to other SNI', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const l = listener('cert-sni-mismatch');
    const right = await nodeRequest(fixture.farm.manifest, { ...l, connect: { ...l.connect, sni: fixture.farm.manifest.hostname } });
    assert.deepEqual(right, { code: null, status: 200 });
    const [other] = await servedChain('cert-sni-mismatch', ['-servername', 'elsewhere.example']);
    assert.match(other!.subjectAltName ?? '', /sni-default\.badorigin\.invalid/);
  });

  test('cert-cn-only has the hostname as CN and no SAN; cert-weak-key is RSA-1024; cert-sha1-signature is SHA-1 signed', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const [cnOnly] = await servedChain('cert-cn-only');
    assert.equal(cnOnly!.subjectAltName, undefined);
    assert.match(cnOnly!.subject, new RegExp(`CN=${fixture.farm.manifest.hostname}`));
    const [weak] = await servedChain('cert-weak-key');
    assert.equal(weak!.publicKey.asymmetricKeyDetails?.modulusLength, 1024);
    const sha1 = await runClient(['openssl', 'x509', '-noout', '-text'], 5000, (await servedChain('cert-sha1-signature'))[0]!.toString());
    assert.match(sha1.stdout, /Signature Algorithm: sha1WithRSAEncryption/);
  });

  test('tls-ok answers 200 naming the listener in X-Badorigin-Scenario', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const argv = curlArgs(fixture.farm.manifest, listener('tls-ok')).map((a) => (a === '/dev/null' ? '-' : a));
    const result = await runClient([...argv, '-D', '-']);
    assert.equal(result.exit, 0);
    assert.match(result.stdout, /^x-badorigin-scenario: tls-ok\r?$/im);
  });
});
