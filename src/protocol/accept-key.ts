// Sec-WebSocket-Accept: the server's proof that it read the client's key (RFC 6455 §4.2.2
// step 5.4, checked by the client in §4.1), and its steps laid out for the teaching view.
// Layer rule: protocol/ — pure; node:crypto hashing only.
import type { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** The fixed GUID every WebSocket server appends to the key (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface AcceptDerivation {
  /** The Sec-WebSocket-Key as sent (not base64-decoded: the RFC hashes the text). */
  readonly key: string;
  readonly guid: string;
  readonly concatenated: string;
  /** SHA-1 of the concatenation, 40 lower-case hex digits. */
  readonly sha1Hex: string;
  /** base64 of the 20 SHA-1 bytes: the expected Sec-WebSocket-Accept. */
  readonly accept: string;
}

// Hashed as latin1 because handshake text is decoded as latin1: one character per wire byte,
// so the digest is over exactly the bytes the server saw, even for a malformed key.
function sha1(text: string): Buffer {
  return createHash('sha1').update(text, 'latin1').digest();
}

/** base64(SHA-1(key + GUID)) — the Sec-WebSocket-Accept a server must send for `key`. */
export function computeAccept(key: string): string {
  return sha1(key + WEBSOCKET_GUID).toString('base64');
}

/** Every intermediate value of computeAccept, for `wsinspect accept KEY`. */
export function acceptDerivation(key: string): AcceptDerivation {
  const concatenated = key + WEBSOCKET_GUID;
  const digest = sha1(concatenated);
  return {
    key,
    guid: WEBSOCKET_GUID,
    concatenated,
    sha1Hex: digest.toString('hex'),
    accept: digest.toString('base64'),
  };
}
