// One TCP conversation: two reassembled directions, the WebSocket decision, and the
// StreamEvents it produces once it is known to carry WebSocket (open, data, gap,
// diagnostic, end). Until the decision its first bytes are copied into a small window.
// Layer rule: capture/ — pure; events go out through the host callback only.
import { diagnostic, type Diagnostic, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type { Direction, EndReason, StreamEvent, Timestamp } from '../session/events.js';
import type { CaptureLimits } from './capture-limits.js';
import { findChainToEnd } from './frame-plausibility.js';
import { DetectionWindow, type DetectionBudget } from './detection-window.js';
import { TcpReassembler, type HalfListener, type ReassemblyBudget } from './tcp-reassembler.js';
import { detectWebSocket, type Verdict } from './websocket-detector.js';

/** What a connection needs from the table that owns it. */
export interface ConnectionHost {
  readonly limits: CaptureLimits;
  readonly budget: ReassemblyBudget;
  readonly detectionBudget: DetectionBudget;
  emit(event: StreamEvent): void;
  nextConnNumber(): number;
}

export type ConnectionState = 'detecting' | 'websocket' | 'ignored' | 'ended';

export class TcpConnection implements HalfListener {
  readonly halves: readonly [TcpReassembler, TcpReassembler];
  state: ConnectionState = 'detecting';
  /** Connection number once reported (1-based), else 0. */
  conn = 0;
  synSide = -1;
  clientSide = -1;
  firstFinSide = -1;
  private window: DetectionWindow | null;
  /** Per side: a heuristic connection still looking for its first frame boundary. */
  private readonly seeking = [false, false];

  constructor(
    private readonly host: ConnectionHost,
    /** "ip:port" of side 0 and side 1. */
    readonly endpoints: readonly [string, string],
    private readonly ports: readonly [number, number],
    private readonly forced: boolean,
    private readonly firstTime: Timestamp,
  ) {
    const { maxHeldBytesPerDirection, historyBytes } = host.limits;
    this.halves = [
      new TcpReassembler(this, 0, host.budget, maxHeldBytesPerDirection, historyBytes),
      new TcpReassembler(this, 1, host.budget, maxHeldBytesPerDirection, historyBytes),
    ];
    this.window = new DetectionWindow(host.limits.detectionBytes, host.detectionBudget);
  }

  dir(side: number): Direction {
    return side === this.clientSide ? 'c2s' : 's2c';
  }

  halfData(side: number, bytes: Uint8Array, time: Timestamp): void {
    if (this.state === 'websocket') {
      if (this.seeking[side]) this.seek(side, bytes, time);
      else this.host.emit({ kind: 'data', conn: this.conn, dir: this.dir(side), bytes, time });
    } else if (this.state === 'detecting' && this.window !== null) {
      this.window.append(side, bytes, time);
      this.decide(false, time);
    }
  }

  halfGap(side: number, length: number, time: Timestamp, snaplen: boolean): void {
    if (this.state === 'detecting') {
      this.window?.gap(side, length, time);
    } else if (this.state === 'websocket') {
      if (this.seeking[side]) { this.window?.reset(side); return; }
      const dir = this.dir(side);
      if (snaplen) this.report(diagnostic('tcp.snaplen', `${length} byte(s) ${dir} cut off by the capture snap length`), time, dir);
      this.host.emit({ kind: 'gap', conn: this.conn, dir, length, time });
    }
  }

  halfDiagnostic(side: number, code: DiagnosticCode, detail: string, time: Timestamp): void {
    if (this.state === 'websocket') this.report(diagnostic(code, detail), time, this.dir(side));
    else if (this.state === 'detecting') this.window?.note(side, diagnostic(code, detail), time);
  }

  /** One direction's stream is complete (its FIN reached in order): `end` with that dir. */
  halfFinished(side: number, time: Timestamp): void {
    if (this.state === 'websocket' && !this.seeking[side]) {
      this.host.emit({ kind: 'end', conn: this.conn, reason: 'tcp-fin', time, dir: this.dir(side) });
    }
  }

  /**
   * The connection ended (FIN both ways, RST, or end of input): `end` without a dir.
   * A FIN still waiting for missing bytes first becomes a gap and its direction's end.
   */
  end(reason: EndReason, time: Timestamp): void {
    if (this.state === 'ended') return;
    if (this.state === 'detecting') {
      for (const half of this.halves) half.flushAll(time);
      this.decide(true, time);
    }
    if (this.state === 'websocket') {
      for (const half of this.halves) half.flushAll(time);
      this.host.emit({ kind: 'end', conn: this.conn, reason, time });
    }
    this.release('ended');
  }

  private decide(final: boolean, time: Timestamp): void {
    const w = this.window!;
    const verdict = detectWebSocket({
      sides: w.sides,
      synSide: this.synSide,
      portClientSide: this.ports[1] > this.ports[0] ? 1 : 0,
      forced: this.forced,
      final: final || w.overBudget(),
    });
    this.apply(verdict, time);
  }

  private apply(verdict: Verdict, time: Timestamp): void {
    switch (verdict.kind) {
      case 'wait': return;
      case 'ignore': this.release('ignored'); return;
      case 'tls': {
        const c = verdict.clientSide;
        const text = `TLS connection ${this.endpoints[c]} → ${this.endpoints[1 - c]} — wss cannot be decoded without keys`;
        this.host.emit({ kind: 'diagnostic', conn: null, diagnostic: diagnostic('capture.tls', text), time });
        this.release('ignored');
        return;
      }
      case 'websocket': this.open(verdict, time);
    }
  }

  private open(verdict: Extract<Verdict, { kind: 'websocket' }>, time: Timestamp): void {
    this.clientSide = verdict.clientSide;
    this.conn = this.host.nextConnNumber();
    this.state = 'websocket';
    const c = this.clientSide;
    this.host.emit({
      kind: 'open', conn: this.conn, time: this.firstTime, detectedBy: verdict.detectedBy,
      endpoints: { client: this.endpoints[c], server: this.endpoints[1 - c] },
    });
    if (verdict.detectedBy === 'heuristic') {
      this.report(diagnostic('capture.heuristic', `WebSocket detected by heuristics: ${verdict.reason}`), time);
    }
    const w = this.window!;
    for (const entry of w.entries) {
      const start = verdict.starts[entry.side];
      if (start < 0) continue;
      const dir = this.dir(entry.side);
      if (entry.diagnostic !== null) { this.report(entry.diagnostic, entry.time, dir); continue; }
      if (entry.gap > 0) {
        // A hole after the first decoded byte matters; one before it is just where decoding starts.
        if (entry.from > start || verdict.detectedBy === 'handshake') this.host.emit({ kind: 'gap', conn: this.conn, dir, length: entry.gap, time: entry.time });
        continue;
      }
      const from = Math.max(entry.from, start);
      if (from >= entry.to) continue;
      const bytes = w.sides[entry.side].bytes.subarray(from, entry.to);
      this.host.emit({ kind: 'data', conn: this.conn, dir, bytes, time: entry.time });
    }
    this.seeking[0] = verdict.starts[0] < 0;
    this.seeking[1] = verdict.starts[1] < 0;
    for (const side of [0, 1]) if (this.halves[side].finished) this.halfFinished(side, time);
    if (this.seeking[0] || this.seeking[1]) w.keepOnly(this.seeking);
    else this.dropWindow();
  }

  /** A heuristic direction with no frame boundary yet: keep scanning what arrives. */
  private seek(side: number, bytes: Uint8Array, time: Timestamp): void {
    const w = this.window!;
    w.append(side, bytes, time);
    const s = w.sides[side];
    const start = findChainToEnd(s.bytes.subarray(0, s.length), s.resumeAt, side === this.clientSide)?.start ?? -1;
    if (start < 0) {
      if (s.full) w.keepTail(side);
      return;
    }
    this.seeking[side] = false;
    this.host.emit({ kind: 'data', conn: this.conn, dir: this.dir(side), bytes: s.bytes.subarray(start, s.length), time });
    if (!this.seeking[0] && !this.seeking[1]) this.dropWindow();
    else w.reset(side);
  }

  /** StreamEvent diagnostics carry no direction field, so it leads the message. */
  private report(d: Diagnostic, time: Timestamp, dir?: Direction): void {
    const withDir = dir === undefined ? d : { ...d, message: `${dir}: ${d.message}` };
    this.host.emit({ kind: 'diagnostic', conn: this.conn, diagnostic: withDir, time });
  }

  private dropWindow(): void {
    this.window?.release();
    this.window = null;
  }

  private release(state: ConnectionState): void {
    this.state = state;
    this.dropWindow();
    this.halves[0].release();
    this.halves[1].release();
  }
}
