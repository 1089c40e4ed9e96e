// The server name (SNI, RFC 6066 §3) in the ClientHello a client sends first through a
// CONNECT tunnel: for a tunnel relayed blind it is the only name the proxy learns, and
// --ignore-hosts matches it as mitmproxy does. Reads the first TLS record only (RFC 8446
// §4.1.2: a ClientHello that spans records is rare and then simply gives no name); the hello
// itself is parsed by the capture layer's TLS parser, the one wss decryption uses.
// Layer rule: sources/ — pure parsing beside the proxy's sockets.
import { parseClientHello } from '../../capture/tls/hello-parser.js';

const HANDSHAKE_RECORD = 0x16;
const CLIENT_HELLO = 0x01;

/** The host name of the ClientHello at the start of `bytes`, or null when there is none to read. */
export function clientHelloSni(bytes: Uint8Array): string | null {
  if (bytes.length < 9 || bytes[0] !== HANDSHAKE_RECORD || bytes[5] !== CLIENT_HELLO) return null;
  const recordEnd = Math.min(bytes.length, 5 + ((bytes[3] << 8) | bytes[4]));
  const helloEnd = 9 + ((bytes[6] << 16) | (bytes[7] << 8) | bytes[8]);
  const name = parseClientHello(bytes.subarray(9, Math.min(recordEnd, helloEnd)))?.sni ?? null;
  // a DNS name (RFC 6066 §3: ASCII, no trailing dot); anything else is not shown
  return name !== null && /^[A-Za-z0-9._-]{1,253}$/.test(name) ? name : null;
}
