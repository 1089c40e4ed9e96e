// The TLS layer of one TCP connection of a capture: its bytes go to the decryptor, and its
// plaintext comes out with stream offsets of its own, to the same WebSocket detection and
// decoding as a plain connection's bytes. TLS problems go on the connection once it is one,
// else on the capture with the endpoints named (a connection that never decrypted never opens).
// Layer rule: capture/ — pure.
import { diagnostic, type Diagnostic } from '../../protocol/diagnostic-catalogue.js';
import type { Direction, StreamEvent, Timestamp, TlsInfo, TlsRecordLog } from '../../session/events.js';
import { TlsDecryptor } from './tls-decryptor.js';
import type { TlsKeys } from './tls-keys.js';

/** What the TCP connection does with what the layer produces. */
export interface PlaintextSink {
  deliver(side: number, bytes: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void;
  deliverGap(side: number, length: number, time: Timestamp): void;
  /** The connection is a WebSocket one (numbered): diagnostics go on it. */
  isOpen(): boolean;
  report(d: Diagnostic, time: Timestamp, dir?: Direction): void;
  emit(event: StreamEvent): void;
}

export class TlsLayer {
  private readonly decryptor: TlsDecryptor;
  /** The stream offset of each side's next plaintext byte. */
  private readonly plainAt = [0, 0];
  /**
   * Plaintext lost (records without a key, or failing authentication) and not yet told: one
   * gap per run of lost records, not one per record, before the side's next plaintext or at the end.
   */
  private readonly lost = [0, 0];
  private lostTime: Timestamp = null;
  /** --tls-detail: the records so far, per direction (a renderer trims what it has shown). */
  private readonly records: TlsRecordLog | null;
  /** --tls-detail: per side, where the plaintext of the record being handled starts (-1: none yet). */
  private readonly recordPlain = [-1, -1];
  /** --tls-detail: plaintext of the record being handled, delivered once its note is logged. */
  private readonly held: (() => void)[] = [];

  constructor(
    keys: TlsKeys,
    readonly clientSide: number,
    /** "ip:port" of side 0 and side 1. */
    private readonly endpoints: readonly [string, string],
    private readonly sink: PlaintextSink,
  ) {
    this.records = keys.detail ? { c2s: [], s2c: [] } : null;
    this.decryptor = new TlsDecryptor(keys, clientSide, {
      plaintext: (side, bytes, time, packet, record) => {
        this.flushLost(side);
        const at = this.plainAt[side];
        if (this.recordPlain[side] < 0) this.recordPlain[side] = at;
        this.plainAt[side] += bytes.length;
        // --tls-detail: the record's note goes in the log before the frames its bytes complete
        if (this.records !== null) this.held.push(() => sink.deliver(side, bytes, time, at, packet, record));
        else sink.deliver(side, bytes, time, at, packet, record);
      },
      lost: (side, length, time) => {
        if (this.recordPlain[side] < 0) this.recordPlain[side] = this.plainAt[side];
        this.plainAt[side] += length;
        this.lost[side] += length;
        this.lostTime = time;
      },
      diagnostic: (side, code, message, time) => this.diagnostic(side, diagnostic(code, message), time),
      ...(this.records === null
        ? {}
        : {
            record: (side, facts) => {
              const start = this.recordPlain[side];
              // plaintext of the other side meanwhile (0-RTT data the server accepted) is not this record's
              this.recordPlain[0] = this.recordPlain[1] = -1;
              const plainStart = start < 0 ? this.plainAt[side] : start;
              const dir = side === this.clientSide ? 'c2s' : 's2c';
              this.records![dir].push({ ...facts, plainStart, plainLength: this.plainAt[side] - plainStart });
              const held = this.held.splice(0);
              for (const deliver of held) deliver();
            },
          }),
    });
  }

  /** Some record was decrypted. */
  get decrypted(): boolean {
    return this.decryptor.decrypted;
  }

  info(): TlsInfo {
    const info = this.decryptor.info();
    return this.records === null ? info : { ...info, records: this.records };
  }

  streamAt(side: number): number {
    return this.plainAt[side];
  }

  data(side: number, bytes: Uint8Array, time: Timestamp, packet: number, record: number): void {
    this.decryptor.data(side, bytes, time, packet, record);
  }

  gap(side: number, length: number, time: Timestamp): void {
    this.decryptor.gap(side, length, time);
  }

  end(time: Timestamp): void {
    this.decryptor.end(time);
    this.flushLost(0);
    this.flushLost(1);
  }

  private flushLost(side: number): void {
    const length = this.lost[side];
    if (length === 0) return;
    this.lost[side] = 0;
    this.sink.deliverGap(side, length, this.lostTime);
  }

  /** "client → server" of the connection. */
  name(): string {
    const c = this.clientSide;
    return `${this.endpoints[c]} → ${this.endpoints[1 - c]}`;
  }

  private diagnostic(side: number | null, d: Diagnostic, time: Timestamp): void {
    const dir = side === null ? undefined : side === this.clientSide ? 'c2s' : 's2c';
    if (this.sink.isOpen()) {
      this.sink.report(d, time, dir);
      return;
    }
    const where = `TLS ${this.name()}${dir === undefined ? '' : ` ${dir}`}`;
    this.sink.emit({ kind: 'diagnostic', conn: null, diagnostic: { ...d, message: `${where}: ${d.message}` }, time });
  }
}
