// Builds the compact index of a capture from the pipeline's events: a consumer that turns each
// frame and message into a row of columns (columns.ts), a stream stage that learns what the
// decoded events do not say (a connection's TCP sequence bases, whether it was TLS), and the
// receiver of the session's permessage-deflate checkpoints. It hands its rows over in chunks
// (take()), which the index worker posts to the main thread. It runs in the worker, or in the
// calling thread (tests, a small file). Layer rule: index/ — no I/O of its own.
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import type { EventConsumer } from '../pipeline/consumer.js';
import type { StreamStage } from '../pipeline/stages.js';
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { DeflateNegotiation } from '../protocol/handshake-types.js';
import type {
  ConnectionEvent,
  Direction,
  EndEvent,
  FrameEvent,
  HandshakeEvent,
  InspectEvent,
  MessageEvent,
  StreamEvent,
} from '../session/events.js';
import type { DeflateCheckpoint } from '../session/message-assembler.js';
import { F, FrameBatchBuilder, LONG, M, MessageBatchBuilder, type FrameBatch, type MessageBatch } from './columns.js';

/** What the index knows of one connection (few per capture: kept as objects). */
export interface IndexedConnection {
  readonly conn: number;
  connection: ConnectionEvent;
  handshake: HandshakeEvent[];
  end?: EndEvent;
  /** TCP sequence number of stream offset 0 per direction (null: unknown; the whole field null: TLS or no capture). */
  seqBase: { c2s: number | null; s2c: number | null } | null;
  /** Its bytes were TLS, decrypted with a key log: offsets are the plaintext's, not the file's. */
  tls: boolean;
  /** permessage-deflate as negotiated (or assumed without a handshake); null: none. */
  deflate: DeflateNegotiation | null;
  /** The handshake was seen: the first compressed message starts each sender's context. */
  handshakeSeen: boolean;
  frames: number;
  messages: number;
  /** Row of its first frame per direction (-1: none yet). */
  firstRow: { c2s: number; s2c: number };
}

/** A deflate context saved while indexing: the next compressed message of its direction inflates from it. */
export interface IndexCheckpoint {
  readonly conn: number;
  readonly dir: Direction;
  /** Row of the last frame of the message after which the context holds. */
  readonly afterRow: number;
  /** Stream offset just after that message. */
  readonly streamAfter: number;
  readonly window: Uint8Array;
  readonly fromStart: boolean;
}

/** Rows and what came with them since the last chunk. */
export interface IndexChunk {
  readonly frames: FrameBatch;
  readonly messages: MessageBatch;
  readonly frameDiagnostics: [number, string[]][];
  readonly messageDiagnostics: [number, string[]][];
  readonly frameLongLengths: [number, number][];
  readonly messageLongLengths: [number, number][];
  readonly messageTimes: [number, number | null][];
  /** Connections new or changed since the last chunk (whole objects). */
  readonly connections: IndexedConnection[];
  readonly checkpoints: IndexCheckpoint[];
  /** Diagnostic events of severity error (not on a frame or message) since the last chunk. */
  readonly errors: number;
  readonly timeOrigin: number | null;
}

export interface IndexOptions {
  readonly decodeAs?: readonly number[];
  readonly keyLog?: KeyLogSecrets;
  /** Deflate checkpoints: asked of the session after every `every`-th compressed message… */
  readonly checkpointEvery?: number;
  /** …and kept when the direction's stream went at least this far since the last one kept (bytes). */
  readonly checkpointSpacing?: number;
}

export const DEFAULT_CHECKPOINT_EVERY = 16;
export const DEFAULT_CHECKPOINT_SPACING = 1 << 20;

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, note: 2 };

/** Diagnostic codes, worst first. */
export function codesOf(diagnostics: readonly Diagnostic[]): string[] {
  return [...diagnostics]
    .sort((a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3))
    .map((d) => d.code);
}

