// The TLS key derivations and record ciphers wsinspect needs, on node:crypto: HKDF-Expand-Label
// (RFC 8446 §7.1) and traffic keys (§7.3) for TLS 1.3, the PRF (RFC 5246 §5) and key block
// (§6.3) for TLS 1.2, and AEAD open for AES-GCM (RFC 5288) and ChaCha20-Poly1305 (RFC 7905).
// Layer rule: capture/ — pure (node:crypto only).
import { createDecipheriv, createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384';
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
export interface CbcSuite {
  readonly cipher: 'aes-128-cbc' | 'aes-256-cbc';
  readonly mac: 'sha1' | 'sha256' | 'sha384';
}
const MAC_LENGTH: Record<CbcSuite['mac'], number> = { sha1: 20, sha256: 32, sha384: 48 };

export const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48 };
export const KEY_LENGTH: Record<AeadName, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };
const TAG_LENGTH = 16;

/** HKDF-Expand (RFC 5869 §2.3); node's hkdf always extracts first, so it is written out. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  let filled = 0;
  for (let i = 1; filled < length; i += 1) {
    t = createHmac(hash, prk).update(t).update(info).update(Uint8Array.of(i)).digest();
    out.set(t.subarray(0, Math.min(t.length, length - filled)), filled);
    filled += t.length;
  }
  return out;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 §7.1. */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  info[0] = length >> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return hkdfExpand(hash, secret, info, length);
}

/** The record protection key of one direction: key, IV (or GCM salt) and the next sequence number. */
export interface RecordKey {
  /** The AEAD; for a CBC suite, cbc and macKey are set instead (aead unused). */
  readonly aead: AeadName;
  readonly cbc?: CbcSuite & { readonly macKey: Uint8Array; readonly encryptThenMac: boolean };
  readonly key: Uint8Array;
  /** TLS 1.3 and TLS 1.2 ChaCha20: the 12-byte IV XORed with the sequence number; TLS 1.2 GCM: the 4-byte salt. */
  readonly iv: Uint8Array;
  /**
   * The next record's sequence number. A number, not the 64-bit value as a bigint: exact up to
   * 2^53 records (at one record a nanosecond, over 100 days of one connection).
   */
  seq: number;
}

/** [sender]_write_key and _iv from a TLS 1.3 traffic secret (RFC 8446 §7.3). */
export function tls13RecordKey(hash: HashName, aead: AeadName, secret: Uint8Array): RecordKey {
  const empty = new Uint8Array(0);
  return {
    aead,
    key: hkdfExpandLabel(hash, secret, 'key', empty, KEY_LENGTH[aead]),
    iv: hkdfExpandLabel(hash, secret, 'iv', empty, 12),
    seq: 0,
  };
}

/** The next traffic secret after a KeyUpdate (RFC 8446 §7.2). */
export function nextTrafficSecret(hash: HashName, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, secret, 'traffic upd', new Uint8Array(0), HASH_LENGTH[hash]);
}

/** PRF(secret, label, seed) of TLS 1.2 (RFC 5246 §5): P_hash with the suite's hash. */
export function tls12Prf(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out = new Uint8Array(length);
  let a: Uint8Array = labelSeed;
  let filled = 0;
  while (filled < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
    filled += block.length;
  }
  return out;
}

/** Client and server write keys of a TLS 1.2 AEAD suite from the master secret (RFC 5246 §6.3, no MAC keys). */
export function tls12RecordKeys(
  hash: HashName,
  aead: AeadName,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): { client: RecordKey; server: RecordKey } {
  const keyLength = KEY_LENGTH[aead];
  const ivLength = aead === 'chacha20-poly1305' ? 12 : 4;
  const seed = Buffer.concat([serverRandom, clientRandom]);
  const block = tls12Prf(hash, masterSecret, 'key expansion', seed, 2 * keyLength + 2 * ivLength);
  const at = (from: number, n: number): Uint8Array => block.slice(from, from + n);
  return {
    client: { aead, key: at(0, keyLength), iv: at(2 * keyLength, ivLength), seq: 0 },
    server: { aead, key: at(keyLength, keyLength), iv: at(2 * keyLength + ivLength, ivLength), seq: 0 },
  };
}

