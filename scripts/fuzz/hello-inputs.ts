import { EXT, SCSV, type ClientExtension } from '../../src/tls/client-hello.js';
import { deliver, type FuzzInput } from './input.js';
import type { Rng } from './random.js';
import type { SeedHello } from './hello-seeds.js';

// ClientHello inputs for the TLS and legacy-TLS listeners: real clients' hellos (scripts/fuzz/hellos.json) and
// synthetic legacy ones, mutated at three depths — the message's fields (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), its
// bytes and length fields, and its record framing (RFC 5246 §6.2.1, fragmentation and several records) — then cut
// into TCP writes.

/** A ClientHello as fields, serialised with correct lengths unless a mutation lies about them afterwards. */
export interface HelloModel {
  recordVersion: number;
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuites: number[];
  compressionMethods: number[];
  /** null: no extensions block at all (an SSLv3-style hello). */
  extensions: ClientExtension[] | null;
}

/** A length field inside a serialised handshake message: where it is and how many bytes it has. */
interface LengthField {
  offset: number;
  size: 1 | 2 | 3;
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);

/** A list of 16-bit values, big-endian, in one buffer (a ClientHello can carry 32,000 cipher suites). */
function u16s(values: number[]): Buffer {
  const out = Buffer.allocUnsafe(2 * values.length);
  values.forEach((v, i) => out.writeUInt16BE(v & 0xffff, 2 * i));
  return out;
}

/** Serialises a model into a handshake message (type 1, 24-bit length, body) and lists its length fields. */
export function serializeHello(m: HelloModel): { message: Buffer; fields: LengthField[] } {
  const parts: Buffer[] = [Buffer.from([1, 0, 0, 0]), u16(m.version), m.random];
  const fields: LengthField[] = [{ offset: 1, size: 3 }];
  let offset = 4 + 2 + m.random.length;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const vector = (size: 1 | 2, data: Buffer) => {
    fields.push({ offset, size });
    push(size === 1 ? Buffer.from([data.length & 0xff]) : u16(data.length));
    push(data);
  };
  vector(1, m.sessionId);
  vector(2, u16s(m.cipherSuites));
  vector(1, Buffer.from(m.compressionMethods));
  if (m.extensions) {
    const start = offset;
    fields.push({ offset, size: 2 });
    push(Buffer.alloc(2));
    for (const e of m.extensions) {
      push(u16(e.type));
      fields.push({ offset, size: 2 });
      push(u16(e.data.length));
      push(e.data);
    }
    parts[parts.length - 1 - 3 * m.extensions.length]!.writeUInt16BE((offset - start - 2) & 0xffff);
  }
  const message = Buffer.concat(parts);
  message.writeUIntBE((message.length - 4) & 0xffffff, 1, 3);
  return { message, fields };
}

/** One record (RFC 5246 §6.2.1): type, version, 16-bit length, fragment. */
export function record(type: number, version: number, fragment: Buffer, length = fragment.length): Buffer {
  return Buffer.concat([Buffer.from([type]), u16(version), u16(length & 0xffff), fragment]);
}

function modelOf(seed: SeedHello): HelloModel {
  const h = seed.hello;
  return {
    recordVersion: seed.recordVersion,
    version: h.version,
    random: h.random,
    sessionId: h.sessionId,
    cipherSuites: [...h.cipherSuites],
    compressionMethods: [...h.compressionMethods],
    extensions: h.extensions.map((e) => ({ type: e.type, data: e.data })),
  };
}

/** An SSLv3 or TLS 1.0 hello the way old clients sent it: no extensions, or only renegotiation_info. */
function legacyModel(rng: Rng): HelloModel {
  const version = rng.pick([0x0300, 0x0301, 0x0302]);
  const suites = rng.pick([[0x0004, 0x0005], [0x0005, 0x000a, 0x002f], [0x0035, 0x002f, 0x000a, SCSV.emptyRenegotiationInfo], [0x0004]]);
  const extensions = rng.chance(0.5) ? null : [{ type: EXT.renegotiationInfo, data: Buffer.from([0]) }];
  return {
    recordVersion: rng.pick([0x0300, 0x0301]),
    version,
    random: rng.bytes(32),
    sessionId: rng.chance(0.3) ? rng.bytes(32) : Buffer.alloc(0),
    cipherSuites: suites,
    compressionMethods: [0],
    extensions,
  };
}

