// The debugger's engine for one WebSocket connection, after the 101: each side's bytes are
// read into messages (MessageReader), a Decider says what becomes of each (pass, drop,
// change, delay, hold, fragment, inject, close), and what goes on is framed again for the
// receiver (LegWriter: fresh masks toward the server, the leg's own deflate context).
//
// Order: per direction, data messages leave in the order they came (a delayed or held one
// keeps the later ones waiting); control frames (ping, pong, close) have a lane of their own
// and are never stuck behind a held message. A Close that passes ends its direction: data
// still waiting there is dropped (a peer may send nothing after a Close, RFC 6455 §5.5.1),
// and the receiver's reply goes back the same way. The engine's own close (a rule's
// `close CODE "reason"`) sends a Close to both peers and swallows their replies.
// Layer rule: engine/ — timers for delays and holds; no sockets (the relay feeds it).
import type { KnownFrame } from '../protocol/frame-decoder.js';
import { closePayload } from '../protocol/frame-encoder.js';
import { Opcode, type Frame } from '../protocol/frame.js';
import type { DeflateNegotiation } from '../protocol/handshake-types.js';
import type { ChangeMark, Direction } from '../session/events.js';
import { LegWriter } from './leg-writer.js';
import { MessageReader, type MessageReaderEvents, type ReadMessage } from './message-reader.js';
import type { ControlVerdict, Decider, EngineConnection, EngineMessage, Injection, MessageVerdict } from './verdict.js';

/** The mark of a message that went on as it came (one shared object). */
const WIRE: ChangeMark = Object.freeze({ origin: 'wire' });

export interface EngineOutput {
  /** Wire bytes toward the receiver of `dir` (c2s: the server), and the frames they are (payloads plain). */
  write(dir: Direction, bytes: Uint8Array, frames: KnownFrame[]): void;
  /** Called just before the write of each data message: where it came from. */
  mark(dir: Direction, mark: ChangeMark): void;
  /** A data message of the sender's that the receiver will not get. */
  dropped(dir: Direction, msg: { readonly opcode: number; readonly data: Uint8Array }, why: string): void;
  /** A line for the user about this connection (a released hold, a decider's failure). */
  note(text: string, severity: 'note' | 'warning' | 'error'): void;
  /** Nothing more will be written toward the receiver of `dir` (its sender ended and the lanes are empty). */
  end(dir: Direction): void;
}

export interface EngineSettings {
  readonly conn: number;
  /** What the handshake negotiated, or null without permessage-deflate. */
  readonly deflate: DeflateNegotiation | null;
  readonly decider: Decider | null;
  /** A held message is released after this long (with a note); Infinity: only by release(). */
  readonly holdTimeoutMs: number;
  readonly path?: string;
  readonly protocol?: string | null;
  readonly output: EngineOutput;
}

interface LaneEntry {
  /** False while a decider's Promise is pending. */
  ready: boolean;
  /** Date.now() before which it may not leave. */
  notBefore: number;
  held: boolean;
  holdTimer: NodeJS.Timeout | null;
  /** Sends it (or, once its direction is closed, reports it dropped). */
  readonly run: () => void;
}

interface Lane {
  readonly entries: LaneEntry[];
  timer: NodeJS.Timeout | null;
}

interface EngineSide {
  readonly reader: MessageReader;
  readonly writer: LegWriter;
  readonly data: Lane;
  readonly control: Lane;
  /** A Close went toward this direction's receiver: no data may follow. */
  closed: boolean;
  /** The sender finished (FIN). */
  ended: boolean;
  endSent: boolean;
}

export class TrafficEngine implements EngineConnection {
  readonly conn: number;
  readonly path: string;
  readonly protocol: string | null;
  readonly compressed: boolean;
  private readonly sides: Record<Direction, EngineSide>;
  private readonly decider: Decider | null;
  private readonly output: EngineOutput;
  private index = 0;
  private stopped = false;
  private deciderFailed = false;
  private closeInfo: { code: number | null; reason: string } = { code: null, reason: '' };