/** Client and server keys of a TLS 1.2 CBC suite: MAC keys, then cipher keys (RFC 5246 §6.3; the IVs are explicit). */
export function tls12CbcRecordKeys(
  hash: HashName,
  suite: CbcSuite,
  encryptThenMac: boolean,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): { client: RecordKey; server: RecordKey } {
  const macLength = MAC_LENGTH[suite.mac];
  const keyLength = suite.cipher === 'aes-128-cbc' ? 16 : 32;
  const seed = Buffer.concat([serverRandom, clientRandom]);
  const block = tls12Prf(hash, masterSecret, 'key expansion', seed, 2 * macLength + 2 * keyLength);
  const at = (from: number, n: number): Uint8Array => block.slice(from, from + n);
  const key = (mac: number, enc: number): RecordKey => ({
    aead: 'aes-128-gcm',
    cbc: { ...suite, macKey: at(mac, macLength), encryptThenMac },
    key: at(enc, keyLength),
    iv: new Uint8Array(0),
    seq: 0,
  });
  return { client: key(0, 2 * macLength), server: key(macLength, 2 * macLength + keyLength) };
}

/**
 * A TLS 1.2 CBC record: explicit IV, then the ciphertext of content ‖ MAC ‖ padding
 * (RFC 5246 §6.2.3.2), or with encrypt-then-MAC the MAC after the ciphertext (RFC 7366 §3).
 * null when the MAC or the padding is wrong.
 */
export function openTls12CbcRecord(key: RecordKey, type: number, version: number, body: Uint8Array): Uint8Array | null {
  const cbc = key.cbc!;
  const macLength = MAC_LENGTH[cbc.mac];
  const mac = (content: Uint8Array): Buffer =>
    createHmac(cbc.mac, cbc.macKey)
      .update(seqBytes(key.seq, new Uint8Array(8), 0))
      .update(Uint8Array.of(type, version >> 8, version & 0xff, content.length >> 8, content.length & 0xff))
      .update(content)
      .digest();
  let sealed = body;
  if (cbc.encryptThenMac) {
    if (body.length < macLength + 32) return null;
    sealed = body.subarray(0, body.length - macLength);
    if (!mac(sealed).equals(body.subarray(body.length - macLength))) return null;
  }
  if (sealed.length < 32 || sealed.length % 16 !== 0) return null;
  let plain: Buffer;
  try {
    const d = createDecipheriv(cbc.cipher, key.key, sealed.subarray(0, 16)).setAutoPadding(false);
    plain = Buffer.concat([d.update(sealed.subarray(16)), d.final()]);
  } catch {
    return null;
  }
  const padding = plain[plain.length - 1] + 1;
  let end = plain.length - padding;
  if (end < 0 || plain.subarray(end).some((b) => b !== padding - 1)) return null;
  if (!cbc.encryptThenMac) {
    end -= macLength;
    if (end < 0) return null;
    if (!mac(plain.subarray(0, end)).equals(plain.subarray(end, end + macLength))) return null;
  }
  key.seq += 1;
  return new Uint8Array(plain.buffer, plain.byteOffset, end);
}

const TWO_POW_32 = 4294967296;

/**
 * The 12-byte per-record nonce into `out`: IV XOR the 64-bit sequence number, left-padded
 * (RFC 8446 §5.3, RFC 7905 §2). Written as two 32-bit halves of the number.
 */
