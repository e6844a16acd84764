import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import forge from 'node-forge';
import { Rc4 } from '../src/tls/legacy/rc4.js';
import { keyBlock, masterSecret, pHash, prfTls10, prfTls12, transcriptHash } from '../src/tls/legacy/prf.js';
import { StreamCipherState } from '../src/tls/legacy/cipher-state.js';
import { chooseVersion } from '../src/tls/legacy/suites.js';
import { HandshakeReader, RecordReader, alertRecord } from '../src/tls/records.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('legacy TLS record layer: RC4 (RFC 6229 test vectors)', () => {
  // RFC 6229 §2, "Key length: 40 bits" and "Key length: 128 bits", keystream at offsets 0 and 16.
  for (const [key, expected] of [
    ['0102030405', 'b2396305f03dc027ccc3524a0a1118a8 6982944f18fc82d589c403a47a0d0919'],
    ['0102030405060708090a0b0c0d0e0f10', '9ac7cc9a609d1ef7b2932899cde41b97 5248c4959014126a6e8a84f11d1a9e1c'],
  ] as const) {
    test(`key ${key}: keystream bytes 0-31`, () => {
      assert.equal(new Rc4(hex(key)).update(Buffer.alloc(32)).toString('hex'), hex(expected).toString('hex'));
    });
  }

  test('the keystream state carries across update calls (one call of 4112 bytes equals two)', () => {
    const rc4 = new Rc4(hex('0102030405060708090a0b0c0d0e0f10'));
    const stream = Buffer.concat([rc4.update(Buffer.alloc(100)), rc4.update(Buffer.alloc(4112 - 100))]);
    assert.deepEqual(new Rc4(hex('0102030405060708090a0b0c0d0e0f10')).update(Buffer.alloc(4112)), stream);
  });

  test('the classic "Key"/"Plaintext" pair encrypts to BBF316E8D940AF0AD3 and decrypts back', () => {
    const ciphertext = new Rc4(Buffer.from('Key')).update(Buffer.from('Plaintext'));
    assert.equal(ciphertext.toString('hex').toUpperCase(), 'BBF316E8D940AF0AD3');
    assert.equal(new Rc4(Buffer.from('Key')).update(ciphertext).toString(), 'Plaintext');
  });

  test('rejects empty and over-long keys', () => {
    assert.throws(() => new Rc4(Buffer.alloc(0)), RangeError);
    assert.throws(() => new Rc4(Buffer.alloc(257)), RangeError);
  });
});

