import type { Answer, OptAnswer, Packet } from 'dns-packet';
import { dnsPacket } from './packet.js';

/** Largest UDP reply to a query without EDNS, in bytes (RFC 1035 §4.2.1). */
export const PLAIN_UDP_LIMIT = 512;
/**
 * The UDP payload size the server advertises in its OPT record and the most it sends over UDP to an EDNS client,
 * in bytes: 1232, the size DNS Flag Day 2020 settled on so that no reply is fragmented.
 */
export const EDNS_UDP_PAYLOAD = 1232;
/** Largest DNS message over TCP, in bytes (its two-byte length prefix, RFC 1035 §4.2.2). */
export const TCP_MESSAGE_LIMIT = 65535;
/** BADVERS (RFC 6891 §9): the extended RCODE 16, i.e. 1 in the OPT record's upper eight bits and 0 in the header. */
const BADVERS_UPPER_BITS = 1;

/** What the additional section of a query says about EDNS (RFC 6891 §6.1.1). */
export type QueryEdns =
  /** No OPT record: a plain RFC 1035 client, 512-byte UDP replies and no OPT in the reply. */
  | { kind: 'none' }
  /** EDNS version 0: `udpPayloadSize` in bytes (as sent), `dnssecOk` the DO bit (RFC 3225). */
  | { kind: 'edns'; udpPayloadSize: number; dnssecOk: boolean }
  /** An EDNS version this server does not speak: the reply is BADVERS (RFC 6891 §6.1.3). */
  | { kind: 'badvers'; version: number; dnssecOk: boolean }
  /** More than one OPT record, or one not owned by the root: FORMERR (RFC 6891 §6.1.1). */
  | { kind: 'malformed'; why: string };

const isOpt = (record: Answer): record is OptAnswer => record.type === 'OPT';

/** Reads the EDNS of a decoded query. Never throws. */
export function ednsOf(query: Packet): QueryEdns {
  const opts = (query.additionals ?? []).filter(isOpt);
  if (opts.length === 0) return { kind: 'none' };
  if (opts.length > 1) return { kind: 'malformed', why: `${opts.length} OPT records` };
  const opt = opts[0]!;
  if (opt.name !== '.' && opt.name !== '') return { kind: 'malformed', why: 'an OPT record not owned by the root' };
  const dnssecOk = (opt.flags & dnsPacket().DNSSEC_OK) !== 0;
  if (opt.ednsVersion !== 0) return { kind: 'badvers', version: opt.ednsVersion, dnssecOk };
  return { kind: 'edns', udpPayloadSize: opt.udpPayloadSize, dnssecOk };
}

/**
 * The OPT record of a reply to an EDNS query (RFC 6891 §6.1.2): this server's payload size, version 0, the DO bit
 * copied from the query (RFC 3225 §3), and BADVERS in the extended RCODE when asked; none for a plain query.
 */
export function replyOpt(edns: QueryEdns): OptAnswer[] {
  if (edns.kind !== 'edns' && edns.kind !== 'badvers') return [];
  return [
    {
      type: 'OPT',
      name: '.',
      udpPayloadSize: EDNS_UDP_PAYLOAD,
      extendedRcode: edns.kind === 'badvers' ? BADVERS_UPPER_BITS : 0,
      ednsVersion: 0,
      flags: edns.dnssecOk ? dnsPacket().DNSSEC_OK : 0,
      flag_do: edns.dnssecOk,
      options: [],
    },
  ];
}

/**
 * Most bytes a reply may have: over TCP 65535; over UDP 512 without EDNS, else the client's advertised size (read
 * as 512 when lower, RFC 6891 §6.2.5) but never more than `EDNS_UDP_PAYLOAD`.
 */
export function replyLimit(edns: QueryEdns, over: 'udp' | 'tcp'): number {
  if (over === 'tcp') return TCP_MESSAGE_LIMIT;
  if (edns.kind !== 'edns') return PLAIN_UDP_LIMIT;
  return Math.max(PLAIN_UDP_LIMIT, Math.min(edns.udpPayloadSize, EDNS_UDP_PAYLOAD));
}

/**
 * Encodes a reply within `limit` bytes: in full when it fits; else with TC set and the answer and authority
 * sections left out, keeping the question and the OPT record (RFC 1035 §4.1.1, RFC 6891 §7); else the header alone
 * with TC. The result is never longer than `limit` (which is at least 512).
 */
export function encodeWithin(packet: Packet, limit: number): Buffer {
  const full = dnsPacket().encode(packet);
  if (full.length <= limit) return full;
  const cut: Packet = { ...packet, flags: (packet.flags ?? 0) | dnsPacket().TRUNCATED_RESPONSE, answers: [], authorities: [] };
  const truncated = dnsPacket().encode(cut);
  if (truncated.length <= limit) return truncated;
  return dnsPacket().encode({ ...cut, questions: [], additionals: [] });
}
