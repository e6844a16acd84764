import assert from 'node:assert/strict';
import { getDiffieHellman } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { curlArgs, opensslArgs } from '../src/client-commands.js';
import { nodeRequest, type NodeObservation } from '../src/clients/node-client.js';
import { runClient, type ProcessResult } from '../src/clients/run-client.js';
import { useFarm } from './helpers/farm.js';
import { loadCatalogue } from '../src/catalogue.js';
import { matchesNodeExpectation } from '../src/probe.js';
import { gnutlsArgs } from './helpers/matrix.js';
import { requireTool } from './helpers/tools.js';
import { MODP1024_PRIME_HEX, dhParamsPem } from '../src/listeners/tls.js';

// Issue 4: every protocol scenario, observed by Node, curl, openssl s_client and gnutls-cli.
// The handshake faults at offsets 206-209 (a stall among them, which every client waits out) have their own file,
// test/tls-handshakes.test.ts.
const OWN_FILE = ['tls-handshake-stall', 'tls-sni-required', 'tls-renegotiation-request', 'tls-record-overflow'];
const protocolIds = loadCatalogue()
  .filter((entry) => entry.scenario.family === 'protocol' && !OWN_FILE.includes(entry.scenario.id))
  .map((entry) => entry.scenario.id);

/**
 * Client arguments the reference commands need for one scenario: in TLS 1.3 client-cert-required's alert comes after
 * the client's Finished, and s_client with stdin closed may quit before reading it, so it is told to wait for the
 * server (-ign_eof), as a CDN waiting for its response does (see that scenario's expect.openssl.note).
 */
const OPENSSL_EXTRA: Record<string, string[]> = { 'client-cert-required': ['-ign_eof'] };

/** Checks a client's exit code, alert number and texts against an expectation from the manifest. */
function assertClient(
  result: { exit: number | null; stdout: string; stderr: string },
  expected: { exit?: number; alert?: number; output?: string[] },
  alertText: (n: number) => string,
): void {
  const output = result.stdout + result.stderr;
  assert.equal(result.exit, expected.exit, output);
  if (expected.alert !== undefined)
    assert.ok(output.includes(alertText(expected.alert)), `no "${alertText(expected.alert)}" in:\n${output}`);
  for (const text of expected.output ?? []) assert.ok(output.includes(text), `no ${JSON.stringify(text)} in:\n${output}`);
}

const HTTP_GET = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n';