const VERSIONS = [0x0000, 0x0002, 0x0200, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0305, 0x7f1c, 0xfefd, 0xfeff, 0xffff];

function sniExtension(rng: Rng): ClientExtension {
  const names = [
    () => Buffer.from('localhost'),
    () => Buffer.from('a'.repeat(rng.range(64, 4000))),
    () => Buffer.from('local\u0000host', 'latin1'),
    () => Buffer.from('LOCALHOST.'),
    () => Buffer.alloc(0),
    () => rng.bytes(rng.range(1, 300)),
    () => Buffer.from('xn--bcher-kva.example'),
  ];
  const entries = Array.from({ length: rng.weighted([0, 8, 2, 1]) }, () => {
    const name = rng.choose(names);
    return Buffer.concat([Buffer.from([rng.chance(0.9) ? 0 : rng.int(256)]), u16(name.length), name]);
  });
  const list = Buffer.concat(entries);
  return { type: EXT.serverName, data: Buffer.concat([u16(list.length), list]) };
}

/** Field-level mutations: each keeps lengths consistent, so the parser gets past framing and judges content. */
const MODEL_MUTATIONS: { name: string; weight: number; apply(m: HelloModel, rng: Rng): void }[] = [
  {
    name: 'ext-duplicate',
    weight: 6,
    apply: (m, rng) => {
      if (m.extensions?.length) {
        const e = rng.pick(m.extensions);
        m.extensions.splice(rng.int(m.extensions.length + 1), 0, { ...e });
      }
    },
  },
  {
    name: 'ext-drop',
    weight: 3,
    apply: (m, rng) => {
      if (m.extensions?.length) m.extensions.splice(rng.int(m.extensions.length), 1);
    },
  },
  {
    name: 'ext-shuffle',
    weight: 2,
    apply: (m, rng) => {
      if (m.extensions)
        for (let i = m.extensions.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [m.extensions[i], m.extensions[j]] = [m.extensions[j]!, m.extensions[i]!];
        }
    },
  },
  {
    name: 'ext-add',
    weight: 4,
    apply: (m, rng) => {
      const type = rng.pick([
        rng.int(65536),
        0x0a0a,
        0xfafa,
        EXT.supportedVersions,
        EXT.alpn,
        0x0029 /* pre_shared_key */,
        0x0033 /* key_share */,
        15 /* heartbeat */,
      ]);
      const data = rng.bytes(rng.pick([0, 1, 2, 7, rng.int(300), rng.range(1000, 16_000)]));
      (m.extensions ??= []).splice(rng.int(m.extensions.length + 1), 0, { type, data });
    },
  },
  {
    name: 'ext-garble',
    weight: 6,
    apply: (m, rng) => {
      if (!m.extensions?.length) return;
      const e = rng.pick(m.extensions);
      e.data = rng.choose([
        () => Buffer.alloc(0),
        () => e.data.subarray(0, rng.int(e.data.length)),
        () => rng.bytes(rng.int(40)),
        () => Buffer.concat([e.data, rng.bytes(rng.range(1, 8))]),
      ]);
    },
  },
  {
    name: 'sni',
    weight: 4,
    apply: (m, rng) => {
      const ext = sniExtension(rng);
      m.extensions = [ext, ...(m.extensions ?? []).filter((e) => e.type !== EXT.serverName)];
    },
  },
  {
    name: 'supported-versions',
    weight: 3,
    apply: (m, rng) => {
      const list = u16s(Array.from({ length: rng.pick([0, 1, 2, 5, 127]) }, () => rng.pick(VERSIONS)));
      const data = Buffer.concat([Buffer.from([rng.chance(0.8) ? list.length & 0xff : rng.int(256)]), list]);
      m.extensions = [...(m.extensions ?? []).filter((e) => e.type !== EXT.supportedVersions), { type: EXT.supportedVersions, data }];
    },
  },
  {
    name: 'suites',
    weight: 5,
    apply: (m, rng) => {
      m.cipherSuites = rng.choose([
        () => [],
        () => [SCSV.emptyRenegotiationInfo],
        () => [SCSV.fallback, 0x002f],
        () => [0x0004, 0x0005],
        () => [0x0000],
        () => Array.from({ length: rng.range(1, 32_000) }, () => rng.int(65536)),
        () => m.cipherSuites.filter(() => rng.chance(0.5)),
      ]);
    },
  },
  {
    name: 'compression',
    weight: 2,
    apply: (m, rng) => {
      m.compressionMethods = rng.choose([() => [], () => [1], () => [1, 0], () => Array.from({ length: 255 }, (_, i) => i)]);
    },
  },
  {
    name: 'session-id',
    weight: 2,
    apply: (m, rng) => {
      m.sessionId = rng.bytes(rng.pick([0, 1, 31, 32, 33, 64, 255]));
    },
  },
  {
    name: 'version',
    weight: 4,
    apply: (m, rng) => {
      if (rng.chance(0.5)) m.version = rng.pick(VERSIONS);
      else m.recordVersion = rng.pick(VERSIONS);
    },
  },
  {
    name: 'no-extensions',
    weight: 2,
    apply: (m, rng) => {
      m.extensions = rng.chance(0.5) ? null : [];
    },
  },
  {
    name: 'renegotiation-info',
    weight: 1,
    apply: (m, rng) => {
      m.extensions = [
        ...(m.extensions ?? []),
        { type: EXT.renegotiationInfo, data: rng.pick([Buffer.from([0]), Buffer.from([12, ...rng.bytes(12)]), Buffer.alloc(0)]) },
      ];
    },
  },
];

