// One direction of a TLS connection as records and handshake messages: bytes of any size in,
// whole records out (RFC 8446 §5.1, RFC 5246 §6.2: 5-byte header, body up to 2^14 + 2048),
// and handshake messages reassembled across records (RFC 8446 §4: 4-byte header), with the
// keys and state the decryptor keeps for the direction.
// Layer rule: capture/ — pure.
import type { RecordKey } from './tls-crypto.js';

/** Largest record body accepted (2^14 + 2048, RFC 5246 §6.2.3; TLS 1.3 allows less). */
const MAX_RECORD = 16384 + 2048;
/** Largest handshake message followed (a certificate chain fits many times over). */
const MAX_HANDSHAKE_MESSAGE = 1 << 18;
const EMPTY = new Uint8Array(0);

export type Phase = 'plain' | 'handshake' | 'application' | 'dead';

export class RecordStream {
  /**
   * A record cut off by the end of a chunk: its first 5 bytes until the header is complete,
   * then a buffer of the whole record that later chunks fill, so a record spanning many
   * segments is copied once, not joined again with every segment.
   */
  private cut: Uint8Array = EMPTY;
  /** Bytes of `cut` filled so far. */
  private fill = 0;
  private handshake: Uint8Array = EMPTY;
  phase: Phase = 'plain';
  key: RecordKey | null = null;
  /** TLS 1.2: the key that the next ChangeCipherSpec turns on. */
  pending: RecordKey | null = null;
  /** What `key` (and `pending`) are called, for --tls-detail: the key log's label of the secret. */
  keyLabel: string | null = null;
  pendingLabel: string | null = null;
  /** TLS 1.3: the current traffic secret (KeyUpdate derives the next one). */
  secret: Uint8Array | null = null;
  /** Records seen (the number of the last one). */
  records = 0;
  /** Records in a row that failed authentication. */
  failures = 0;
  sawRecord = false;
  reportedNoKey = false;
  earlySkipped = 0;

  /** Bytes of the record cut off so far (at the end of input: a truncated record). */
  get pendingBytes(): number {
    return this.fill;
  }

  /**
   * Appends bytes and hands on each complete record (header, body). False when a record
   * header is not one (the stream is lost: the caller stops).
   */
  feed(bytes: Uint8Array, onRecord: (header: Uint8Array, body: Uint8Array) => void): boolean {
    let at = 0;
    if (this.fill > 0) {
      at = this.complete(bytes, onRecord);
      if (at < 0) return this.lose();
    }
    const b = bytes;
    while (b.length - at >= 5 && this.phase !== 'dead') {
      const length = recordLength(b, at);
      if (length < 0) return this.lose();
      if (b.length - at < 5 + length) break;
      this.records += 1;
      onRecord(b.subarray(at, at + 5), b.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    }
    if (at < b.length && this.phase !== 'dead') {
      // the unfinished record is copied: the chunk it views belongs to the capture reader
      const rest = b.length - at;
      const length = rest >= 5 ? recordLength(b, at) : -1;
      this.cut = new Uint8Array(length >= 0 ? 5 + length : 5);
      this.cut.set(b.subarray(at), 0);
      this.fill = rest;
    }
    return true;
  }

  /** Fills the cut record from the start of `bytes`: the bytes used, or -1 for a header that is not one. */
  private complete(bytes: Uint8Array, onRecord: (header: Uint8Array, body: Uint8Array) => void): number {
    let pos = 0;
    if (this.fill < 5) {
      pos = Math.min(5 - this.fill, bytes.length);
      this.cut.set(bytes.subarray(0, pos), this.fill);
      this.fill += pos;
      if (this.fill < 5) return pos;
      const length = recordLength(this.cut, 0);
      if (length < 0) return -1;
      const whole = new Uint8Array(5 + length);
      whole.set(this.cut, 0);
      this.cut = whole;
    }
    const take = Math.min(this.cut.length - this.fill, bytes.length - pos);
    this.cut.set(bytes.subarray(pos, pos + take), this.fill);
    this.fill += take;
    pos += take;
    if (this.fill === this.cut.length) {
      const record = this.cut;
      this.drop();
      this.records += 1;
      onRecord(record.subarray(0, 5), record.subarray(5));
    }
    return pos;
  }

  private lose(): false {
    this.drop();
    return false;
  }

  /** Forgets a cut record (a gap, the end of input). */
  drop(): void {
    this.cut = EMPTY;
    this.fill = 0;
  }

  /** Handshake bytes in plaintext; each complete message (type, body) is handed on. */
  handshakeBytes(bytes: Uint8Array, onMessage: (type: number, body: Uint8Array) => void): void {
    this.handshake = this.handshake.length === 0 ? bytes : Buffer.concat([this.handshake, bytes]);
    const h = this.handshake;
    let at = 0;
    while (h.length - at >= 4) {
      const length = (h[at + 1] << 16) | (h[at + 2] << 8) | h[at + 3];
      if (length > MAX_HANDSHAKE_MESSAGE) {
        this.handshake = EMPTY; // not a handshake message: nothing more to follow
        return;
      }
      if (h.length - at < 4 + length) break;
      onMessage(h[at], h.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.handshake = at >= h.length ? EMPTY : h.slice(at);
  }
}

/** The body length of the record header at b[at…], or -1 when it is not a record header. */
function recordLength(b: Uint8Array, at: number): number {
  const length = (b[at + 3] << 8) | b[at + 4];
  return length > MAX_RECORD || b[at + 1] !== 3 ? -1 : length;
}