function xorNonce(iv: Uint8Array, seq: number, out: Uint8Array): Uint8Array {
  const hi = Math.floor(seq / TWO_POW_32);
  const lo = seq >>> 0;
  for (let i = 0; i < 4; i++) out[i] = iv[i];
  out[4] = iv[4] ^ (hi >>> 24);
  out[5] = iv[5] ^ ((hi >>> 16) & 0xff);
  out[6] = iv[6] ^ ((hi >>> 8) & 0xff);
  out[7] = iv[7] ^ (hi & 0xff);
  out[8] = iv[8] ^ (lo >>> 24);
  out[9] = iv[9] ^ ((lo >>> 16) & 0xff);
  out[10] = iv[10] ^ ((lo >>> 8) & 0xff);
  out[11] = iv[11] ^ (lo & 0xff);
  return out;
}

/** The sequence number as 8 bytes, big-endian, into out[at…]. */
function seqBytes(seq: number, out: Uint8Array, at: number): Uint8Array {
  const hi = Math.floor(seq / TWO_POW_32);
  const lo = seq >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
  return out;
}

/**
 * Scratch for the nonce and the TLS 1.2 AAD: createDecipheriv and setAAD copy what they are
 * given before returning, so one buffer serves every record (this module is synchronous).
 */
const NONCE = new Uint8Array(12);
const AAD12 = new Uint8Array(13);
const AEAD_OPTIONS = { authTagLength: TAG_LENGTH } as never;

type AeadDecipher = ReturnType<typeof createDecipheriv> & {
  setAAD(b: Uint8Array, o?: object): void;
  setAuthTag(b: Uint8Array): void;
};

/** AEAD open; null when authentication fails (wrong key or damaged data). */
function open(
  aead: AeadName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (sealed.length < TAG_LENGTH) return null;
  const bodyLength = sealed.length - TAG_LENGTH;
  try {
    const d = createDecipheriv(aead, key, nonce, AEAD_OPTIONS) as AeadDecipher;
    // GCM and ChaCha20-Poly1305 take no plaintextLength (CCM would)
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(bodyLength));
    const out = d.update(sealed.subarray(0, bodyLength));
    // a stream AEAD gives every byte from update(); final() checks the tag and adds nothing
    const rest = d.final();
    const all = rest.length === 0 ? out : Buffer.concat([out, rest]);
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  } catch {
    return null;
  }
}

/**
 * A TLS 1.3 record (header: its 5 bytes, the AAD; body: encrypted_record). Returns the
 * TLSInnerPlaintext, or null on authentication failure; the sequence number advances on success.
 */
export function openTls13Record(key: RecordKey, header: Uint8Array, body: Uint8Array): Uint8Array | null {
  const plain = open(key.aead, key.key, xorNonce(key.iv, key.seq, NONCE), header, body);
  if (plain !== null) key.seq += 1;
  return plain;
}

/** A TLS 1.2 AEAD record: explicit nonce for GCM (RFC 5288 §3), none for ChaCha20 (RFC 7905 §2). */
export function openTls12Record(key: RecordKey, type: number, version: number, body: Uint8Array): Uint8Array | null {
  let nonce: Uint8Array;
  let sealed: Uint8Array;
  if (key.aead === 'chacha20-poly1305') {
    nonce = xorNonce(key.iv, key.seq, NONCE);
    sealed = body;
  } else {
    if (body.length < 8) return null;
    nonce = NONCE;
    nonce.set(key.iv, 0);
    for (let i = 0; i < 8; i++) nonce[4 + i] = body[i];
    sealed = body.subarray(8);
  }
  const length = sealed.length - TAG_LENGTH;
  if (length < 0) return null;
  const aad = seqBytes(key.seq, AAD12, 0);
  aad[8] = type;
  aad[9] = version >> 8;
  aad[10] = version & 0xff;
  aad[11] = length >> 8;
  aad[12] = length & 0xff;
  const plain = open(key.aead, key.key, nonce, aad, sealed);
  if (plain !== null) key.seq += 1;
  return plain;
}

/** TLSInnerPlaintext: content, the real content type, zero padding (RFC 8446 §5.2); null if all zeros. */
export function tls13InnerPlaintext(inner: Uint8Array): { type: number; bytes: Uint8Array } | null {
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end -= 1;
  if (end < 0) return null;
  return { type: inner[end], bytes: inner.subarray(0, end) };
}