describe('legacy TLS record layer: PRF', () => {
  test('TLS 1.2 PRF (P_SHA256): the test vector posted to the IETF TLS list (mail-archive/web/tls/current/msg03416.html)', () => {
    const out = prfTls12(hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    assert.equal(
      out.toString('hex'),
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  test('TLS 1.0/1.1 PRF (P_MD5 XOR P_SHA1) equals node-forge prf_TLS1, an independent implementation, for odd and even secrets', () => {
    for (const [secretLength, length] of [
      [48, 104],
      [47, 13],
      [1, 64],
      [0, 20],
    ] as const) {
      const secret = createHash('sha512').update(`secret ${secretLength}`).digest().subarray(0, secretLength);
      const seed = createHash('sha256').update(`seed ${secretLength}`).digest();
      const ours = prfTls10(secret, 'key expansion', seed, length);
      const theirs = Buffer.from(
        (forge as unknown as { tls: { prf_tls1(s: string, l: string, seed: string, n: number): forge.util.ByteStringBuffer } }).tls
          .prf_tls1(secret.toString('binary'), 'key expansion', seed.toString('binary'), length)
          .getBytes(),
        'binary',
      );
      assert.equal(ours.toString('hex'), theirs.toString('hex'), `secret of ${secretLength} bytes`);
    }
  });

  test('P_hash gives any length as a prefix of a longer output', () => {
    const long = pHash('sha256', Buffer.from('k'), Buffer.from('s'), 200);
    assert.deepEqual(pHash('sha256', Buffer.from('k'), Buffer.from('s'), 33), long.subarray(0, 33));
  });

  test('master secret and key block have the RFC 5246 sizes; transcript hash is 36 bytes before TLS 1.2, 32 in it', () => {
    const master = masterSecret(0x0303, Buffer.alloc(48, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3));
    assert.equal(master.length, 48);
    const keys = keyBlock(0x0303, master, Buffer.alloc(32, 2), Buffer.alloc(32, 3), 20, 16);
    assert.deepEqual([keys.clientMac.length, keys.serverMac.length, keys.clientKey.length, keys.serverKey.length], [20, 20, 16, 16]);
    assert.equal(transcriptHash(0x0301, [Buffer.from('x')]).length, 36);
    assert.equal(transcriptHash(0x0303, [Buffer.from('x')]).length, 32);
  });
});

describe('legacy TLS record layer: record protection and framing', () => {
  test('RC4-SHA record protection round-trips, and a flipped bit fails the MAC', () => {
    const macKey = Buffer.alloc(20, 9);
    const key = Buffer.alloc(16, 7);
    const sender = new StreamCipherState('sha1', macKey, key);
    const receiver = new StreamCipherState('sha1', macKey, key);
    for (const text of ['GET / HTTP/1.1\r\n\r\n', '', 'x'.repeat(16_384)]) {
      const sealed = sender.seal(23, 0x0303, Buffer.from(text));
      assert.equal(sealed.length, text.length + 20);
      assert.equal(receiver.open(23, 0x0303, sealed)?.toString(), text);
    }
    const sealed = sender.seal(23, 0x0303, Buffer.from('hello'));
    sealed[0]! ^= 1;
    assert.equal(receiver.open(23, 0x0303, sealed), null);
    assert.equal(new StreamCipherState('md5', Buffer.alloc(16), key).open(23, 0x0303, Buffer.alloc(10)), null, 'shorter than a MAC');
  });

  test('RecordReader frames records across chunk boundaries and refuses non-TLS and oversized records', () => {
    const reader = new RecordReader();
    const record = alertRecord(80, 0x0301);
    assert.deepEqual(reader.feed(record.subarray(0, 3)).records, []);
    const fed = reader.feed(Buffer.concat([record.subarray(3), record]));
    assert.equal(fed.records.length, 2);
    assert.deepEqual(fed.records[0]!.fragment, Buffer.from([2, 80]));
    assert.equal(new RecordReader().feed(Buffer.from('GET / HTTP/1.1\r\n')).error?.alert, 10);
    assert.equal(new RecordReader().feed(Buffer.from([22, 3, 1, 0xff, 0xff])).error?.alert, 22);
    assert.equal(new RecordReader().feed(Buffer.from([22, 4, 1, 0, 1, 0])).error?.alert, 70);
  });

  test('HandshakeReader joins a message split over fragments and refuses huge lengths', () => {
    const reader = new HandshakeReader();
    assert.deepEqual(reader.feed(Buffer.from([14, 0])).messages, []);
    assert.equal(reader.pending, true);
    const done = reader.feed(Buffer.from([0, 0]));
    assert.equal(done.messages[0]!.type, 14);
    assert.equal(new HandshakeReader().feed(Buffer.from([1, 0xff, 0xff, 0xff])).error?.alert, 47);
  });
});

describe('legacy TLS: version choice (RFC 5246 Appendix E.1, RFC 8446 §4.2.1)', () => {
  test('without supported_versions every version up to client_version is offered; with it, exactly the list', () => {
    assert.equal(chooseVersion({ version: 0x0303, supportedVersions: [] }, [0x0300]), 0x0300);
    assert.equal(chooseVersion({ version: 0x0303, supportedVersions: [0x0304, 0x0303] }, [0x0300]), null);
    assert.equal(chooseVersion({ version: 0x0303, supportedVersions: [0x0304, 0x0303] }, [0x0301, 0x0302, 0x0303]), 0x0303);
    assert.equal(chooseVersion({ version: 0x0301, supportedVersions: [] }, [0x0301, 0x0302, 0x0303]), 0x0301);
    assert.equal(chooseVersion({ version: 0x0300, supportedVersions: [] }, [0x0301]), null);
  });
});
