// TLS 1.3 0-RTT data of one connection (RFC 8446 §2.3, §4.2.10): the client's records opened
// with CLIENT_EARLY_TRAFFIC_SECRET — before the ServerHello the suite is not known, so each
// TLS 1.3 suite whose hash fits the secret is tried — and held until EncryptedExtensions says
// whether the server accepted them: accepted data is part of the conversation, rejected data
// is skipped by the server and so left out. EndOfEarlyData (§4.5) ends it.
// Layer rule: capture/ — pure.
import { cipherSuite } from './cipher-suites.js';
import { HASH_LENGTH, openTls13Record, tls13InnerPlaintext, tls13RecordKey, type RecordKey } from './tls-crypto.js';

const APPLICATION_DATA = 23;
const HANDSHAKE = 22;
const END_OF_EARLY_DATA = 5;

export type EarlySettlement =
  | { readonly kind: 'accepted'; readonly data: readonly Uint8Array[] }
  | { readonly kind: 'rejected'; readonly bytes: number }
  | { readonly kind: 'none' };

export class EarlyData {
  private key: RecordKey | null = null;
  private held: Uint8Array[] = [];
  private settled = false;
  /** EndOfEarlyData seen, or the data rejected: no more early records. */
  private over = false;

  constructor(private readonly secret: Uint8Array) {}

  /**
   * A client record that may be early data: null when it is not (it did not open); else the
   * application data to hand on now (empty while acceptance is not known, or for
   * EndOfEarlyData).
   */
  open(header: Uint8Array, body: Uint8Array): readonly Uint8Array[] | null {
    if (this.over || (this.settled && this.key === null)) return null;
    const inner = this.key !== null ? openTls13Record(this.key, header, body) : this.firstRecord(header, body);
    if (inner === null) return null;
    const plain = tls13InnerPlaintext(inner);
    if (plain === null) return [];
    if (plain.type === HANDSHAKE && plain.bytes[0] === END_OF_EARLY_DATA) this.over = true;
    if (plain.type !== APPLICATION_DATA || plain.bytes.length === 0) return [];
    if (this.settled) return [plain.bytes];
    this.held.push(plain.bytes);
    return [];
  }

  /** EncryptedExtensions read: whether the server accepted the early data, and what it held. */
  settle(accepted: boolean): EarlySettlement {
    this.settled = true;
    const held = this.held;
    this.held = [];
    if (this.key === null) return { kind: 'none' };
    if (accepted) return { kind: 'accepted', data: held };
    this.key = null;
    this.over = true;
    return { kind: 'rejected', bytes: held.reduce((sum, b) => sum + b.length, 0) };
  }

  private firstRecord(header: Uint8Array, body: Uint8Array): Uint8Array | null {
    for (const id of [0x1301, 0x1302, 0x1303]) {
      const suite = cipherSuite(id);
      if (HASH_LENGTH[suite.hash] !== this.secret.length) continue;
      const key = tls13RecordKey(suite.hash, suite.aead!, this.secret);
      const inner = openTls13Record(key, header, body);
      if (inner === null) continue;
      this.key = key;
      return inner;
    }
    return null;
  }
}
