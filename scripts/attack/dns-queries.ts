import dnsPacket from 'dns-packet';

/** A wire-format name of `wireBytes` bytes (RFC 1035 §3.1: at most 255), labels of 63 bytes under `suffix`. */
function longName(suffix: string, wireBytes: number): string {
  const labels: string[] = [];
  let left = wireBytes - (suffix.length + 2); // the suffix's labels, and the root
  while (left > 0) {
    const size = Math.min(63, left - 1);
    labels.push('a'.repeat(size));
    left -= size + 1;
  }
  return [...labels, suffix].join('.');
}

/**
 * A query header (RFC 1035 §4.1.1: RD set, no OPT record) with `questions` questions: the first a 255-byte name under
 * `suffix`, every other one a 2-byte compression pointer to it (§4.1.4), type A class IN. With 250 questions it is
 * 1,765 bytes; a server that decodes it and echoes the questions in its answer (FORMERR: more than one question)
 * writes 250 full names, about 37 times the query.
 */
export function pointerQuery(id: number, questions: number, suffix: string): Buffer {
  const first = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: longName(suffix, 255) }],
  });
  const pointer = Buffer.from([0xc0, 12, 0, 1, 0, 1]);
  const query = Buffer.concat([first, ...Array.from({ length: questions - 1 }, () => pointer)]);
  query.writeUInt16BE(questions, 4);
  return query;
}

/** `bytes` bytes that are a DNS header (one question announced) followed by bytes that are no question at all. */
export function garbageQuery(id: number, bytes: number): Buffer {
  const query = Buffer.alloc(bytes, 0xff);
  query.writeUInt16BE(id, 0);
  query.writeUInt16BE(dnsPacket.RECURSION_DESIRED, 2);
  query.writeUInt16BE(1, 4);
  query.fill(0, 6, 12);
  return query;
}

/** An ordinary one-question query without EDNS for `name` (type A). */
export function plainQuery(id: number, name: string): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
}

/** A one-question query for a 255-byte name under `suffix` (type A, no EDNS). */
export function longNameQuery(id: number, suffix: string): Buffer {
  return plainQuery(id, longName(suffix, 255));
}

/** True when a DNS message has the TC (truncated) bit set (RFC 1035 §4.1.1). */
export const truncated = (message: Buffer) => message.length >= 4 && (message.readUInt16BE(2) & dnsPacket.TRUNCATED_RESPONSE) !== 0;