export class IndexBuilder {
  /** Frames and messages indexed so far (row numbers of the next ones). */
  frameRows = 0;
  messageRows = 0;
  private readonly frames: FrameBatchBuilder;
  private readonly messages = new MessageBatchBuilder();
  private frameDiagnostics: [number, string[]][] = [];
  private messageDiagnostics: [number, string[]][] = [];
  private frameLong: [number, number][] = [];
  private messageLong: [number, number][] = [];
  private messageTimes: [number, number | null][] = [];
  private readonly conns = new Map<number, IndexedConnection>();
  private changed = new Set<IndexedConnection>();
  private checkpoints: IndexCheckpoint[] = [];
  private errors = 0;
  private timeOrigin: number | null = null;
  /** Per connection and direction: rows of frames not yet in a message, by frame index. */
  private readonly openRows = new Map<string, Map<number, number>>();
  /** Checkpoints whose message's last frame has no row yet (the session hands them over first). */
  private readonly pending: DeflateCheckpoint[] = [];
  /** Per connection and direction: stream offset of the last checkpoint kept. */
  private readonly lastKept = new Map<string, number>();
  /** Per stream stage: what the open events said, until the connection event comes. */
  private readonly opens = new Map<number, Extract<StreamEvent, { kind: 'open' }>>();
  /** Bytes of checkpoint windows kept so far. */
  checkpointBytes = 0;
  checkpointCount = 0;

  constructor(
    wide: boolean,
    private readonly assumeDeflate: DeflateNegotiation | null,
    private readonly spacing: number = DEFAULT_CHECKPOINT_SPACING,
  ) {
    this.frames = new FrameBatchBuilder(wide);
  }

  /** The pipeline consumer: every decoded event. */
  readonly consumer: EventConsumer = {
    keepPayload: 0,
    event: (ev) => this.event(ev),
    timeOrigin: (t) => {
      this.timeOrigin ??= t;
    },
  };

  /** The stream stage (in front of the session): open events' sequence bases. */
  readonly stage: StreamStage = {
    connect: (next) => (ev) => {
      if (ev.kind === 'open') this.opens.set(ev.conn, ev);
      next(ev);
    },
  };

  /** The session's checkpoint callback. */
  onCheckpoint(c: DeflateCheckpoint): void {
    this.pending.push(c);
  }

  /** Rows since the last take. */
  get pendingRows(): number {
    return this.frames.count + this.messages.count;
  }

  take(): IndexChunk {
    const chunk: IndexChunk = {
      frames: this.frames.take(),
      messages: this.messages.take(),
      frameDiagnostics: this.frameDiagnostics,
      messageDiagnostics: this.messageDiagnostics,
      frameLongLengths: this.frameLong,
      messageLongLengths: this.messageLong,
      messageTimes: this.messageTimes,
      connections: [...this.changed],
      checkpoints: this.checkpoints,
      errors: this.errors,
      timeOrigin: this.timeOrigin,
    };
    this.frameDiagnostics = [];
    this.messageDiagnostics = [];
    this.frameLong = [];
    this.messageLong = [];
    this.messageTimes = [];
    this.changed = new Set();
    this.checkpoints = [];
    this.errors = 0;
    return chunk;
  }

  private event(ev: InspectEvent): void {
    switch (ev.type) {
      case 'connection':
        this.connection(ev);
        return;
      case 'handshake':
        this.handshake(ev);
        return;
      case 'frame':
        this.frame(ev);
        return;
      case 'message':
        this.message(ev);
        return;
      case 'diagnostic':
        if (ev.diagnostic.severity === 'error') this.errors++;
        return;
      case 'end': {
        const c = this.conns.get(ev.conn);
        if (c !== undefined) {
          c.end = ev;
          this.changed.add(c);
        }
      }
    }
  }

  private connection(ev: ConnectionEvent): void {
    const open = this.opens.get(ev.conn);
    this.opens.delete(ev.conn);
    const c: IndexedConnection = {
      conn: ev.conn,
      connection: ev,
      handshake: [],
      seqBase: open?.seqBase === undefined ? null : { ...open.seqBase },
      tls: open?.tls !== undefined,
      deflate: ev.detectedBy === 'handshake' ? null : this.assumeDeflate,
      handshakeSeen: false,
      frames: 0,
      messages: 0,
      firstRow: { c2s: -1, s2c: -1 },
    };
    this.conns.set(ev.conn, c);
    this.changed.add(c);
  }

  private handshake(ev: HandshakeEvent): void {
    const c = this.conns.get(ev.conn);
    if (c === undefined) return;
    c.handshake.push(ev);
    if (ev.handshake.side === 'response') {
      c.handshakeSeen = true;
      c.deflate = ev.handshake.deflate;
    }
    this.changed.add(c);
  }

