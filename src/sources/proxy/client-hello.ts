// The server name (SNI, RFC 6066 §3) in the ClientHello a client sends first through a
// CONNECT tunnel: for a tunnel relayed blind it is the only name the proxy learns, and
// --ignore-hosts matches it as mitmproxy does. Reads the first TLS record only (RFC 8446
// §4.1.2: a ClientHello that spans records is rare and then simply gives no name).
// Layer rule: sources/ — pure parsing beside the proxy's sockets.

const HANDSHAKE_RECORD = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME = 0x00;

/** The host name of the ClientHello at the start of `bytes`, or null when there is none to read. */
export function clientHelloSni(bytes: Uint8Array): string | null {
  const r = new Reader(bytes);
  if (r.u8() !== HANDSHAKE_RECORD) return null;
  r.skip(2); // legacy record version
  const recordEnd = Math.min(bytes.length, r.u16() + r.at);
  if (r.u8() !== CLIENT_HELLO) return null;
  r.skip(3 + 2 + 32); // handshake length, legacy version, random
  r.skip(r.u8()); // session id
  r.skip(r.u16()); // cipher suites
  r.skip(r.u8()); // compression methods
  const extensionsEnd = Math.min(recordEnd, r.u16() + r.at);
  while (r.at + 4 <= extensionsEnd) {
    const type = r.u16();
    const length = r.u16();
    if (type !== SERVER_NAME_EXTENSION) {
      r.skip(length);
      continue;
    }
    const listEnd = Math.min(extensionsEnd, r.u16() + r.at);
    while (r.at + 3 <= listEnd) {
      const nameType = r.u8();
      const nameLength = r.u16();
      if (nameType === HOST_NAME && r.at + nameLength <= listEnd) {
        const name = String.fromCharCode(...bytes.subarray(r.at, r.at + nameLength));
        // a DNS name (RFC 6066 §3: ASCII, no trailing dot); anything else is not shown
        return /^[A-Za-z0-9._-]{1,253}$/.test(name) ? name : null;
      }
      r.skip(nameLength);
    }
    return null;
  }
  return null;
}

/** Reads big-endian fields; past the end every read is 0, so a short hello ends the loops above. */
class Reader {
  at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(): number {
    return this.at < this.bytes.length ? this.bytes[this.at++] : (this.at++, 0);
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  skip(n: number): void {
    this.at += n;
  }
}
