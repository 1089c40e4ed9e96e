// The cipher suites wsinspect decrypts (IANA names, RFC 8446 §B.4, RFC 5288, RFC 5289,
// RFC 7905) with their AEAD and hash, and names of common ones it does not (CBC suites).
// Layer rule: capture/ — pure data.
import type { AeadName, HashName } from './tls-crypto.js';

export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  /** null: named but not decrypted (CBC, or an unknown AEAD). */
  readonly aead: AeadName | null;
  readonly hash: HashName;
  readonly tls13: boolean;
}

const s = (id: number, name: string, aead: AeadName | null, hash: HashName, tls13 = false): CipherSuite => ({
  id,
  name,
  aead,
  hash,
  tls13,
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
  // CBC (MAC-then-encrypt or encrypt-then-MAC): named, not decrypted
  s(0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', null, 'sha256'),
  s(0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', null, 'sha256'),
  s(0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', null, 'sha256'),
  s(0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', null, 'sha256'),
  s(0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', null, 'sha256'),
  s(0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', null, 'sha384'),
  s(0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', null, 'sha256'),
  s(0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', null, 'sha384'),
  s(0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', null, 'sha256'),
  s(0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', null, 'sha256'),
  s(0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', null, 'sha256'),
  s(0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', null, 'sha256'),
  s(0x1304, 'TLS_AES_128_CCM_SHA256', null, 'sha256', true),
  s(0x1305, 'TLS_AES_128_CCM_8_SHA256', null, 'sha256', true),
];

const BY_ID = new Map(SUITES.map((suite) => [suite.id, suite]));

/** The suite with this code point; an unknown one is named by its number and not decrypted. */
export function cipherSuite(id: number): CipherSuite {
  return BY_ID.get(id) ?? s(id, `0x${id.toString(16).padStart(4, '0').toUpperCase()}`, null, 'sha256');
}
