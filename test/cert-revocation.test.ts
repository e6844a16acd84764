import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { curlArgs, opensslArgs } from '../src/client-commands.js';
import { runClient } from '../src/clients/run-client.js';
import { FarmError } from '../src/errors.js';
import { startFarm, type Farm } from '../src/farm.js';
import type { ManifestListener } from '../src/manifest.js';
import { Pki } from '../src/pki/index.js';
import { tempDir } from './helpers/farm.js';
import { requireTool } from './helpers/tools.js';

const IDS = [
  'cert-revoked-ocsp-stapled',
  'cert-must-staple-no-staple',
  'cert-ocsp-stapled-expired',
  'cert-revoked-crl',
  'revocation-responder',
];

// The leaves name the responder's URL only on a fixed base port: a random one outside the ephemeral range, tried anew
// (a bounded number of times) when another process holds one of its ports.
async function startOnFixedPorts(certsDir: string): Promise<Farm> {
  for (let attempt = 0; ; attempt++) {
    const basePort = 20_000 + Math.floor(Math.random() * 9_000);
    try {
      return await startFarm({ basePort, certsDir, only: IDS, controlPort: null, logLevel: 'silent' });
    } catch (error) {
      if (!(error instanceof FarmError) || attempt === 4) throw error;
    }
  }
}