  constructor(private readonly settings: EngineSettings) {
    this.conn = settings.conn;
    this.path = settings.path ?? '/';
    this.protocol = settings.protocol ?? null;
    this.compressed = settings.deflate !== null;
    this.decider = settings.decider;
    this.output = settings.output;
    const d = settings.deflate;
    this.sides = {
      c2s: this.side('c2s', d?.client ?? null),
      s2c: this.side('s2c', d?.server ?? null),
    };
    try {
      this.decider?.open?.(this);
    } catch (err) {
      this.deciderError(err);
    }
  }

  /** Bytes from the sender of `dir`. */
  push(dir: Direction, bytes: Uint8Array): void {
    if (!this.stopped) this.sides[dir].reader.push(bytes);
  }

  /** The sender of `dir` finished: its receiver is ended once what waits for it has gone. */
  end(dir: Direction): void {
    this.sides[dir].ended = true;
    this.maybeEnd(dir);
  }

  /** Releases held messages (all, or one direction's). */
  release(dir?: Direction): void {
    for (const d of dir === undefined ? (['c2s', 's2c'] as const) : [dir]) {
      for (const e of this.sides[d].data.entries) this.unhold(e);
      this.pump(d, this.sides[d].data);
    }
  }

  /** Number of data messages waiting (held, delayed or being decided), per direction. */
  waiting(dir: Direction): number {
    return this.sides[dir].data.entries.length;
  }

  /** Injects a message (ctx.send, the UI): after whatever waits in that direction. */
  send(dir: Direction, opcode: number, data: Uint8Array, options: { readonly compress?: boolean } = {}): void {
    if (this.stopped) return;
    this.enqueue(dir, this.sides[dir].data, { ready: true, notBefore: 0 }, () =>
      this.inject({ dir, opcode, data, ...options }),
    );
  }

  /** Null while a message sent toward the receiver of `dir` can still get there; else why not. */
  sendable(dir: Direction): string | null {
    if (this.stopped) return 'the connection is closed';
    if (this.sides[dir].closed)
      return `a Close has gone to the ${dir === 'c2s' ? 'server' : 'client'}: nothing more may be sent that way`;
    return null;
  }

  /** A clean close on both legs: a Close to each peer, their replies kept from the other. */
  close(code: number, reason: string): void {
    if (this.stopped) return;
    let payload: Uint8Array;
    try {
      payload = closePayload(code, reason);
    } catch (err) {
      this.output.note(`cannot close with ${code}: ${(err as Error).message}`, 'error');
      return;
    }
    this.closeInfo = { code, reason };
    for (const dir of ['c2s', 's2c'] as const) {
      const side = this.sides[dir];
      if (side.closed) continue;
      this.closeDirection(dir, 'the proxy closed the connection');
      this.emit(dir, side.writer.control(Opcode.close, payload));
    }
  }

  note(text: string): void {
    this.output.note(text, 'note');
  }

  fail(err: unknown): void {
    this.deciderError(err);
  }

