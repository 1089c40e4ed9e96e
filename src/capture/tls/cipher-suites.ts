// The cipher suites wsinspect decrypts (IANA names, RFC 8446 §B.4, RFC 5288, RFC 5289,
// RFC 7905) with their AEAD and hash, and names of common ones it does not (CBC suites).
// Layer rule: capture/ — pure data.
import type { AeadName, CbcSuite, HashName } from './tls-crypto.js';

export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  /** null: not an AEAD suite (CBC: see cbc; else named but not decrypted). */
  readonly aead: AeadName | null;
  /** PRF hash (TLS 1.2) or HKDF hash (TLS 1.3). */
  readonly hash: HashName;
  readonly tls13: boolean;
  /** A TLS 1.2 CBC suite: its block cipher and MAC (RFC 5246 §6.2.3.2, RFC 7366). */
  readonly cbc?: CbcSuite;
}

const s = (id: number, name: string, aead: AeadName | null, hash: HashName, tls13 = false): CipherSuite => ({
  id,
  name,
  aead,
  hash,
  tls13,
});

const c = (id: number, name: string, cipher: CbcSuite['cipher'], mac: CbcSuite['mac']): CipherSuite => ({
  id,
  name,
  aead: null,
  hash: mac === 'sha384' ? 'sha384' : 'sha256',
  tls13: false,
  cbc: { cipher, mac },
});

const SUITES: readonly CipherSuite[] = [
  s(0x1301, 'TLS_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', true),
  s(0x1302, 'TLS_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', true),
  s(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', true),
  s(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  s(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  s(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  s(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  s(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  s(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  s(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256'),
  s(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  s(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  s(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256'),
  s(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384'),
  // CBC, MAC-then-encrypt or encrypt-then-MAC (TLS 1.2 only; the PRF is SHA-256 unless SHA-384)
  c(0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  c(0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  c(0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  c(0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  c(0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  c(0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384'),
  c(0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  c(0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'aes-256-cbc', 'sha384'),
  c(0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'aes-128-cbc', 'sha1'),
  c(0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'aes-256-cbc', 'sha1'),
  c(0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'aes-128-cbc', 'sha256'),
  c(0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'aes-256-cbc', 'sha256'),
  s(0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM', null, 'sha256'),
  s(0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM', null, 'sha256'),
  s(0x1304, 'TLS_AES_128_CCM_SHA256', null, 'sha256', true),
  s(0x1305, 'TLS_AES_128_CCM_8_SHA256', null, 'sha256', true),
];

const BY_ID = new Map(SUITES.map((suite) => [suite.id, suite]));

/** The suite with this code point; an unknown one is named by its number and not decrypted. */
export function cipherSuite(id: number): CipherSuite {
  return BY_ID.get(id) ?? s(id, `0x${id.toString(16).padStart(4, '0').toUpperCase()}`, null, 'sha256');
}
