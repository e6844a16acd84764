import type { Answer, Packet, Question } from 'dns-packet';
import { dnsPacket } from './packet.js';
import type { ServedAddresses } from './bound-addresses.js';

/** What the embedded DNS server does for one name of its zone. */
export const DNS_BEHAVIOURS = ['ok', 'nxdomain', 'servfail', 'refused', 'timeout', 'truncated', 'slow', 'cname-loop', 'empty'] as const;
export type DnsBehaviour = (typeof DNS_BEHAVIOURS)[number];

/** One name of the zone (relative label, e.g. `nxdomain`) and its behaviour. */
export interface DnsName {
  label: string;
  behaviour: DnsBehaviour;
  /** `slow`: answer after this many ms. */
  delayMs?: number;
}

/** The zone the server is authoritative for. */
export interface DnsZone {
  /** Zone apex, lower case, no trailing dot (e.g. `origin.test`). */
  apex: string;
  names: DnsName[];
  /** The farm's `--hostname` values that are IP addresses, answered too where the bind is a wildcard. */
  publicIps?: string[];
}

/** A reply to send (after `delayMs`), or none at all (`timeout`, or input not worth answering). */
export type DnsReply = { packet: Packet; delayMs: number } | null;

/** RFC 1035 §4.1.1 response codes; dns-packet's types have no `rcode` field, the code goes in the low bits of flags. */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const TTL = 60;
/** Sentinel second name of the CNAME loop: `cname-loop` → `cname-loop-2` → `cname-loop`. */
const LOOP_PARTNER = '-2';

