import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';

/** What the embedded DNS server does for one name of its zone. */
export type DnsBehaviour = 'ok' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'truncated' | 'slow' | 'cname-loop' | 'empty';

/** One name of the zone (relative label, e.g. `nxdomain`) and its behaviour. */
export interface DnsName {
  label: string;
  behaviour: DnsBehaviour;
  /** `slow`: answer after this many ms. */
  delayMs?: number;
}

/** The zone the server is authoritative for, and the addresses `ok`-like names resolve to. */
export interface DnsZone {
  /** Zone apex, lower case, no trailing dot (e.g. `origin.test`). */
  apex: string;
  names: DnsName[];
  ipv4: string[];
  ipv6: string[];
}

/** A reply to send (after `delayMs`), or none at all (`timeout`, or input not worth answering). */
export type DnsReply = { packet: Packet; delayMs: number } | null;

// RFC 1035 §4.1.1 response codes; dns-packet's types have no `rcode` field, the code goes in the low bits of flags.
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
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

function reply(query: Packet, rcode: number, extra: Partial<Packet> & { truncated?: boolean } = {}): Packet {
  const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  // AA only on answers from the zone's data (NOERROR, NXDOMAIN), as authoritative servers set it (RFC 1035 §4.1.1).
  const aa = rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN ? dnsPacket.AUTHORITATIVE_ANSWER : 0;
  const flags = aa | rd | (extra.truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) | rcode;
  return { type: 'response', id: query.id, flags, questions: query.questions, answers: extra.answers ?? [], authorities: extra.authorities ?? [] };
}

function addresses(question: Question, name: string, zone: DnsZone): Answer[] {
  if (question.type === 'A') return zone.ipv4.map((data) => ({ type: 'A' as const, name, ttl: TTL, data }));
  if (question.type === 'AAAA') return zone.ipv6.map((data) => ({ type: 'AAAA' as const, name, ttl: TTL, data }));
  return [];
}

/**
 * Answers one decoded query as an authoritative server for `zone` (RFC 1034 §4.3.2): names outside the zone get
 * REFUSED; unknown names in it NXDOMAIN with the SOA; the apex SOA and NS (for delegation); every configured name
 * its behaviour. `over` is the transport: `truncated` sets TC over UDP and answers in full over TCP (RFC 7766).
 * Never throws for any decoded packet; callers decode with dns-packet and answer FORMERR on a decode error.
 */
export function answer(query: Packet, zone: DnsZone, over: 'udp' | 'tcp'): DnsReply {
  if (query.type !== 'query' || (query.flags ?? 0) & 0x7800) return query.type === 'query' ? { packet: reply(query, RCODE.NOTIMP), delayMs: 0 } : null;
  const question = query.questions?.[0];
  if (!question || (query.questions?.length ?? 0) !== 1) return { packet: reply(query, RCODE.FORMERR), delayMs: 0 };
  const name = question.name.toLowerCase().replace(/\.$/, '');
  if (name !== zone.apex && !name.endsWith(`.${zone.apex}`)) return { packet: reply(query, RCODE.REFUSED), delayMs: 0 };
  if (name === zone.apex) {
    const answers: Answer[] =
      question.type === 'SOA' ? [soa(zone.apex)] : question.type === 'NS' ? [{ type: 'NS', name, ttl: TTL, data: `ns.${zone.apex}` }] : [];
    return { packet: reply(query, RCODE.NOERROR, { answers, authorities: answers.length ? [] : [soa(zone.apex)] }), delayMs: 0 };
  }
  const label = name.slice(0, -(zone.apex.length + 1));
  if (label === 'ns') return { packet: reply(query, RCODE.NOERROR, { answers: addresses(question, name, zone) }), delayMs: 0 };
  const loopOf = zone.names.find((n) => n.behaviour === 'cname-loop' && label === `${n.label}${LOOP_PARTNER}`);
  const entry = loopOf ?? zone.names.find((n) => n.label === label);
  if (!entry) return { packet: reply(query, RCODE.NXDOMAIN, { authorities: [soa(zone.apex)] }), delayMs: 0 };
  switch (entry.behaviour) {
    case 'ok':
      return { packet: reply(query, RCODE.NOERROR, { answers: addresses(question, name, zone) }), delayMs: 0 };
    case 'slow':
      return { packet: reply(query, RCODE.NOERROR, { answers: addresses(question, name, zone) }), delayMs: entry.delayMs ?? 3000 };
    case 'truncated':
      return over === 'udp'
        ? { packet: reply(query, RCODE.NOERROR, { truncated: true }), delayMs: 0 }
        : { packet: reply(query, RCODE.NOERROR, { answers: addresses(question, name, zone) }), delayMs: 0 };
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
 * The FORMERR reply to bytes dns-packet cannot decode (RFC 1035 §4.1.1), echoing the ID; null when there is not
 * even a 12-byte header, or the bytes claim to be a response (answering those could loop between servers).
 */
export function formatErrorFor(bytes: Buffer): Buffer | null {
  if (bytes.length < 12 || bytes[2]! & 0x80) return null;
  const header = Buffer.alloc(12);
  bytes.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8000 | RCODE.FORMERR, 2);
  return header;
}