  /** The connection is gone: timers stop, waiting messages are forgotten, the decider is told. */
  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const dir of ['c2s', 's2c'] as const) {
      const side = this.sides[dir];
      for (const lane of [side.data, side.control]) {
        if (lane.timer !== null) clearTimeout(lane.timer);
        for (const e of lane.entries) if (e.holdTimer !== null) clearTimeout(e.holdTimer);
        lane.entries.length = 0;
      }
      side.writer.close();
    }
    try {
      this.decider?.closed?.(this, this.closeInfo);
    } catch (err) {
      this.deciderError(err);
    }
  }

  private side(dir: Direction, deflate: DeflateNegotiation['client'] | null): EngineSide {
    return {
      reader: new MessageReader(deflate, dir === 'c2s' ? 'client' : 'server', new SideEvents(this, dir)),
      writer: new LegWriter(deflate, dir === 'c2s'),
      data: { entries: [], timer: null },
      control: { entries: [], timer: null },
      closed: false,
      ended: false,
      endSent: false,
    };
  }

  /** @internal A whole data message from the sender of `dir` (SideEvents). */
  readMessage(dir: Direction, m: ReadMessage): void {
    this.message(dir, m);
  }

  /** @internal A control frame from the sender of `dir` (SideEvents). */
  readControl(dir: Direction, f: Frame): void {
    this.control(dir, f);
  }

  /** @internal Bytes of the sender of `dir` that are not a usable frame stream (SideEvents). */
  readProblem(dir: Direction, text: string): void {
    this.output.note(`${dir === 'c2s' ? 'client' : 'server'}: ${text}`, 'warning');
  }

  /**
   * @internal A frame of the sender of `dir` too big to relay (SideEvents): the connection
   * cannot go on faithfully, so both legs are closed with 1009 (Message Too Big, RFC 6455 §7.4.1).
   */
  readTooBig(dir: Direction, text: string): void {
    this.output.note(
      `${dir === 'c2s' ? 'client' : 'server'}: ${text}; both legs closed with 1009 (message too big)`,
      'warning',
    );
    this.close(1009, 'message too big for the proxy');
  }

  private message(dir: Direction, m: ReadMessage): void {
    const side = this.sides[dir];
    const arrived = Date.now();
    const msg: EngineMessage = {
      conn: this.conn,
      dir,
      index: ++this.index,
      opcode: m.opcode,
      data: m.data,
      compressed: m.compressed,
      frames: m.frames.length,
      ts: arrived / 1000,
    };
    // a message the proxy could not read whole is passed as it came, never decided on
    if (m.problems.length > 0 || this.decider === null) {
      if (side.data.entries.length === 0) this.pass(dir, m);
      else this.enqueue(dir, side.data, { ready: true, notBefore: 0 }, () => this.pass(dir, m));
      return;
    }
    let answer: MessageVerdict | Promise<MessageVerdict>;
    try {
      answer = this.decider.message(msg);
    } catch (err) {
      this.deciderError(err);
      answer = {};
    }
    // the common case: decided at once, nothing waiting before it, nothing to wait for
    if (
      !(answer instanceof Promise) &&
      side.data.entries.length === 0 &&
      answer.hold !== true &&
      !(answer.delayMs !== undefined && answer.delayMs > 0)
    ) {
      this.apply(dir, m, answer);
      this.maybeEnd(dir);
      return;
    }
    let verdict: MessageVerdict = {};
    const entry: LaneEntry = this.enqueue(dir, side.data, { ready: false, notBefore: 0 }, () =>
      this.apply(dir, m, verdict),
    );
    const decided = (v: MessageVerdict | undefined): void => {
      verdict = v ?? {};
      entry.ready = true;
      entry.notBefore = verdict.delayMs !== undefined && verdict.delayMs > 0 ? arrived + verdict.delayMs : 0;
      if (verdict.hold === true) this.hold(dir, entry);
      this.pump(dir, side.data);
    };
    if (answer instanceof Promise)
      answer.then(decided, (err: unknown) => {
        this.deciderError(err);
        decided(undefined);
      });
    else decided(answer);
  }

  private control(dir: Direction, f: Frame): void {
    const side = this.sides[dir];
    const arrived = Date.now();
    const payload = f.payload;
    // (a Close toward a receiver that already got one, e.g. a peer's reply to the proxy's own
    // close, is swallowed when its turn comes: applyControl)
    if (f.opcode === Opcode.close) this.closeInfo = closeFields(payload, this.closeInfo);
    let verdict: ControlVerdict = {};
    const entry = this.enqueue(dir, side.control, { ready: this.decider?.control === undefined, notBefore: 0 }, () =>
      this.applyControl(dir, f.opcode, payload, verdict),
    );
    if (this.decider?.control === undefined) return;
    const control = this.decider.control.bind(this.decider);
    this.decide(
      () => control({ conn: this.conn, dir, opcode: f.opcode, payload, ts: arrived / 1000 }),
      (v: ControlVerdict | undefined) => {
        verdict = v ?? {};
        entry.ready = true;
        entry.notBefore = verdict.delayMs !== undefined && verdict.delayMs > 0 ? arrived + verdict.delayMs : 0;
        this.pump(dir, side.control);
      },
    );
  }

  /** Runs a decider hook; a throw or a rejected Promise passes the message unchanged (and is reported once). */
  private decide<V>(ask: () => V | Promise<V>, decided: (v: V | undefined) => void): void {
    let answer: V | Promise<V>;
    try {
      answer = ask();
    } catch (err) {
      this.deciderError(err);
      decided(undefined);
      return;
    }
    if (answer instanceof Promise)
      answer.then(decided, (err: unknown) => {
        this.deciderError(err);
        decided(undefined);
      });
    else decided(answer);
  }

  private deciderError(err: unknown): void {
    if (this.deciderFailed) return;
    this.deciderFailed = true;
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.output.note(`a hook failed, the message passed unchanged (reported once per connection): ${text}`, 'error');
  }

  private enqueue(
    dir: Direction,
    lane: Lane,
    start: { ready: boolean; notBefore: number },
    run: () => void,
  ): LaneEntry {
    const entry: LaneEntry = { ...start, held: false, holdTimer: null, run };
    lane.entries.push(entry);
    this.pump(dir, lane);
    return entry;
  }

  private hold(dir: Direction, entry: LaneEntry): void {
    entry.held = true;
    const timeout = this.settings.holdTimeoutMs;
    if (!Number.isFinite(timeout)) return;
    entry.holdTimer = setTimeout(() => {
      entry.holdTimer = null;
      if (!entry.held) return;
      this.output.note(`a held ${dir} message was released after ${timeout / 1000} s (--hold-timeout)`, 'note');
      this.unhold(entry);
      this.pump(dir, this.sides[dir].data);
    }, timeout);
  }

  private unhold(e: LaneEntry): void {
    e.held = false;
    if (e.holdTimer !== null) clearTimeout(e.holdTimer);
    e.holdTimer = null;
  }

  /** Sends what may leave from the head of the lane; sets a timer for a delayed head. */
  private pump(dir: Direction, lane: Lane): void {
    if (this.stopped) return;
    const entries = lane.entries;
    while (entries.length > 0) {
      const head = entries[0];
      if (!head.ready || head.held) break;
      const wait = head.notBefore - Date.now();
      if (wait > 0) {
        if (lane.timer === null)
          lane.timer = setTimeout(() => {
            lane.timer = null;
            this.pump(dir, lane);
          }, wait);
        break;
      }
      entries.shift();
      try {
        head.run();
      } catch (err) {
        // a bug must not stop the lane (or, from a timer, the proxy): say so and go on
        this.output.note(`internal error: ${(err as Error).stack ?? String(err)}`, 'error');
      }
    }
    this.maybeEnd(dir);
  }

  private maybeEnd(dir: Direction): void {
    const side = this.sides[dir];
    if (!side.ended || side.endSent || side.data.entries.length > 0 || side.control.entries.length > 0) return;
    side.endSent = true;
    this.output.end(dir);
  }

  private pass(dir: Direction, m: ReadMessage): void {
    const side = this.sides[dir];
    if (side.closed) return this.output.dropped(dir, m, 'sent after the connection closed');
    this.output.mark(dir, WIRE);
    this.emit(dir, m.problems.length > 0 ? side.writer.asItCame(m) : side.writer.original(m));
  }

  /** Bytes a side's writer just made, toward `dir`'s receiver, with the frames they are. */
  private emit(dir: Direction, bytes: Uint8Array): void {
    this.output.write(dir, bytes, this.sides[dir].writer.takeFrames());
  }

  private apply(dir: Direction, m: ReadMessage, v: MessageVerdict): void {
    const side = this.sides[dir];
    const w = side.writer;
    if (side.closed) return this.output.dropped(dir, m, 'sent after the connection closed');
    if (v.close !== undefined) {
      w.lost(m);
      this.output.dropped(
        dir,
        m,
        `closed the connection with ${v.close.code}${v.by === undefined ? '' : ` (${v.by})`}`,
      );
      this.close(v.close.code, v.close.reason);
      return;
    }
    if (v.drop === true) {
      w.lost(m);
      this.output.dropped(dir, m, v.by === undefined ? 'dropped' : `dropped by ${v.by}`);
    } else if (v.replace !== undefined) {
      w.lost(m);
      const opcode = v.replace.opcode ?? m.opcode;
      const bytes = w.fresh(opcode, v.replace.data, {
        compress: m.compressed || w.compressAdded,
        fragment: v.fragment,
        frames: m.frames.length,
      });
      // marked once its bytes exist: a mark with nothing written would go to the next message
      this.output.mark(dir, { origin: 'modified', original: { opcode: m.opcode, data: m.data } });
      this.emit(dir, bytes);
    } else if (v.fragment !== undefined) {
      this.output.mark(dir, WIRE);
      this.emit(dir, w.reframe(m, v.fragment));
    } else {
      this.output.mark(dir, WIRE);
      this.emit(dir, w.original(m));
    }
    // (no empty array and iterator per message that injects nothing)
    if (v.inject !== undefined)
      for (const inj of v.inject) {
        if (inj.dir === dir) this.inject(inj);
        else this.send(inj.dir, inj.opcode, inj.data);
      }
  }

  private inject(inj: Injection): void {
    const side = this.sides[inj.dir];
    if (side.closed) return;
    const bytes = side.writer.fresh(inj.opcode, inj.data, { compress: inj.compress ?? side.writer.compressAdded });
    this.output.mark(inj.dir, { origin: 'injected' });
    this.emit(inj.dir, bytes);
  }

  private applyControl(dir: Direction, opcode: number, payload: Uint8Array, v: ControlVerdict): void {
    const side = this.sides[dir];
    if (v.close !== undefined) return this.close(v.close.code, v.close.reason);
    if (side.closed) return;
    if (v.drop !== true) {
      if (opcode === Opcode.close) this.closeDirection(dir, 'the connection closed while it waited');
      this.emit(dir, side.writer.control(opcode, payload));
    }
    if (v.inject !== undefined) for (const inj of v.inject) this.send(inj.dir, inj.opcode, inj.data);
  }

  /** A Close goes toward this direction's receiver: data still waiting there will never be sent. */
  private closeDirection(dir: Direction, why: string): void {
    const side = this.sides[dir];
    side.closed = true;
    const waiting = side.data.entries.splice(0);
    for (const e of waiting) {
      this.unhold(e);
      e.run(); // runs as dropped: the direction is closed
    }
    if (waiting.length > 0)
      this.output.note(`${waiting.length} ${dir} message(s) still waiting were dropped: ${why}`, 'note');
  }
}

/**
 * A side's reader events, as a class rather than an object of closures: every connection's
 * readers then call the same functions through objects of one shape, so code optimised for
 * one connection stays valid for the next.
 */
class SideEvents implements MessageReaderEvents {
  constructor(
    private readonly engine: TrafficEngine,
    private readonly dir: Direction,
  ) {}

  message(m: ReadMessage): void {
    this.engine.readMessage(this.dir, m);
  }

  control(f: Frame): void {
    this.engine.readControl(this.dir, f);
  }

  problem(text: string): void {
    this.engine.readProblem(this.dir, text);
  }

  tooBig(text: string): void {
    this.engine.readTooBig(this.dir, text);
  }
}

function closeFields(payload: Uint8Array, previous: { code: number | null; reason: string }) {
  if (previous.code !== null || payload.length < 2) return previous;
  return {
    code: (payload[0] << 8) | payload[1],
    reason: Buffer.from(payload.subarray(2)).toString('utf8'),
  };
}
