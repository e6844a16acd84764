import { ContentType, HandshakeType } from './records.js';

/** What to do with one write of a TLS server engine: the bytes to send on, and what was held back, once it is. */
export interface FlightCut {
  /** Whole records to send to the client (possibly empty). */
  forward: Buffer;
  /** Set on the write where the cut is made: one line saying what the client got and what it never will. */
  cut: string | null;
}

/** Complete records at the start of `buffer`, and the length they take. */
function splitRecords(buffer: Buffer): { records: Buffer[]; used: number } {
  const records: Buffer[] = [];
  let used = 0;
  while (buffer.length - used >= 5) {
    const end = used + 5 + buffer.readUInt16BE(used + 3);
    if (end > buffer.length) break;
    records.push(buffer.subarray(used, end));
    used = end;
  }
  return { records, used };
}

/** True when a plaintext handshake record holds a ServerHelloDone (RFC 5246 §7.4.5), walking its messages. */
function endsWithServerHelloDone(record: Buffer): boolean {
  if (record[0] !== ContentType.handshake) return false;
  for (let at = 5; at + 4 <= record.length; at += 4 + record.readUIntBE(at + 1, 3)) {
    if (record[at] === HandshakeType.serverHelloDone) return true;
  }
  return false;
}

/**
 * Cuts a TLS server's output so that the client receives the server's first flight with its certificate and never
 * a Finished, so the handshake can never complete (a TLS handshake timeout on the client's side, not a first-byte
 * timeout). Bytes in are what a server engine (OpenSSL behind node:tls) writes; bytes out are what to send on.
 *
 * - TLS 1.2 (RFC 5246 §7.3): the first flight is ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, all in
 *   plaintext; it goes out whole, and nothing after it (the server's ChangeCipherSpec and Finished).
 * - TLS 1.3 (RFC 8446 §2): ServerHello (and a compatibility ChangeCipherSpec) in plaintext, then EncryptedExtensions,
 *   Certificate, CertificateVerify and Finished, one encrypted record each as OpenSSL writes them, in one write. All
 *   but the last encrypted record go out: the client has the certificate and no Finished.
 * - A HelloRetryRequest (a ServerHello with no encrypted record after it) goes out, and the cut waits for the next flight.
 *
 * One write of the engine is taken as one flight (OpenSSL flushes a flight at once). Never throws; holds at most one
 * partial record between writes.
 */
export class FirstFlightCut {
  private pending: Buffer = Buffer.alloc(0);
  private done = false;

  /** True once the cut is made: everything the engine writes from then on is dropped. */
  get made(): boolean {
    return this.done;
  }

  /** Takes one write of the server engine. */
  write(chunk: Buffer): FlightCut {
    if (this.done) return { forward: Buffer.alloc(0), cut: null };
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const { records, used } = splitRecords(this.pending);
    this.pending = this.pending.subarray(used);
    const encrypted = records.filter((record) => record[0] === ContentType.applicationData);
    if (encrypted.length > 0) {
      this.done = true;
      const held = records.indexOf(encrypted.at(-1)!);
      return {
        forward: Buffer.concat(records.slice(0, held)),
        cut: `TLS 1.3 first flight sent but its last encrypted record (Finished): ${held} of ${records.length} records`,
      };
    }
    if (records.some(endsWithServerHelloDone)) {
      this.done = true;
      return {
        forward: Buffer.concat(records),
        cut: `TLS 1.2 first flight sent up to ServerHelloDone (${records.length} records); no ChangeCipherSpec or Finished will follow`,
      };
    }
    return { forward: Buffer.concat(records), cut: null };
  }
}