  private frame(ev: FrameEvent): void {
    const row = this.frameRows++;
    const f = ev.frame;
    let flags = f.opcode & 15;
    if (f.fin) flags |= F.FIN;
    if (f.rsv1) flags |= F.RSV1;
    if (f.rsv2) flags |= F.RSV2;
    if (f.rsv3) flags |= F.RSV3;
    if (f.masked) flags |= F.MASKED;
    if (ev.dir === 's2c') flags |= F.S2C;
    if (ev.compressed) flags |= F.COMPRESSED;
    if (f.truncated) flags |= F.TRUNCATED;
    if (ev.diagnostics.length > 0) {
      flags |= F.DIAG;
      this.frameDiagnostics.push([row, codesOf(ev.diagnostics)]);
    }
    const origin = ev.capture;
    if (origin === undefined) flags |= F.NO_ORIGIN;
    const len = f.payloadLength;
    if (len >= LONG) this.frameLong.push([row, len]);
    this.frames.push(
      ev.conn,
      ev.index,
      ev.time ?? NaN,
      Math.min(len, LONG),
      origin?.record ?? 0,
      origin?.packet ?? 0,
      origin?.streamStart ?? 0,
      flags,
    );
    let rows = this.openRows.get(`${ev.conn}${ev.dir}`);
    if (rows === undefined) this.openRows.set(`${ev.conn}${ev.dir}`, (rows = new Map()));
    rows.set(ev.index, row);
    const c = this.conns.get(ev.conn);
    if (c !== undefined) {
      c.frames++;
      if (c.firstRow[ev.dir] < 0) c.firstRow[ev.dir] = row;
      this.changed.add(c);
    }
    if (this.pending.length > 0) this.resolveCheckpoints(ev.conn, ev.dir, ev.index, row);
  }

  private resolveCheckpoints(conn: number, dir: Direction, index: number, row: number): void {
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p.conn !== conn || p.dir !== dir || p.afterFrame !== index) continue;
      this.pending.splice(i--, 1);
      const key = `${conn}${dir}`;
      const streamAfter = (p.capture?.streamEnd ?? -1) + 1;
      if (p.capture === undefined) continue;
      const last = this.lastKept.get(key);
      if (last !== undefined && streamAfter - last < this.spacing) continue;
      this.lastKept.set(key, streamAfter);
      this.checkpoints.push({ conn, dir, afterRow: row, streamAfter, window: p.window, fromStart: p.fromStart });
      this.checkpointBytes += p.window.byteLength;
      this.checkpointCount++;
    }
  }

  private message(ev: MessageEvent): void {
    const row = this.messageRows++;
    const rows = this.openRows.get(`${ev.conn}${ev.dir}`);
    const lastRow = rows?.get(ev.lastFrame);
    const firstRow = rows?.get(ev.firstFrame);
    if (rows !== undefined) for (const k of rows.keys()) if (k <= ev.lastFrame) rows.delete(k);
    let flags = ev.opcode & 15;
    if (ev.complete) flags |= M.COMPLETE;
    if (ev.compressed) flags |= M.COMPRESSED;
    if (ev.dir === 's2c') flags |= M.S2C;
    if (ev.diagnostics.length > 0) {
      flags |= M.DIAG;
      this.messageDiagnostics.push([row, codesOf(ev.diagnostics)]);
    }
    const last = lastRow ?? this.frameRows - 1;
    if (firstRow === undefined) flags |= M.FIRST_UNKNOWN;
    if (ev.length >= LONG) this.messageLong.push([row, ev.length]);
    this.messages.push(firstRow ?? last, last, Math.min(ev.length, LONG), flags);
    // the last frame's time unless it differs (the frame's row is in this or an earlier batch)
    if (ev.time !== this.frameTime(last)) this.messageTimes.push([row, ev.time]);
    const c = this.conns.get(ev.conn);
    if (c !== undefined) {
      c.messages++;
      this.changed.add(c);
    }
  }

  /** Times of rows still in the current batch; older rows: unknown here (undefined). */
  private frameTime(row: number): number | null | undefined {
    const local = row - (this.frameRows - this.frames.count);
    if (local < 0) return undefined;
    const t = this.frames.timeAt(local);
    return Number.isNaN(t) ? null : t;
  }
}
