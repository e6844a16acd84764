import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseClientHelloRecord, type ParsedClientHello } from '../../src/tls/client-hello.js';

/** One ClientHello record a real client sent, as scripts/fuzz-capture.ts stored it. */
export interface CapturedHello {
  /** The client and its options, e.g. `openssl s_client -tls1_2 -alpn http/1.1`. */
  client: string;
  /** The whole first record (5-byte header included), hex. */
  hex: string;
}

/** A captured hello, parsed with the farm's own parser (src/tls/client-hello.ts). */
export interface SeedHello {
  client: string;
  record: Buffer;
  /** The record layer version of the capture (0x0301 for most clients). */
  recordVersion: number;
  hello: ParsedClientHello;
}

const HELLOS_FILE = fileURLToPath(new URL('./hellos.json', import.meta.url));

/**
 * The committed captures of real clients' ClientHellos (scripts/fuzz/hellos.json), parsed.
 * @throws Error when the file is missing or a capture does not parse (rerun scripts/fuzz-capture.ts).
 */
export function loadSeedHellos(file = HELLOS_FILE): SeedHello[] {
  const { hellos } = JSON.parse(readFileSync(file, 'utf8')) as { hellos: CapturedHello[] };
  return hellos.map(({ client, hex }) => {
    const record = Buffer.from(hex, 'hex');
    const parsed = parseClientHelloRecord(record);
    if (!parsed.ok) throw new Error(`${file}: the capture of ${client} does not parse (${parsed.reason})`);
    return { client, record, recordVersion: record.readUInt16BE(1), hello: parsed.hello };
  });
}