/** Byte-level mutations of the serialised message: lies in length fields, bit flips, overwrites, cuts, insertions. */
function mutateBytes(message: Buffer, fields: LengthField[], rng: Rng): { bytes: Buffer; name: string } {
  let out = Buffer.from(message);
  switch (rng.weighted([8, 5, 3, 4, 2, 2, 2])) {
    case 0: {
      const f = rng.pick(fields);
      if (f.offset + f.size > out.length) return { bytes: out, name: 'length-lie' };
      const max = 2 ** (8 * f.size) - 1;
      const current = out.readUIntBE(f.offset, f.size);
      const value = rng.pick([
        0,
        1,
        max,
        Math.max(0, current - 1),
        Math.min(max, current + 1),
        Math.min(max, current + rng.range(2, 64)),
        rng.int(max + 1),
      ]);
      out.writeUIntBE(value, f.offset, f.size);
      return { bytes: out, name: 'length-lie' };
    }
    case 1:
      for (let i = rng.range(1, 8); i > 0; i--) {
        const at = rng.int(out.length);
        out[at] = out[at]! ^ (1 << rng.int(8));
      }
      return { bytes: out, name: 'bitflip' };
    case 2:
      for (let i = rng.range(1, 4); i > 0; i--) out[rng.int(out.length)] = rng.int(256);
      return { bytes: out, name: 'overwrite' };
    case 3:
      return { bytes: out.subarray(0, rng.int(out.length)), name: 'truncate' };
    case 4: {
      const at = rng.int(out.length + 1);
      out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.range(1, 32)), out.subarray(at)]);
      return { bytes: out, name: 'insert' };
    }
    case 5: {
      const at = rng.int(out.length);
      return { bytes: Buffer.concat([out.subarray(0, at), out.subarray(at + rng.range(1, 40))]), name: 'delete' };
    }
    default:
      if (out.length >= 4) out.writeUIntBE(rng.pick([0xffffff, 0x4001, 0x10000, 0]), 1, 3);
      return { bytes: out, name: 'huge-length' };
  }
}

/** Puts a handshake message into records: one (with a correct or lying length), or fragmented over several. */
function frame(message: Buffer, recordVersion: number, rng: Rng): { bytes: Buffer; name: string } {
  const type = rng.chance(0.03) ? rng.pick([0, 20, 21, 23, 24, 255]) : 22;
  const mode = rng.weighted([80, 14, 6]);
  if (mode === 0 || message.length < 2)
    return { bytes: record(type, recordVersion, message), name: type === 22 ? 'record' : `record-type-${type}` };
  if (mode === 1) {
    const pieces: Buffer[] = [];
    for (let at = 0; at < message.length; ) {
      const n = rng.chance(0.05) ? 0 : rng.range(1, Math.max(1, Math.ceil(message.length / 2)));
      pieces.push(record(type, recordVersion, message.subarray(at, at + n)));
      at += n;
    }
    return { bytes: Buffer.concat(pieces), name: 'fragmented' };
  }
  const length = rng.pick([0, 1, 0xffff, 0x4001, 0x4000, Math.max(0, message.length - 1), message.length + rng.range(1, 100)]);
  return { bytes: record(type, recordVersion, message, length), name: 'record-length-lie' };
}

