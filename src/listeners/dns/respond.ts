import type { DecodedPacket, Packet, Question } from 'dns-packet';
import { dnsPacket } from './packet.js';
import { answerSummary } from './answer-summary.js';
import { answer, headerOnlyReply, labelOf, RCODE, reply, type DnsZone } from './answers.js';
import type { ServedAddresses } from './bound-addresses.js';
import { ednsOf, encodeWithin, replyLimit, replyOpt } from './edns.js';

/** What the server makes of one DNS message a client sent. */
export type DnsOutcome =
  /**
   * Not a query it answers in full: undecodable bytes, a response, an opcode other than QUERY, not exactly one
   * question, a malformed OPT. `reply` is the header alone (FORMERR or NOTIMP), never longer than the message, or
   * null (dropped); `why` says what was wrong, in one line.
   */
  | { kind: 'malformed'; why: string; reply: Buffer | null }
  /**
   * A well-formed query: `label` is its name relative to the zone apex (null outside the zone or at the apex),
   * `detail` a one-line summary (`udp A ok.origin.test`), `reply` the encoded reply to send after `delayMs`
   * (null: never answer, the `timeout` behaviour); `question` the name (lower case, no trailing dot) and type asked,
   * `answer` what the reply says in one line (answer-summary.ts).
   */
  | {
      kind: 'query';
      label: string | null;
      detail: string;
      reply: Buffer | null;
      delayMs: number;
      question: { name: string; type: string };
      answer: string;
    };

/**
 * Turns the bytes of one DNS message into what to send back, as an authoritative server for `zone` whose names
 * resolve to `served`. No reply is longer than the message unless the message is a well-formed query; a UDP reply
 * is at most 512 bytes, or the client's EDNS size up to 1232 (edns.ts), with TC set when the records do not fit.
 * EDNS: an OPT record answers an OPT record, BADVERS answers an unknown version (RFC 6891 §6.1.3). Never throws.
 */
export function respond(message: Buffer, zone: DnsZone, served: ServedAddresses, over: 'udp' | 'tcp'): DnsOutcome {
  const refused = refusedByHeader(message);
  if (refused) return refused;
  let query: DecodedPacket;
  try {
    query = dnsPacket().decode(message);
  } catch (error) {
    return malformed(message, `undecodable (${(error as Error).message})`, RCODE.FORMERR);
  }
  // The header said: a query, opcode QUERY, one question (refusedByHeader).
  const question = query.questions?.[0];
  if (!question) return malformed(message, '0 questions', RCODE.FORMERR);
  if (!roundTrips(message, question))
    return malformed(message, 'a question name that is compressed, not UTF-8 or has dots inside a label', RCODE.FORMERR);
  const edns = ednsOf(query);
  if (edns.kind === 'malformed') return malformed(message, edns.why, RCODE.FORMERR);
  const asked = { name: question.name.toLowerCase().replace(/\.$/, ''), type: question.type };
  const detail = `${over} ${asked.type} ${asked.name}${edns.kind === 'badvers' ? ` EDNS version ${edns.version}` : ''}`;
  const label = labelOf(question.name, zone);
  const limit = replyLimit(edns, over);
  if (edns.kind === 'badvers') {
    // BADVERS says nothing about the zone's data: not authoritative.
    const refusal = reply(query, RCODE.NOERROR);
    const packet = { ...refusal, flags: (refusal.flags ?? 0) & ~dnsPacket().AUTHORITATIVE_ANSWER, additionals: replyOpt(edns) };
    return {
      kind: 'query',
      label,
      detail,
      reply: encodeWithin(packet, limit),
      delayMs: 0,
      question: asked,
      answer: `${answerSummary(packet)} (BADVERS)`,
    };
  }
  const answered = answer(query, zone, served, over);
  if (!answered) return { kind: 'query', label, detail, reply: null, delayMs: 0, question: asked, answer: answerSummary(null) };
  const packet = { ...answered.packet, additionals: replyOpt(edns) };
  const bytes = encodeWithin(packet, limit);
  return {
    kind: 'query',
    label,
    detail,
    reply: bytes,
    delayMs: answered.delayMs,
    question: asked,
    answer: answerSummary(truncatedView(packet, bytes), answered.delayMs),
  };
}

/**
 * What the 12-byte header alone (RFC 1035 §4.1.1) rules out, before anything is decoded: a response, an opcode
 * other than QUERY, a question count other than 1. Decoding a message of many compressed questions costs
 * milliseconds; a flood of them must cost the farm no more than reading their headers.
 * @returns the outcome for such a message, or null when the header allows a query worth decoding.
 */
function refusedByHeader(message: Buffer): DnsOutcome | null {
  if (message.length < 12) return null;
  const flags = message.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'malformed', why: 'a response, not a query', reply: null };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return malformed(message, `opcode ${opcode}`, RCODE.NOTIMP);
  const count = message.readUInt16BE(4);
  return count === 1 ? null : malformed(message, `${count} questions`, RCODE.FORMERR);
}

/**
 * True when the question is written exactly as the reply will repeat it: the reply then grows by its records only,
 * never by a name that decodes to more bytes than were sent (a pointer, or bytes that are not UTF-8).
 */
function roundTrips(message: Buffer, question: Question): boolean {
  try {
    const encoded = dnsPacket()
      .encode({ questions: [question] })
      .subarray(12);
    return encoded.equals(message.subarray(12, 12 + encoded.length));
  } catch {
    return false;
  }
}

function malformed(message: Buffer, why: string, rcode: number): DnsOutcome {
  return { kind: 'malformed', why, reply: headerOnlyReply(message, rcode) };
}

/** The packet as sent: without its records when `encodeWithin` had to send the header and question only (TC). */
function truncatedView(packet: Packet, bytes: Buffer): Packet {
  const truncated = bytes.length >= 4 && (bytes.readUInt16BE(2) & dnsPacket().TRUNCATED_RESPONSE) !== 0;
  return truncated ? { ...packet, flags: (packet.flags ?? 0) | dnsPacket().TRUNCATED_RESPONSE, answers: [] } : packet;
}
