// One TCP conversation: two reassembled directions, the WebSocket decision, and the
// StreamEvents it produces once it is known to carry WebSocket (open, data, gap,
// diagnostic, end). Until the decision its first bytes are copied into a small window;
// a plain-HTTP connection is then followed message by message, as it may Upgrade later.
// Layer rule: capture/ — pure; events go out through the host callback only.
import { diagnostic, type Diagnostic, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type { Direction, EndReason, StreamEvent, Timestamp } from '../session/events.js';
import type { CaptureLimits } from './capture-limits.js';
import type { CaptureTally } from './capture-tally.js';
import { DetectionWindow, type DetectionBudget } from './detection-window.js';
import { FOLLOWING, GIVE_UP, HttpKeepAliveFollower } from './http-keep-alive-follower.js';
import { TcpReassembler, type HalfListener, type PacketPosition, type ReassemblyBudget } from './tcp-reassembler.js';
import type { TlsKeys } from './tls/tls-keys.js';
import { TlsLayer } from './tls/tls-layer.js';
import { MAX_SCAN_BYTES, boundaryOf, detectWebSocket, type Verdict } from './websocket-detector.js';

/** What a connection needs from the table that owns it. */
export interface ConnectionHost {
  readonly limits: CaptureLimits;
  readonly budget: ReassemblyBudget;
  readonly detectionBudget: DetectionBudget;
  readonly position: PacketPosition;
  /** What the capture held besides WebSocket (the hints of an empty result). */
  readonly tally: CaptureTally;
  /** The key log (and what the capture taught about TLS sessions); its secrets may be empty. */
  readonly tlsKeys: TlsKeys;
  emit(event: StreamEvent): void;
  nextConnNumber(): number;
}

export type ConnectionState = 'detecting' | 'websocket' | 'ignored' | 'ended';

export class TcpConnection implements HalfListener {
  readonly halves: readonly [TcpReassembler, TcpReassembler];
  state: ConnectionState = 'detecting';
  /** Connection number once reported (1-based), else 0. */
  conn = 0;
  /** Segments seen (for the capture's tally). */
  packets = 0;
  /** Found to be TLS. */
  tls = false;
  synSide = -1;
  clientSide = -1;
  firstFinSide = -1;
  private window: DetectionWindow | null;
  /** Plain HTTP so far, followed until a request Upgrades (then until the server answers it). */
  private follower: HttpKeepAliveFollower | null = null;
  /** Per side: a WebSocket connection whose side has not reached its first byte to decode. */
  private readonly seeking = [false, false];
  /** The window's arrivals are being handed to the follower. */
  private replaying = false;
  /** TLS with a key log: the bytes of both sides go through it, and its plaintext is decoded. */
  private tlsLayer: TlsLayer | null = null;

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
      new TcpReassembler(this, 0, host.budget, maxHeldBytesPerDirection, historyBytes, host.position),
      new TcpReassembler(this, 1, host.budget, maxHeldBytesPerDirection, historyBytes, host.position),
    ];
    this.window = new DetectionWindow(host.limits.detectionBytes, host.detectionBudget);
  }

  /** The server's port: the side that did not send the first SYN, else the lower port. */
  serverPort(): number {
    if (this.clientSide >= 0) return this.ports[1 - this.clientSide];
    if (this.synSide >= 0) return this.ports[1 - this.synSide];
    return Math.min(this.ports[0], this.ports[1]);
  }

  dir(side: number): Direction {
    return side === this.clientSide ? 'c2s' : 's2c';
  }

  halfData(side: number, bytes: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void {
    if (this.tlsLayer !== null) {
      if (this.state === 'websocket' || this.state === 'detecting')
        this.tlsLayer.data(side, bytes, time, packet, record);
    } else this.deliver(side, bytes, time, at, packet, record);
  }

  /** The connection's bytes to decode: as captured, or the plaintext of its TLS records. */
  private deliver(side: number, bytes: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void {
    if (this.state === 'websocket') {
      if (this.seeking[side]) this.seek(side, bytes, time, at, packet, record);
      else this.host.emit({ kind: 'data', conn: this.conn, dir: this.dir(side), bytes, time, at, packet, record });
    } else if (this.state === 'detecting') {
      if (this.follower !== null) this.follow(side, bytes, time, at, packet, record);
      else if (this.window !== null) {
        this.window.append(side, bytes, time, at, packet, record);
        this.decide(false, time);
      }
    }
  }

  halfGap(side: number, length: number, time: Timestamp, snaplen: boolean): void {
    if (this.tlsLayer !== null) {
      if (this.state === 'websocket' || this.state === 'detecting') this.tlsLayer.gap(side, length, time);
    } else this.deliverGap(side, length, time, snaplen);
  }

  private deliverGap(side: number, length: number, time: Timestamp, snaplen: boolean): void {
    if (this.state === 'detecting') {
      // A gap the follower cannot skip fails it; the connection is dropped at its next data,
      // not here: the reassembler is in the middle of handing on its held bytes.
      this.follower?.gap(side, length);
      this.window?.gap(side, length, time);
    } else if (this.state === 'websocket') {
      if (this.seeking[side]) {
        if (this.follower !== null)
          this.follower.gap(side, length); // a failed follower stays so
        else this.window?.reset(side);
        return;
      }
      const dir = this.dir(side);
      if (snaplen)
        this.report(
          diagnostic('tcp.snaplen', `${length} byte(s) ${dir} cut off by the capture snap length`),
          time,
          dir,
        );
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
    if (this.state === 'detecting' || this.state === 'websocket') {
      for (const half of this.halves) half.flushAll(time);
      this.tlsLayer?.end(time);
    }
    if (this.state === 'detecting' && this.window !== null) this.decide(true, time);
    if (this.state === 'websocket') this.host.emit({ kind: 'end', conn: this.conn, reason, time });
    const tls = this.tlsLayer;
    if (tls !== null && !tls.decrypted)
      this.host.tally.tlsSeen(this.endpoints[tls.clientSide], this.endpoints[1 - tls.clientSide]);
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
      case 'wait':
        if (verdict.scanFurther === true) this.slideFull();
        return;
      case 'ignore':
        this.release('ignored');
        return;
      case 'http':
        this.startFollowing(verdict.clientSide, verdict.requestSeen, time);
        return;
      case 'tls': {
        const c = verdict.clientSide;
        this.tls = true;
        if (this.tlsLayer === null && this.host.tlsKeys.secrets.size > 0) {
          this.startTls(c);
          return;
        }
        this.host.tally.tlsSeen(this.endpoints[c], this.endpoints[1 - c]);
        const text = `TLS connection ${this.endpoints[c]} → ${this.endpoints[1 - c]} — wss cannot be decoded without keys`;
        this.host.emit({ kind: 'diagnostic', conn: null, diagnostic: diagnostic('capture.tls', text), time });
        this.release('ignored');
        return;
      }
      case 'websocket':
        this.open(verdict, time);
    }
  }

  /**
   * TLS with a key log: the window's arrivals go to the decryptor, and a new window collects
   * its plaintext for the same WebSocket decision as a plain connection.
   */
  private startTls(clientSide: number): void {
    const w = this.window!;
    this.window = new DetectionWindow(this.host.limits.detectionBytes, this.host.detectionBudget);
    this.tlsLayer = new TlsLayer(this.host.tlsKeys, clientSide, this.endpoints, {
      deliver: (side, bytes, time, at, packet, record) => this.deliver(side, bytes, time, at, packet, record),
      deliverGap: (side, length, time) => this.deliverGap(side, length, time, false),
      isOpen: () => this.state === 'websocket',
      report: (d, time, dir) => this.report(d, time, dir),
      emit: (event) => this.host.emit(event),
    });
    for (const e of w.entries) {
      if (this.tlsLayer === null) break;
      if (e.gap > 0) this.halfGap(e.side, e.gap, e.time, false);
      else if (e.diagnostic !== null) this.halfDiagnostic(e.side, e.diagnostic.code, e.diagnostic.message, e.time);
      else this.halfData(e.side, w.sides[e.side].bytes.subarray(e.from, e.to), e.time, e.at, e.packet, e.record);
    }
    w.release();
  }

  /** The connection carries WebSocket: numbers it and emits `open`. */
  private announce(detectedBy: 'handshake' | 'heuristic', clientSide: number): void {
    this.clientSide = clientSide;
    this.conn = this.host.nextConnNumber();
    this.state = 'websocket';
    this.host.emit({
      kind: 'open',
      conn: this.conn,
      time: this.firstTime,
      detectedBy,
      endpoints: { client: this.endpoints[clientSide], server: this.endpoints[1 - clientSide] },
      ...(this.tlsLayer === null ? { seqBase: this.seqBase(clientSide) } : { tls: this.tlsLayer.info() }),
    });
  }

  /** Sequence number of stream offset 0 per direction, where that side has started. */
  private seqBase(clientSide: number): { c2s: number | null; s2c: number | null } {
    const base = (side: number): number | null => (this.halves[side].started ? this.halves[side].baseSeq : null);
    return { c2s: base(clientSide), s2c: base(1 - clientSide) };
  }

  private open(verdict: Extract<Verdict, { kind: 'websocket' }>, time: Timestamp): void {
    this.announce(verdict.detectedBy, verdict.clientSide);
    if (verdict.detectedBy === 'heuristic') {
      this.report(diagnostic('capture.heuristic', `WebSocket detected by heuristics: ${verdict.reason}`), time);
    }
    const w = this.window!;
    for (const side of [0, 1])
      if (verdict.starts[side] >= 0) this.reportSkipped(side, w.sides[side].skipped + verdict.starts[side], time);
    for (const entry of w.entries) {
      const start = verdict.starts[entry.side];
      if (start < 0) continue;
      const dir = this.dir(entry.side);
      if (entry.diagnostic !== null) {
        this.report(entry.diagnostic, entry.time, dir);
        continue;
      }
      if (entry.gap > 0) {
        // A hole after the first decoded byte matters; one before it is just where decoding starts.
        if (entry.from > start || verdict.detectedBy === 'handshake')
          this.host.emit({ kind: 'gap', conn: this.conn, dir, length: entry.gap, time: entry.time });
        continue;
      }
      const from = Math.max(entry.from, start);
      if (from >= entry.to) continue;
      const bytes = w.sides[entry.side].bytes.subarray(from, entry.to);
      const { packet, record } = entry;
      const at = entry.at + (from - entry.from);
      this.host.emit({ kind: 'data', conn: this.conn, dir, bytes, time: entry.time, at, packet, record });
    }
    this.seeking[0] = verdict.starts[0] < 0;
    this.seeking[1] = verdict.starts[1] < 0;
    this.endFinishedHalves(time);
    if (this.seeking[0] || this.seeking[1]) w.keepOnly(this.seeking);
    else this.dropWindow();
  }

  /**
   * Plain HTTP first: its messages are followed from the first byte both ways (the window's
   * arrivals replayed in order), since a later request may Upgrade to websocket.
   */
  private startFollowing(clientSide: number, requestSeen: boolean, time: Timestamp): void {
    const w = this.window!;
    this.window = null;
    this.follower = new HttpKeepAliveFollower(clientSide, requestSeen, this.host.detectionBudget);
    this.replaying = true;
    for (const e of w.entries) {
      if (this.state === 'ignored') break;
      // the window holds what is decoded (under TLS: plaintext), so it goes past the TLS layer
      if (e.gap > 0) this.deliverGap(e.side, e.gap, e.time, false);
      else if (e.diagnostic !== null) this.halfDiagnostic(e.side, e.diagnostic.code, e.diagnostic.message, e.time);
      else this.deliver(e.side, w.sides[e.side].bytes.subarray(e.from, e.to), e.time, e.at, e.packet, e.record);
    }
    w.release();
    this.replaying = false;
    if (this.state === 'websocket') this.endFinishedHalves(time);
  }

  /** Plain HTTP so far: one side's bytes; the request that Upgrades opens the connection. */
  private follow(
    side: number,
    bytes: Uint8Array,
    time: Timestamp,
    streamAt: number,
    packet: number,
    record: number,
  ): void {
    const f = this.follower!;
    const at = f.feed(side, bytes);
    if (at === GIVE_UP) {
      this.release('ignored');
      return;
    }
    if (at === FOLLOWING) return;
    // Decoding starts at the Upgrade request, exactly as if it were the first one.
    this.announce('handshake', f.clientSide);
    const dir = this.dir(side);
    // the held head may have begun in an earlier packet: its packet is approximate, its offset not
    const heldAt = streamAt + at - f.held.length;
    this.host.emit({ kind: 'data', conn: this.conn, dir, bytes: f.held, time, at: heldAt, packet, record });
    if (at < bytes.length)
      this.host.emit({
        kind: 'data',
        conn: this.conn,
        dir,
        bytes: bytes.subarray(at),
        time,
        at: streamAt + at,
        packet,
        record,
      });
    const server = 1 - f.clientSide;
    this.seeking[server] = !f.serverReady();
    if (!this.seeking[server]) this.startResponse(f.held, time, this.streamAt(server) - f.held.length, 0, -1);
    // While the window is replayed, FINs already seen wait until its last arrival.
    if (!this.replaying) this.endFinishedHalves(time);
  }

  /** Where a side's decoded stream is: its TCP offset, or its plaintext's under TLS. */
  private streamAt(side: number): number {
    return this.tlsLayer === null ? this.halves[side].streamAt : this.tlsLayer.streamAt(side);
  }

  private endFinishedHalves(time: Timestamp): void {
    for (const side of [0, 1]) if (this.halves[side].finished) this.halfFinished(side, time);
  }

  /** After the Upgrade request: the server's bytes until the response to it begins. */
  private seekResponse(
    side: number,
    bytes: Uint8Array,
    time: Timestamp,
    streamAt: number,
    packet: number,
    record: number,
  ): void {
    const f = this.follower!;
    const at = f.feed(side, bytes);
    if (at < 0) return; // earlier responses still going, or lost (then nothing more is shown)
    this.seeking[side] = false;
    this.startResponse(f.held, time, streamAt + at - f.held.length, packet, record);
    if (at < bytes.length)
      this.host.emit({
        kind: 'data',
        conn: this.conn,
        dir: this.dir(side),
        bytes: bytes.subarray(at),
        time,
        at: streamAt + at,
        packet,
        record,
      });
  }

  /** The response's first bytes (`at`: their stream offset; packet 0 when not known). */
  private startResponse(held: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void {
    if (held.length > 0) {
      const dir = this.dir(1 - this.clientSide);
      this.host.emit({ kind: 'data', conn: this.conn, dir, bytes: held, time, at, packet, record });
    }
    this.dropFollower();
  }

  /** A direction with no frame boundary yet: keep scanning what arrives. */
  private seek(side: number, bytes: Uint8Array, time: Timestamp, at: number, packet: number, record: number): void {
    if (this.follower !== null) {
      this.seekResponse(side, bytes, time, at, packet, record);
      return;
    }
    const w = this.window!;
    w.append(side, bytes, time, at, packet, record);
    const s = w.sides[side];
    const start = boundaryOf(s, side === this.clientSide);
    if (start < 0) {
      if (s.full) w.keepTail(side);
      return;
    }
    this.seeking[side] = false;
    this.reportSkipped(side, s.skipped + start, time);
    // the window's bytes end where these did, with no hole (a gap resets it)
    const first = w.arrivalAt(side, start);
    this.host.emit({
      kind: 'data',
      conn: this.conn,
      dir: this.dir(side),
      bytes: s.bytes.subarray(start, s.length),
      time,
      at: at + bytes.length - (s.length - start),
      packet: first?.packet ?? packet,
      record: first?.record ?? record,
    });
    if (!this.seeking[0] && !this.seeking[1]) this.dropWindow();
    else w.reset(side);
  }

  /** Full sides held no frame boundary: they slide on, scanning further (up to MAX_SCAN_BYTES). */
  private slideFull(): void {
    const w = this.window!;
    for (const side of [0, 1]) {
      if (w.sides[side].full) w.slide(side, this.synSide < 0 ? null : side === this.synSide, MAX_SCAN_BYTES);
    }
  }

  /** Decoding starts after bytes of a frame whose start was not captured: say how many. */
  private reportSkipped(side: number, skipped: number, time: Timestamp): void {
    if (skipped <= 0) return;
    const text = `decoding starts at the first frame boundary found, after skipping ${skipped} byte(s) of a frame whose start was not captured`;
    this.report(diagnostic('capture.midstream.skipped', text), time, this.dir(side));
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

  private dropFollower(): void {
    this.follower?.release();
    this.follower = null;
  }

  private release(state: ConnectionState): void {
    this.state = state;
    this.dropWindow();
    this.dropFollower();
    this.tlsLayer = null;
    this.halves[0].release();
    this.halves[1].release();
  }
}