/** Records a connection may send after its hello: a second hello, ChangeCipherSpec, an alert, data, garbage. */
function trailer(seedRecord: Buffer, rng: Rng): Buffer {
  return rng.choose([
    () => seedRecord,
    () => record(20, 0x0303, Buffer.from([1])),
    () => record(21, 0x0303, Buffer.from([2, rng.pick([0, 10, 40, 70, 80])])),
    () => record(23, 0x0303, rng.bytes(rng.int(200))),
    () => record(24, 0x0303, Buffer.concat([Buffer.from([1]), u16(0x4000), rng.bytes(16)])),
    () => rng.bytes(rng.range(1, 500)),
    () => Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'),
  ]);
}

/** An SSLv2-compatible ClientHello (RFC 5246 Appendix E.2; RFC 6176 forbids servers to accept it). */
function sslv2Hello(rng: Rng): Buffer {
  const specs = Buffer.concat(Array.from({ length: rng.range(0, 20) }, () => Buffer.from([rng.int(256), rng.int(256), rng.int(256)])));
  const challenge = rng.bytes(rng.pick([16, 32, 0, 33]));
  const body = Buffer.concat([
    Buffer.from([1]),
    u16(rng.pick([0x0002, 0x0300, 0x0301, 0x0303])),
    u16(specs.length),
    u16(0),
    u16(challenge.length),
    specs,
    challenge,
  ]);
  const length = rng.chance(0.8) ? body.length : rng.int(0x8000);
  return Buffer.concat([Buffer.from([0x80 | (length >> 8), length & 0xff]), body]);
}

/**
 * ClientHello input number `rng`'s stream yields: random bytes, a seed hello as is, or a seed (captured or legacy)
 * with field, byte and framing mutations, sometimes followed by more records, cut into TCP writes.
 * @param seeds parsed captures of real clients (loadSeedHellos()); at least one.
 */
export function helloInput(seeds: SeedHello[], rng: Rng): FuzzInput {
  const seed = rng.pick(seeds);
  switch (rng.weighted([8, 2, 3, 87])) {
    case 0: {
      const bytes = rng.bytes(rng.pick([0, 1, 4, 5, 6, 9, rng.int(200), rng.int(2000)]));
      if (bytes.length >= 3 && rng.chance(0.6)) bytes.set([22, 3, rng.int(5)]);
      return deliver(bytes, rng, 'random');
    }
    case 1:
      return deliver(seed.record, rng, 'unmutated');
    case 2:
      return deliver(sslv2Hello(rng), rng, 'sslv2');
  }
  const legacy = rng.chance(0.1);
  const model = legacy ? legacyModel(rng) : modelOf(seed);
  const names: string[] = [legacy ? 'legacy' : 'mutated'];
  const fieldRounds = rng.weighted([3, 5, 2, 1]);
  for (let i = 0; i < fieldRounds; i++) {
    const mutation = MODEL_MUTATIONS[rng.weighted(MODEL_MUTATIONS.map((x) => x.weight))]!;
    mutation.apply(model, rng);
    names.push(mutation.name);
  }
  let { message, fields } = serializeHello(model);
  const byteRounds = fieldRounds === 0 ? rng.range(1, 3) : rng.weighted([6, 3, 1]);
  for (let i = 0; i < byteRounds; i++) {
    const mutated = mutateBytes(message, fields, rng);
    message = mutated.bytes;
    names.push(mutated.name);
  }
  const framed = frame(message, model.recordVersion, rng);
  names.push(framed.name);
  let bytes = framed.bytes;
  if (rng.chance(0.12)) {
    bytes = Buffer.concat([bytes, ...Array.from({ length: rng.range(1, 3) }, () => trailer(seed.record, rng))]);
    names.push('more-records');
  }
  return deliver(bytes, rng, names.join(':'));
}