function soa(apex: string): Answer {
  return {
    type: 'SOA',
    name: apex,
    ttl: TTL,
    data: { mname: `ns.${apex}`, rname: `hostmaster.${apex}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: TTL },
  };
}

/**
 * A reply to a query with one question, echoing its ID, RD and that question. AA only on answers from the zone's
 * data (NOERROR, NXDOMAIN), as authoritative servers set it (RFC 1035 §4.1.1).
 */
export function reply(query: Packet, rcode: number, extra: Partial<Packet> & { truncated?: boolean } = {}): Packet {
  const rd = (query.flags ?? 0) & dnsPacket().RECURSION_DESIRED;
  const aa = rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN ? dnsPacket().AUTHORITATIVE_ANSWER : 0;
  const flags = aa | rd | (extra.truncated ? dnsPacket().TRUNCATED_RESPONSE : 0) | rcode;
  return {
    type: 'response',
    id: query.id,
    flags,
    questions: query.questions?.slice(0, 1),
    answers: extra.answers ?? [],
    authorities: extra.authorities ?? [],
  };
}

function addressRecords(question: Question, name: string, served: ServedAddresses): Answer[] {
  if (question.type === 'A') return served.ipv4.map((data) => ({ type: 'A' as const, name, ttl: TTL, data }));
  if (question.type === 'AAAA') return served.ipv6.map((data) => ({ type: 'AAAA' as const, name, ttl: TTL, data }));
  return [];
}

/** `name` (any case, trailing dot or not) relative to the apex (`ok` for `ok.origin.test`), or null outside the zone or at the apex. */
export function labelOf(name: string, zone: DnsZone): string | null {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return lower.endsWith(`.${zone.apex}`) ? lower.slice(0, -(zone.apex.length + 1)) : null;
}

/**
 * Answers a well-formed query (opcode QUERY, exactly one question: see respond.ts) as an authoritative server for
 * `zone` (RFC 1034 §4.3.2): names outside the zone get REFUSED; unknown names in it NXDOMAIN with the SOA; the apex
 * SOA and NS (for delegation); `ns.<zone>` and every `ok`-like name the addresses in `served`; every configured
 * name its behaviour. `over` is the transport: `truncated` sets TC over UDP and answers in full over TCP
 * (RFC 7766). Never throws; the reply has no OPT record and no size limit yet (edns.ts adds both).
 */
export function answer(query: Packet, zone: DnsZone, served: ServedAddresses, over: 'udp' | 'tcp'): DnsReply {
  const question = query.questions![0]!;
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const label = labelOf(name, zone);
  if (name === zone.apex) {
    const answers: Answer[] =
      question.type === 'SOA' ? [soa(zone.apex)] : question.type === 'NS' ? [{ type: 'NS', name, ttl: TTL, data: `ns.${zone.apex}` }] : [];
    return { packet: reply(query, RCODE.NOERROR, { answers, authorities: answers.length ? [] : [soa(zone.apex)] }), delayMs: 0 };
  }
  if (label === null) return { packet: reply(query, RCODE.REFUSED), delayMs: 0 };
  // NOERROR with no record of the type asked (AAAA of a farm on IPv4 only) carries the SOA (RFC 2308 §2.2).
  const addresses = (): Partial<Packet> => {
    const answers = addressRecords(question, name, served);
    return answers.length ? { answers } : { authorities: [soa(zone.apex)] };
  };
  if (label === 'ns') return { packet: reply(query, RCODE.NOERROR, addresses()), delayMs: 0 };
  const loopOf = zone.names.find((n) => n.behaviour === 'cname-loop' && label === `${n.label}${LOOP_PARTNER}`);
  const entry = loopOf ?? zone.names.find((n) => n.label === label);
  if (!entry) return { packet: reply(query, RCODE.NXDOMAIN, { authorities: [soa(zone.apex)] }), delayMs: 0 };
  switch (entry.behaviour) {
    case 'ok':
      return { packet: reply(query, RCODE.NOERROR, addresses()), delayMs: 0 };
    case 'slow':
      return { packet: reply(query, RCODE.NOERROR, addresses()), delayMs: entry.delayMs ?? 3000 };
    case 'truncated':
      return over === 'udp'
        ? { packet: reply(query, RCODE.NOERROR, { truncated: true }), delayMs: 0 }
        : { packet: reply(query, RCODE.NOERROR, addresses()), delayMs: 0 };
    case 'nxdomain':
      return { packet: reply(query, RCODE.NXDOMAIN, { authorities: [soa(zone.apex)] }), delayMs: 0 };
    case 'servfail':
      return { packet: reply(query, RCODE.SERVFAIL), delayMs: 0 };
    case 'refused':
      return { packet: reply(query, RCODE.REFUSED), delayMs: 0 };
    case 'timeout':
      return null;
    case 'empty':
      return { packet: reply(query, RCODE.NOERROR, { authorities: [soa(zone.apex)] }), delayMs: 0 };
    case 'cname-loop': {
      const first = `${entry.label}.${zone.apex}`;
      const second = `${entry.label}${LOOP_PARTNER}.${zone.apex}`;
      const [from, to] = name === first ? [first, second] : [second, first];
      const answers: Answer[] = [
        { type: 'CNAME', name: from, ttl: TTL, data: to },
        { type: 'CNAME', name: to, ttl: TTL, data: from },
      ];
      return { packet: reply(query, RCODE.NOERROR, { answers }), delayMs: 0 };
    }
  }
}

/**
 * A reply of the header alone (no section, so never longer than the 12 bytes of any query) with `rcode`, echoing
 * the ID, opcode and RD of `bytes` (RFC 1035 §4.1.1): FORMERR for what cannot be decoded or is not a single
 * question, NOTIMP for an opcode other than QUERY. Null when there is not even a 12-byte header, or the bytes
 * claim to be a response (answering those could loop between servers).
 */
export function headerOnlyReply(bytes: Buffer, rcode: number): Buffer | null {
  if (bytes.length < 12 || bytes[2]! & 0x80) return null;
  const header = Buffer.alloc(12);
  bytes.copy(header, 0, 0, 2);
  // QR set; opcode (bits 11-14) and RD (bit 8) copied; everything else clear but the response code.
  header.writeUInt16BE(0x8000 | (bytes.readUInt16BE(2) & 0x7900) | rcode, 2);
  return header;
}