describe('revocation: stapled OCSP, must-staple, a stale staple and a CRL, observed by openssl, curl, Node', () => {
  const certs = tempDir();
  let farm: Farm;
  const l = (id: string): ManifestListener => farm.manifest.listeners.find((x) => x.id === id)!;
  const file = (name: string, content: string | Buffer) => {
    const path = join(certs.dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** The leaf a listener serves, as openssl s_client receives it. */
  async function servedLeaf(id: string): Promise<X509Certificate> {
    const result = await runClient([...opensslArgs(farm.manifest, l(id)), '-showcerts']);
    return new X509Certificate(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(result.stdout)![0]);
  }
  const responder = () => `http://${farm.manifest.hostname}:${l('revocation-responder').port}`;

  before(async () => {
    farm = await startOnFixedPorts(certs.dir);
  });
  after(async () => {
    await farm?.close();
    certs.remove();
  });

  test('openssl s_client -status prints the staple: revoked, good with a past Next Update, or none for the must-staple leaf', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const status = async (id: string) => {
      const result = await runClient([...opensslArgs(farm.manifest, l(id)), '-status']);
      return result.stdout + result.stderr;
    };
    const revoked = await status('cert-revoked-ocsp-stapled');
    assert.match(revoked, /^ {4}Cert Status: revoked$/m);
    assert.match(revoked, /Revocation Reason: keyCompromise \(0x1\)/);
    assert.match(revoked, /Verify return code: 0 \(ok\)/, 's_client does not act on the staple');
    const stale = await status('cert-ocsp-stapled-expired');
    assert.match(stale, /^ {4}Cert Status: good$/m);
    const nextUpdate = Date.parse(/Next Update: (.+)/.exec(stale)![1]!);
    assert.ok(nextUpdate < Date.now() - 2 * 86_400_000, `Next Update ${new Date(nextUpdate).toISOString()} is not days past`);
    assert.match(await status('cert-must-staple-no-staple'), /OCSP response: no response sent/);
  });

  test('curl --cert-status: exit 91 for the revoked staple and for none; the stale staple passes', async (t) => {
    if (!requireTool(t, 'curl')) return;
    const curl = (id: string) => runClient([...curlArgs(farm.manifest, l(id)), '--cert-status']);
    const revoked = await curl('cert-revoked-ocsp-stapled');
    assert.equal(revoked.exit, 91, revoked.stderr);
    assert.match(revoked.stderr, /SSL certificate revocation reason: keyCompromise/);
    const none = await curl('cert-must-staple-no-staple');
    assert.equal(none.exit, 91, none.stderr);
    assert.match(none.stderr, /No OCSP response received/);
    const stale = await curl('cert-ocsp-stapled-expired');
    assert.deepEqual([stale.exit, stale.stdout.trim()], [0, '200'], stale.stderr);
  });

  test("Node's tls.connect with requestOCSP gets the revoked staple in 'OCSPResponse' and completes the handshake", async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const listener = l('cert-revoked-ocsp-stapled');
    const staple = await new Promise<Buffer>((resolve, reject) => {
      let response: Buffer | undefined;
      // tls.connect hands requestOCSP to the TLSSocket it makes (documented there), which @types/node leaves out of ConnectionOptions.
      const options: ConnectionOptions & { requestOCSP: boolean } = {
        host: '127.0.0.1',
        port: listener.port,
        servername: listener.connect.sni!,
        ca: farm.rootCaPem,
        requestOCSP: true,
      };
      const socket = connect(options);
      socket.setTimeout(5_000, () => socket.destroy(new Error('no handshake in 5 s')));
      socket.once('OCSPResponse', (der: Buffer) => (response = der));
      socket.once('secureConnect', () => {
        socket.end();
        if (response) resolve(response);
        else reject(new Error('handshake done without an OCSPResponse event'));
      });
      socket.once('error', reject);
    });
    const text = await runClient(['openssl', 'ocsp', '-respin', file('staple.der', staple), '-resp_text', '-noverify']);
    assert.match(text.stdout, /Cert Status: revoked/);
  });

  test('the CRL leaf names the responder; openssl verify -crl_check with the CRL fetched from there refuses it (error 23)', async (t) => {
    if (!requireTool(t, 'openssl') || !requireTool(t, 'curl')) return;
    const leaf = await servedLeaf('cert-revoked-crl');
    const crlUrl = `${responder()}/crl/farm-intermediate.crl`;
    assert.equal(leaf.infoAccess, undefined, 'the CRL leaf names no OCSP responder');
    const text = await runClient(['openssl', 'x509', '-noout', '-ext', 'crlDistributionPoints'], 5_000, leaf.toString());
    assert.match(text.stdout, new RegExp(`URI:${crlUrl.replaceAll('.', '\\.')}$`, 'm'));
    const crlDer = join(certs.dir, 'farm-intermediate.crl');
    const fetched = await runClient(['curl', '-sS', '--max-time', '5', '-o', crlDer, '-w', '%{http_code} %{content_type}', crlUrl]);
    assert.equal(fetched.stdout, '200 application/pkix-crl', fetched.stderr);
    const crlPem = file('crl.pem', (await runClient(['openssl', 'crl', '-inform', 'DER', '-in', crlDer])).stdout);
    const cas = file('cas.pem', farm.rootCaPem + (await servedIntermediate()));
    const verify = (leafPem: string) =>
      runClient(['openssl', 'verify', '-crl_check', '-CAfile', cas, '-CRLfile', crlPem, file('leaf.pem', leafPem)]);
    const refused = await verify(leaf.toString());
    assert.equal(refused.exit, 2, refused.stdout + refused.stderr);
    assert.match(refused.stdout + refused.stderr, /error 23 at 0 depth lookup: certificate revoked/);
    // A leaf of the same CA that is not on the CRL passes the same check.
    const good = await verify((await servedLeaf('cert-ocsp-stapled-expired')).toString());
    assert.equal(good.exit, 0, good.stdout + good.stderr);
  });

  async function servedIntermediate(): Promise<string> {
    const result = await runClient([...opensslArgs(farm.manifest, l('cert-revoked-crl')), '-showcerts']);
    return [...result.stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g)][1]![0];
  }

  test('openssl ocsp asks the URL in the leaf (POST) and curl GETs /ocsp/<base64>: revoked, good, signed by the CA', async (t) => {
    if (!requireTool(t, 'openssl') || !requireTool(t, 'curl')) return;
    const issuer = file('intermediate.pem', await servedIntermediate());
    const cas = file('cas-ocsp.pem', farm.rootCaPem + readFileSync(issuer, 'utf8'));
    const ask = async (id: string) => {
      const leaf = await servedLeaf(id);
      assert.equal(leaf.infoAccess?.trim(), `OCSP - URI:${responder()}/ocsp`);
      const leafFile = file(`${id}.pem`, leaf.toString());
      const url = /URI:(\S+)/.exec(leaf.infoAccess!)![1]!;
      return runClient([
        'openssl',
        'ocsp',
        '-issuer',
        issuer,
        '-cert',
        leafFile,
        '-url',
        url,
        '-CAfile',
        cas,
        '-reqout',
        file('req.der', ''),
      ]);
    };
    const revoked = await ask('cert-revoked-ocsp-stapled');
    assert.match(revoked.stdout, /: revoked$/m, revoked.stdout + revoked.stderr);
    assert.match(revoked.stderr, /Response verify OK/);
    const good = await ask('cert-must-staple-no-staple');
    assert.match(good.stdout, /: good$/m, good.stdout + good.stderr);
    // The same request again, in a GET (RFC 6960 Appendix A.1).
    await ask('cert-revoked-ocsp-stapled');
    const request = encodeURIComponent((await runClient(['base64', '-w0', join(certs.dir, 'req.der')])).stdout);
    const got = await runClient(['curl', '-sS', '--max-time', '5', '-o', join(certs.dir, 'get.der'), `${responder()}/ocsp/${request}`]);
    assert.equal(got.exit, 0, got.stderr);
    const text = await runClient(['openssl', 'ocsp', '-respin', join(certs.dir, 'get.der'), '-resp_text', '-noverify']);
    assert.match(text.stdout, /Cert Status: revoked/);
  });

  test('bad input to the responder gets a clear answer and the farm goes on', async (t) => {
    if (!requireTool(t, 'curl') || !requireTool(t, 'openssl')) return;
    const post = (bytes: string) =>
      runClient(
        [
          'curl',
          '-sS',
          '--max-time',
          '5',
          '-o',
          join(certs.dir, 'bad.der'),
          '-w',
          '%{http_code}',
          '--data-binary',
          '@-',
          `${responder()}/ocsp`,
        ],
        8_000,
        bytes,
      );
    assert.equal((await post('not an OCSP request')).stdout, '200');
    const text = await runClient(['openssl', 'ocsp', '-respin', join(certs.dir, 'bad.der'), '-resp_text', '-noverify']);
    assert.match(text.stdout + text.stderr, /Responder Error: malformedrequest \(1\)/);
    assert.equal((await post('x'.repeat(20_000))).stdout, '413');
    const statusOf = async (path: string) =>
      (await runClient(['curl', '-sS', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', `${responder()}${path}`])).stdout;
    assert.equal(await statusOf('/crl/nobody.crl'), '404');
    assert.equal(await statusOf('/crl/farm-intermediate.crl'), '200');
  });

  test('the leaves are cached across runs with the same responder URL and issued anew when it changes', async () => {
    const spec = { issuer: 'farm-intermediate' as const, revocation: { revoked: true, crl: true } };
    const open = (responderUrl: string | null) =>
      Pki.open({ certsDir: certs.dir, hostnames: farm.settings.hostnames, ips: farm.settings.ips, responderUrl }, [spec]);
    const served = (await servedLeaf('cert-revoked-crl')).serialNumber;
    const same = (await open(responder())).chain(spec).leaf;
    assert.equal(same.serialNumber, served, 'the same settings serve the cached leaf');
    const moved = (await open('http://elsewhere.badorigin.invalid:1')).chain(spec).leaf;
    assert.notEqual(moved.serialNumber, served);
    assert.ok(moved.raw.includes('http://elsewhere.badorigin.invalid:1/crl/farm-intermediate.crl'));
    const none = (await open(null)).chain(spec).leaf;
    assert.ok(!none.raw.includes('/crl/'), 'without a responder URL the leaf names no CRL');
  });
});
