// The proxy's relay when traffic may change (--rule, --script, the UI): the opening handshake
// passes verbatim, as the peers sent it (negotiated extensions and subprotocol untouched);
// after the server's 101 both legs are terminated and a TrafficEngine sits between them.
// A request that is not an upgrade, or a refused upgrade, stays a verbatim relay.
// The observer sees the handshake once (no leg) and, after the 101, every byte per leg:
// what each sender sent on its own leg, and what each receiver got on its leg.
// Layer rule: engine/ — socket I/O of the two legs.
import type { Socket } from 'node:net';
import type { KnownFrame } from '../protocol/frame-decoder.js';
import type { HandshakeRequest } from '../protocol/handshake-types.js';
import { parseHandshakeRequest } from '../protocol/handshake-request.js';
import { parseHandshakeResponse } from '../protocol/handshake-response.js';
import { HeadEndScanner } from '../protocol/upgrade-detection.js';
import type { ChangeMark, Direction } from '../session/events.js';
import { resetSocket, type RelayObserver } from '../sources/proxy/relay.js';
import { TrafficEngine, type EngineOutput } from './traffic-engine.js';
import type { Decider } from './verdict.js';

/** The receiving peer's leg of a direction (c2s arrives at the server). */
const RECEIVER_LEG = { c2s: 'server', s2c: 'client' } as const;
const SENDER_LEG = { c2s: 'client', s2c: 'server' } as const;
/** A head this long without its end is not a handshake: the connection stays verbatim. */
const MAX_HEAD = 64 * 1024;

export interface TerminatingRelayOptions {
  /** The decider for a connection (rules, a script, the UI). */
  readonly decider: (conn: number) => Decider | null;
  readonly holdTimeoutMs: number;
  /** Where each data message the receiver got came from (before its bytes are observed). */
  readonly mark?: (conn: number, dir: Direction, mark: ChangeMark) => void;
  readonly dropped?: (
    conn: number,
    dir: Direction,
    msg: { readonly opcode: number; readonly data: Uint8Array },
    why: string,
  ) => void;
  readonly note?: (conn: number, text: string, severity: 'note' | 'warning' | 'error') => void;
  /** Told each engine as it starts (the UI releases holds through it). */
  readonly started?: (engine: TrafficEngine) => void;
}

export type LegObserver = RelayObserver;

/** Relays `client` ⇄ `server` like relay(), terminating WebSocket after the 101. */
export function terminatingRelay(
  options: TerminatingRelayOptions,
  conn: number,
  client: Socket,
  server: Socket,
  observer: LegObserver,
  firstC2s?: Buffer,
): void {
  new TerminatedConnection(options, conn, client, server, observer).start(firstC2s);
}

/**
 * One connection. It is the engine's output itself (one object, its methods shared by every
 * connection) rather than an object of closures made per connection, and its sockets' data
 * listeners are swapped once the engine starts instead of testing for the engine on every
 * chunk: code optimised for one connection stays valid for the next.
 */
class TerminatedConnection implements EngineOutput {
  private engine: TrafficEngine | null = null;
  /** Handshake phase: bytes of each head seen so far, until its end. */
  private readonly heads: Record<Direction, Buffer[]> = { c2s: [], s2c: [] };
  private readonly headSize: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private readonly scanners = { c2s: new HeadEndScanner(), s2c: new HeadEndScanner() };
  private request: HandshakeRequest | null = null;
  /** Client bytes after its request head, before the 101: frames for the engine. */
  private early: Buffer[] = [];
  private verbatim = false;
  /** True while the engine reads a chunk: its writes are gathered in `pending`. */
  private batching = false;
  private pending: Record<Direction, Uint8Array[]> = { c2s: [], s2c: [] };
  /** The frames of `pending`'s bytes, in order (what the display decodes without parsing). */
  private pendingFrames: Record<Direction, KnownFrame[]> = { c2s: [], s2c: [] };
  private error: Error | null = null;
  private open = 2;

