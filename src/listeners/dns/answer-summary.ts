import type { Packet } from 'dns-packet';
import { dnsPacket } from './packet.js';
import { RCODE } from './answers.js';

const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([name, code]) => [code, name]));

/**
 * One line saying what a reply told the client: the response code (RFC 1035 §4.1.1), `TC` when truncated, and the
 * answer records (`NOERROR A 127.0.0.1`, `NXDOMAIN`, `NOERROR CNAME a.origin.test`), prefixed `after N ms:` when the
 * reply is delayed; `no reply` for none. At most 8 records are listed.
 */
export function answerSummary(packet: Packet | null, delayMs = 0): string {
  if (!packet) return 'no reply';
  const flags = packet.flags ?? 0;
  const rcode = flags & 0xf;
  const parts = [RCODE_NAMES.get(rcode) ?? `RCODE ${rcode}`];
  if (flags & dnsPacket().TRUNCATED_RESPONSE) parts.push('TC');
  for (const record of (packet.answers ?? []).slice(0, 8)) {
    const data = 'data' in record && typeof record.data === 'string' ? record.data : '';
    parts.push(`${record.type} ${data}`.trim());
  }
  return `${delayMs > 0 ? `after ${delayMs} ms: ` : ''}${parts.join(' ')}`;
}
