/**
 * A TLS 1.2 ClientHello record (RFC 5246 §7.4.1.2) offering TLS_RSA_WITH_AES_128_CBC_SHA with one extension,
 * server_name (RFC 6066 §3) carrying `sni` as latin1 bytes; `sni` may be far longer than any real client sends.
 */
export function clientHelloWithSni(sni: string): Buffer {
  const name = Buffer.from(sni, 'latin1');
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const serverName = Buffer.concat([u16(name.length + 3), Buffer.from([0]), u16(name.length), name]);
  const extensions = Buffer.concat([u16(0), u16(serverName.length), serverName]);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(2),
    u16(0x002f),
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(handshake.length), handshake]);
}