  constructor(
    private readonly options: TerminatingRelayOptions,
    private readonly conn: number,
    private readonly client: Socket,
    private readonly server: Socket,
    private readonly observer: LegObserver,
  ) {}

  start(firstC2s?: Buffer): void {
    const { client, server } = this;
    const onClose = (): void => {
      if (--this.open > 0) return;
      this.engine?.dispose();
      this.observer.closed(this.error === null ? 'tcp-fin' : 'tcp-rst', this.error);
    };
    const onError =
      (other: Socket) =>
      (err: Error): void => {
        this.error ??= err;
        resetSocket(other);
      };
    client.on('error', onError(server));
    server.on('error', onError(client));
    client.on('close', onClose);
    server.on('close', onClose);
    this.pump(client, server, 'c2s');
    this.pump(server, client, 's2c');
    if (firstC2s !== undefined && firstC2s.length > 0) this.input('c2s', firstC2s);
  }

  private socketOf(leg: 'client' | 'server'): Socket {
    return leg === 'client' ? this.client : this.server;
  }

  private pump(src: Socket, dst: Socket, dir: Direction): void {
    dst.on('drain', () => {
      if (!src.destroyed) src.resume();
    });
    src.on('data', dir === 'c2s' ? this.handshakeC2s : this.handshakeS2c);
    src.on('end', () => {
      if (this.engine !== null) this.engine.end(dir);
      else this.endToward(dir);
    });
    src.resume();
    src.on('close', () => {
      if (!src.readableEnded && !dst.destroyed) resetSocket(dst);
    });
  }

  /** Writes what the engine made while a chunk was being read: one buffer per direction. */
  private flush(dir: Direction): void {
    const list = this.pending[dir];
    if (list.length === 0) return;
    const frames = this.pendingFrames[dir];
    this.pending[dir] = [];
    this.pendingFrames[dir] = [];
    this.send(dir, list.length === 1 ? list[0] : Buffer.concat(list), frames);
  }

  private send(dir: Direction, bytes: Uint8Array, frames: KnownFrame[]): void {
    const src = this.socketOf(SENDER_LEG[dir]);
    const dst = this.socketOf(RECEIVER_LEG[dir]);
    if (dst.destroyed) return;
    if (!dst.write(bytes)) src.pause();
    // the writer's bytes are Buffers already (allocUnsafe, concat): no view made per write
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.observer.data(dir, buffer, RECEIVER_LEG[dir], frames);
  }

  private endToward(dir: Direction): void {
    this.flush(dir);
    const dst = this.socketOf(RECEIVER_LEG[dir]);
    if (!dst.destroyed) dst.end();
    this.observer.halfClose(dir);
  }

  /** Before the engine starts: the handshake phase (or a verbatim relay). */
  private readonly handshakeC2s = (chunk: Buffer): void => {
    if (!this.server.destroyed) this.input('c2s', chunk);
  };

  private readonly handshakeS2c = (chunk: Buffer): void => {
    if (!this.client.destroyed) this.input('s2c', chunk);
  };

  /** Once the engine runs: every chunk goes to it. */
  private readonly engineC2s = (chunk: Buffer): void => {
    if (!this.server.destroyed) this.engineInput('c2s', chunk);
  };

  private readonly engineS2c = (chunk: Buffer): void => {
    if (!this.client.destroyed) this.engineInput('s2c', chunk);
  };

  /** Bytes from the sender of `dir`, for the running engine. */
  private engineInput(dir: Direction, chunk: Buffer): void {
    // what one chunk makes goes out in one write per direction (and one event to the
    // observer); the observer hears of the chunk itself after that, as relay() does
    this.batching = true;
    try {
      this.engine!.push(dir, chunk);
    } catch (err) {
      // a bug in the engine: this connection is cut, the proxy goes on serving the others
      this.batching = false;
      this.pending = { c2s: [], s2c: [] };
      this.pendingFrames = { c2s: [], s2c: [] };
      this.options.note?.(
        this.conn,
        `internal error, connection reset: ${(err as Error).stack ?? String(err)}`,
        'error',
      );
      resetSocket(this.client);
      resetSocket(this.server);
      return;
    } finally {
      this.batching = false;
      this.flush('c2s');
      this.flush('s2c');
    }
    this.observer.data(dir, chunk, SENDER_LEG[dir]);
  }