describe('protocol scenarios, observed by Node, curl, openssl s_client and gnutls-cli', () => {
  const fixture = useFarm({ only: protocolIds });
  const listener = fixture.listener;

  test('the catalogue has every protocol scenario, in offsets 20-39', () => {
    for (const id of [
      'tls10-only',
      'tls10-only-rsa',
      'tls11-only',
      'tls13-only',
      'sslv3-only',
      'rc4-only',
      'plaintext-on-tls',
      'tls-alert-internal-error',
      'tls-alert-handshake-failure',
      'client-cert-required',
      'dh-weak',
    ]) {
      assert.ok(protocolIds.includes(id), `missing scenario ${id}`);
    }
    for (const entry of loadCatalogue().filter((e) => protocolIds.includes(e.scenario.id))) {
      assert.ok(entry.scenario.offset >= 20 && entry.scenario.offset <= 39, `${entry.scenario.id}: offset ${entry.scenario.offset}`);
      assert.ok(
        entry.scenario.expect.openssl?.exit !== undefined && entry.scenario.expect.gnutls,
        `${entry.scenario.id} has no openssl/gnutls expectation in its manifest entry`,
      );
    }
  });

  for (const id of protocolIds) {
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
        assert.ok(
          [l.expect.curl!.exit].flat().includes(result.exit!),
          `expected exit ${JSON.stringify(l.expect.curl!.exit)}, got ${result.exit}: ${result.stderr}`,
        );
        if (result.exit === 0) assert.equal(result.stdout.trim(), '200');
      });

      test('openssl s_client sees expect.openssl', async (t) => {
        if (!requireTool(t, 'openssl')) return;
        const result = await runClient([...opensslArgs(fixture.farm.manifest, listener(id)), ...(OPENSSL_EXTRA[id] ?? [])]);
        assertClient(result, listener(id).expect.openssl!, (n) => `SSL alert number ${n}`);
      });

      test('gnutls-cli sees expect.gnutls', async (t) => {
        if (!requireTool(t, 'gnutls-cli')) return;
        const result = await runClient(gnutlsArgs(fixture.farm.manifest, listener(id)));
        assertClient(result, listener(id).expect.gnutls!, (n) => `Received alert [${n}]`);
      });
    });
  }

  // --- What the table above cannot show ---

  async function gnutlsGet(id: string, priority: string): Promise<ProcessResult> {
    const argv = gnutlsArgs(fixture.farm.manifest, listener(id));
    return runClient([argv[0]!, `--priority=${priority}`, ...argv.slice(1)], 8000, HTTP_GET);
  }

  test('rc4-only: gnutls-cli with ARCFOUR-128 completes TLS 1.2 ECDHE-RSA-RC4-SHA and reads the 200', async (t) => {
    if (!requireTool(t, 'gnutls-cli')) return;
    const result = await gnutlsGet('rc4-only', 'NORMAL:+ARCFOUR-128');
    const output = result.stdout + result.stderr;
    assert.match(output, /Description: \(TLS1\.2-X\.509\)-\(ECDHE-SECP256R1\)-\(RSA-SHA256\)-\(ARCFOUR-128\)-\(SHA1\)/, output);
    assert.match(output, /HTTP\/1\.1 200 OK/);
    assert.match(output, /x-badorigin-scenario: rc4-only/i);
    assert.match(output, /badorigin rc4-only: you got through/);
    // The legacy engine reports what it sent as the ledger draws it: version, the suite's IANA name, the chain.
    const [attempt] = fixture.farm.attempts('rc4-only', { limit: 1 })!;
    assert.equal(attempt!.serverHello?.version, 'TLSv1.2', JSON.stringify(attempt));
    assert.equal(attempt!.serverHello?.cipher, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA');
    assert.equal(attempt!.serverHello?.chain.certificates[0]?.subject, 'localhost');
  });

  for (const [label, priority, description] of [
    ['TLS 1.2 static RSA', 'NORMAL:+ARCFOUR-128:-ECDHE-RSA:-ECDHE-ECDSA', /\(TLS1\.2-X\.509\)-\(RSA\)-\(ARCFOUR-128\)-\(SHA1\)/],
    [
      'TLS 1.1 static RSA',
      'NORMAL:+ARCFOUR-128:-VERS-TLS-ALL:+VERS-TLS1.1:-ECDHE-RSA:-ECDHE-ECDSA',
      /\(TLS1\.1-X\.509\)-\(RSA\)-\(ARCFOUR-128\)-\(SHA1\)/,
    ],
    ['TLS 1.0 ECDHE', 'NORMAL:+ARCFOUR-128:-VERS-TLS-ALL:+VERS-TLS1.0', /\(TLS1\.0-X\.509\)-\(ECDHE-SECP256R1\)-\(ARCFOUR-128\)-\(SHA1\)/],
    [
      'TLS 1.2 RSA with HMAC-MD5',
      'NORMAL:+ARCFOUR-128:+MD5:-SHA1:-SHA256:-SHA384:-AEAD:-ECDHE-RSA:-ECDHE-ECDSA',
      /\(TLS1\.2-X\.509\)-\(RSA\)-\(ARCFOUR-128\)-\(MD5\)/,
    ],
  ] as const) {
    test(`rc4-only: gnutls-cli completes ${label} and reads the 200`, async (t) => {
      if (!requireTool(t, 'gnutls-cli')) return;
      const result = await gnutlsGet('rc4-only', priority);
      const output = result.stdout + result.stderr;
      assert.match(output, description, output);
      assert.match(output, /HTTP\/1\.1 200 OK/);
    });
  }

  test('tls10-only: openssl s_client -tls1 -cipher DEFAULT@SECLEVEL=0 completes; the default client does not', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const argv = opensslArgs(fixture.farm.manifest, listener('tls10-only'));
    const legacy = await runClient([...argv, '-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    assert.equal(legacy.exit, 0, legacy.stdout + legacy.stderr);
    assert.match(legacy.stdout, /Protocol\s*: TLSv1\n[\s\S]*Cipher\s*: ECDHE-RSA-AES(128|256)-SHA/);
    const byDefault = await runClient(argv);
    assert.equal(byDefault.exit, 1);
    const tls11 = await runClient([
      ...opensslArgs(fixture.farm.manifest, listener('tls11-only')),
      '-tls1_1',
      '-cipher',
      'DEFAULT@SECLEVEL=0',
    ]);
    assert.equal(tls11.exit, 0, tls11.stdout + tls11.stderr);
  });

  function nodeWith(id: string, options: { maxVersion?: 'TLSv1.2'; minDHSize?: number }): Promise<NodeObservation> {
    const l = listener(id);
    return new Promise((resolve) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: l.port,
          servername: 'localhost',
          ca: readFileSync(l.connect.caFile!, 'utf8'),
          agent: false,
          timeout: 5000,
          ...options,
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ code: null, status: response.statusCode }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code ?? 'ERROR', message: error.message }));
      req.end();
    });
  }

  test('tls13-only: every client capped at TLS 1.2 gets alert 70', async (t) => {
    const node = await nodeWith('tls13-only', { maxVersion: 'TLSv1.2' });
    assert.equal(node.code, 'EPROTO');
    assert.match(node.message!, /alert protocol version[\s\S]*SSL alert number 70/);
    if (requireTool(t, 'curl')) {
      const curl = await runClient([...curlArgs(fixture.farm.manifest, listener('tls13-only')), '--tls-max', '1.2']);
      assert.equal(curl.exit, 35, curl.stderr);
      assert.match(curl.stderr, /alert protocol version/);
    }
    if (requireTool(t, 'openssl')) {
      const openssl = await runClient([...opensslArgs(fixture.farm.manifest, listener('tls13-only')), '-tls1_2']);
      assert.match(openssl.stdout + openssl.stderr, /SSL alert number 70/);
    }
    if (requireTool(t, 'gnutls-cli')) {
      const gnutls = await gnutlsGet('tls13-only', 'NORMAL:-VERS-TLS1.3');
      assert.match(gnutls.stdout + gnutls.stderr, /Received alert \[70\]/);
    }
  });

  test('client-cert-required: TLS 1.2 clients get alert 40, and the request names the unknown CA', async (t) => {
    if (!requireTool(t, 'openssl')) return;
    const result = await runClient([...opensslArgs(fixture.farm.manifest, listener('client-cert-required')), '-tls1_2']);
    const output = result.stdout + result.stderr;
    assert.match(output, /SSL alert number 40/);
    assert.match(output, /Acceptable client certificate CA names\n.*badorigin unknown root CA/);
    const node = await nodeWith('client-cert-required', { maxVersion: 'TLSv1.2' });
    assert.match(node.message ?? '', /alert handshake failure/);
  });

  test('dh-weak: the server key exchange uses a 1024-bit group, which Node refuses with minDHSize 2048', async () => {
    const node = await nodeWith('dh-weak', { minDHSize: 2048 });
    assert.equal(node.code, 'ERR_TLS_DH_PARAM_SIZE');
    assert.match(node.message!, /1024/);
  });

  /**
   * Opens a raw TCP connection, writes `bytes`, and resolves with everything the listener sent until it closed (or
   * until `enough(data)` says so, then closes itself).
   */
  function exchange(
    port: number,
    bytes: Buffer,
    timeoutMs = 5000,
    enough?: (data: Buffer) => boolean,
  ): Promise<{ data: Buffer; ms: number }> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const socket: Socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('hex')}`));
      }, timeoutMs);
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        if (enough?.(Buffer.concat(chunks))) socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ data: Buffer.concat(chunks), ms: performance.now() - started });
      });
    });
  }

  test('plaintext-on-tls answers a ClientHello with 400 at once', async () => {
    const { data, ms } = await exchange(listener('plaintext-on-tls').port, TLS12_CLIENT_HELLO());
    assert.match(data.toString('latin1'), /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(ms < 2000, `answered after ${ms} ms`);
  });

  test('the alert listeners send exactly one fatal alert record and close', async () => {
    const internal = await exchange(listener('tls-alert-internal-error').port, TLS12_CLIENT_HELLO());
    assert.equal(internal.data.toString('hex'), '15030100020250');
    const failure = await exchange(listener('tls-alert-handshake-failure').port, TLS12_CLIENT_HELLO());
    assert.equal(failure.data.toString('hex'), '15030100020228');
  });

  test('sslv3-only answers an SSL 3.0 ClientHello with ServerHello 3.0, Certificate and ServerHelloDone', async () => {
    // ServerHelloDone is the 4 bytes 0e 00 00 00 at the end of the flight.
    const { data } = await exchange(listener('sslv3-only').port, SSL3_CLIENT_HELLO(), 5000, (d) =>
      d.subarray(-4).equals(Buffer.from('0e000000', 'hex')),
    );
    // The first record is a handshake record of version 3.0 holding ServerHello (2) with server_version 3.0.
    assert.equal(data[0], 22);
    assert.equal(data.readUInt16BE(1), 0x0300);
    assert.equal(data[5], 2);
    assert.equal(data.readUInt16BE(9), 0x0300);
    const types: number[] = [];
    const handshake = Buffer.concat(
      records(data)
        .filter((r) => r.type === 22)
        .map((r) => r.fragment),
    );
    for (let offset = 0; offset + 4 <= handshake.length; offset += 4 + handshake.readUIntBE(offset + 1, 3)) types.push(handshake[offset]!);
    assert.deepEqual(types, [2, 11, 14]);
    // ServerHello cipher_suite (after version, random, empty session_id) is TLS_RSA_WITH_RC4_128_SHA.
    assert.equal(handshake.readUInt16BE(4 + 2 + 32 + 1), 0x0005);
  });

  test('a ClientHello whose supported_versions lacks SSL 3.0 gets alert 70 from sslv3-only, in an SSL 3.0 record', async () => {
    const { data } = await exchange(listener('sslv3-only').port, TLS13_CLIENT_HELLO());
    assert.equal(data.toString('hex'), '15030000020246');
  });
});

/** Splits bytes into records (for the assertions above). */
function records(data: Buffer): { type: number; fragment: Buffer }[] {
  const out: { type: number; fragment: Buffer }[] = [];
  for (let offset = 0; offset + 5 <= data.length; ) {
    const length = data.readUInt16BE(offset + 3);
    out.push({ type: data[offset]!, fragment: data.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return out;
}

/** A minimal ClientHello record: the given version, suites, and optional extensions. */
function clientHelloRecord(version: number, suites: number[], extensions: Buffer = Buffer.alloc(0), recordVersion = 0x0301): Buffer {
  const suiteBytes = Buffer.alloc(suites.length * 2);
  suites.forEach((s, i) => suiteBytes.writeUInt16BE(s, i * 2));
  const body = Buffer.concat([
    Buffer.from([version >> 8, version & 0xff]),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    Buffer.from([suiteBytes.length >> 8, suiteBytes.length & 0xff]),
    suiteBytes,
    Buffer.from([1, 0]),
    ...(extensions.length ? [Buffer.from([extensions.length >> 8, extensions.length & 0xff]), extensions] : []),
  ]);
  const message = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, recordVersion >> 8, recordVersion & 0xff, message.length >> 8, message.length & 0xff]), message]);
}

function TLS12_CLIENT_HELLO(): Buffer {
  // supported_groups [23], ec_point_formats [0], signature_algorithms [0x0401], renegotiation_info (empty).
  const ext = Buffer.from('000a000400020017' + '000b00020100' + '000d000400020401' + 'ff01000100', 'hex');
  return clientHelloRecord(0x0303, [0xc02f, 0x009c, 0x002f, 0x00ff], ext);
}

function TLS13_CLIENT_HELLO(): Buffer {
  // As TLS12_CLIENT_HELLO, plus supported_versions [TLS 1.3, TLS 1.2] and the RC4 suite sslv3-only serves.
  const ext = Buffer.from('000a000400020017' + '000b00020100' + '000d000400020401' + 'ff01000100' + '002b00050403040303', 'hex');
  return clientHelloRecord(0x0303, [0x1301, 0xc02f, 0x0005], ext);
}

function SSL3_CLIENT_HELLO(): Buffer {
  return clientHelloRecord(0x0300, [0x0005, 0x0004, 0x000a], Buffer.alloc(0), 0x0300);
}

test("dh-weak: the DH parameters carry exactly RFC 2409 §6.2 (Node's modp2) prime and generator 2", () => {
  const [prime, generator] = dhParamsIntegers();
  assert.equal(MODP1024_PRIME_HEX, getDiffieHellman('modp2').getPrime('hex'));
  assert.equal(prime!.toString('hex'), MODP1024_PRIME_HEX);
  assert.equal(generator!.toString('hex'), '02');
});

/** The INTEGERs of the PEM `dhParamsPem` writes (DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER }), read back from its DER. */
function dhParamsIntegers(): Buffer[] {
  const der = Buffer.from(dhParamsPem('modp1024').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const lengthAt = (at: number): [length: number, headerBytes: number] => {
    const first = der[at]!;
    if (!(first & 0x80)) return [first, 1];
    const n = first & 0x7f;
    return [der.readUIntBE(at + 1, n), 1 + n];
  };
  assert.equal(der[0], 0x30, 'a SEQUENCE');
  const [sequenceLength, sequenceHeader] = lengthAt(1);
  assert.equal(1 + sequenceHeader + sequenceLength, der.length);
  const integers: Buffer[] = [];
  for (let i = 1 + sequenceHeader; i < der.length; ) {
    assert.equal(der[i], 0x02, 'an INTEGER');
    const [length, header] = lengthAt(i + 1);
    const body = der.subarray(i + 1 + header, i + 1 + header + length);
    integers.push(body[0] === 0 ? body.subarray(1) : body);
    i += 1 + header + length;
  }
  assert.equal(integers.length, 2);
  return integers;
}
