// Sec-WebSocket-Accept: the server's proof that it read the client's key (RFC 6455 §4.2.2
// step 5.4, checked by the client in §4.1), and its steps laid out for the teaching view.
// Layer rule: protocol/ — pure; node:crypto hashing only.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';

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

// 16 bytes are 24 base64 characters ending "=="; the 22nd holds 2 data bits and 4 zero bits,
// so only A, Q, g or w are canonical there (RFC 4648 §3.5).
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * What is wrong with a Sec-WebSocket-Key (RFC 6455 §4.1 item 7: "a nonce consisting of a
 * randomly selected 16-byte value that has been base64-encoded"), or null when it is one.
 */
export function keyProblem(key: string): string | null {
  if (KEY.test(key)) return null;
  if (key.length === 0) return 'the key is empty';
  const bad = [...key].find((c) => !/[A-Za-z0-9+/=]/.test(c));
  if (bad !== undefined) {
    const code = bad.codePointAt(0)!.toString(16).padStart(2, '0');
    return `the key contains ${JSON.stringify(bad)} (U+${code.toUpperCase().padStart(4, '0')}), which is not a base64 character`;
  }
  if (key.length % 4 !== 0)
    return `the key has ${key.length} characters; base64 comes in groups of 4, and 16 bytes take 24 (ending "==")`;
  if (!BASE64.test(key)) return 'the key has "=" padding in the middle; base64 pads only at the end';
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes !== 16) return `the key decodes to ${bytes} bytes; it must be the base64 of 16 bytes (24 characters)`;
  return 'the key is not canonical base64: the bits after the 16th byte must be zero';
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (as a client must make for each connection). */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}