  /** Bytes from the sender of `dir` before the engine runs. */
  private input(dir: Direction, chunk: Buffer): void {
    if (this.engine !== null) return this.engineInput(dir, chunk);
    if (this.verbatim) return this.forward(dir, chunk);
    // handshake phase: client bytes after its head wait for the server's answer
    if (dir === 'c2s' && this.request !== null) {
      this.early.push(chunk);
      return;
    }
    const at = this.scanners[dir].scan(chunk, 0, chunk.length);
    const head = at < 0 ? chunk : chunk.subarray(0, at);
    this.forward(dir, head);
    this.heads[dir].push(head);
    this.headSize[dir] += head.length;
    if (at < 0) {
      if (this.headSize[dir] > MAX_HEAD) this.goVerbatim();
      return;
    }
    const whole = Buffer.concat(this.heads[dir]);
    this.heads[dir] = [];
    const rest = chunk.subarray(at);
    if (dir === 'c2s') {
      this.request = parseHandshakeRequest(whole);
      if (!this.request.isUpgrade) {
        this.goVerbatim();
        if (rest.length > 0) this.forward(dir, rest);
        return;
      }
      if (rest.length > 0) this.early.push(rest);
      return;
    }
    const response = parseHandshakeResponse(whole, this.request);
    if (this.request === null || !response.upgraded) {
      this.goVerbatim();
      if (rest.length > 0) this.forward(dir, rest);
      return;
    }
    this.startEngine(response.deflate, response.protocol);
    const early = this.early;
    this.early = [];
    if (rest.length > 0) this.input('s2c', rest);
    for (const e of early) this.input('c2s', e);
  }

  private goVerbatim(): void {
    this.verbatim = true;
    const early = this.early;
    this.early = [];
    for (const e of early) this.forward('c2s', e);
  }

  /** Verbatim: to the receiver first, then to the observer (as relay() does). */
  private forward(dir: Direction, bytes: Buffer): void {
    const src = this.socketOf(SENDER_LEG[dir]);
    const dst = this.socketOf(RECEIVER_LEG[dir]);
    if (dst.destroyed) return;
    if (!dst.write(bytes)) src.pause();
    this.observer.data(dir, bytes);
  }

  private startEngine(deflate: ReturnType<typeof parseHandshakeResponse>['deflate'], protocol: string | null): void {
    const o = this.options;
    this.engine = new TrafficEngine({
      conn: this.conn,
      deflate,
      decider: o.decider(this.conn),
      holdTimeoutMs: o.holdTimeoutMs,
      path: this.request?.path,
      protocol,
      output: this,
    });
    this.client.removeListener('data', this.handshakeC2s);
    this.server.removeListener('data', this.handshakeS2c);
    this.client.on('data', this.engineC2s);
    this.server.on('data', this.engineS2c);
    o.started?.(this.engine);
  }

  // EngineOutput: what the engine makes for this connection

  write(dir: Direction, bytes: Uint8Array, frames: KnownFrame[]): void {
    if (!this.batching) return this.send(dir, bytes, frames);
    this.pending[dir].push(bytes);
    const all = this.pendingFrames[dir];
    for (const f of frames) all.push(f);
  }

  mark(dir: Direction, mark: ChangeMark): void {
    this.options.mark?.(this.conn, dir, mark);
  }

  dropped(dir: Direction, msg: { readonly opcode: number; readonly data: Uint8Array }, why: string): void {
    // what was written before it is shown before it
    this.flush(dir);
    this.options.dropped?.(this.conn, dir, msg, why);
  }

  note(text: string, severity: 'note' | 'warning' | 'error'): void {
    this.options.note?.(this.conn, text, severity);
  }

  end(dir: Direction): void {
    this.endToward(dir);
  }
}
