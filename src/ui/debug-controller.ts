// The live proxy's debugger as the UI drives it (DebugActions), and the traffic engine's
// Decider that makes it happen. Each data message goes first to the rules and the script
// (--rule, --script: `upstream`), then, as they left it, to the intercept filter (key `i`, the
// -Y language): a message that matches — or that a rule holds — is held. Holding is a
// Promise the engine waits for, one per message: later data in the same direction waits
// behind it (order is kept per direction), while control frames (ping, pong, close) and the
// other direction keep flowing. The user's key settles the Promise with a verdict:
//   a forward (as the rules left it)   x drop        d the message, then the same again
//   e edit (marked modified)            A forward every held message
// Injections and resends go through the connection's own send(): framed afresh (a fresh
// masking key toward the server), compressed by the leg's writer, marked injected.
// A hold has no time limit unless --hold-timeout was given (then it is released with a note).
// When a connection ends, its held messages are forgotten (the engine reports them dropped).
// Layer rule: ui/ — the debugger's state; timers for --hold-timeout.
import { engineMessageSubject } from '../engine/rules.js';
import type {
  ControlVerdict,
  Decider,
  EngineConnection,
  EngineControl,
  EngineMessage,
  MessageVerdict,
} from '../engine/verdict.js';
import { compileFilter, type CompiledFilter } from '../filter/compile.js';
import { FilterSyntaxError } from '../filter/filter-error.js';
import type { FilterConnection } from '../filter/subject.js';
import type { Direction } from '../session/events.js';
import type { DebugActions, HeldMessage } from './model.js';

export interface DebugControllerOptions {
  /** Rules and/or a script (--rule, --script), asked before the intercept. */
  readonly upstream?: Decider | null;
  /**
   * The number the UI shows an engine connection under (the live pipeline numbers WebSocket
   * connections only); identity by default.
   */
  readonly shownAs?: (conn: number) => number | undefined;
  /** A held message is released after this long, with a note (--hold-timeout); default: never. */
  readonly holdTimeoutMs?: number;
  /** A line for the user (a hold released by the timeout, an injection that waits). */
  readonly note?: (text: string) => void;
}

/** Who dropped it, as the listing says: "dropped by the UI". */
const BY = 'the UI';
const PASS: MessageVerdict = Object.freeze({});
const PASS_CONTROL: ControlVerdict = Object.freeze({});
/** Closed connections remembered (for "connection 3 is closed (1000 "bye")"). */
const MAX_CLOSED = 1000;

interface Held {
  readonly message: HeldMessage;
  /** What the rules decided, less the hold: what `a` applies. */
  readonly verdict: MessageVerdict;
  readonly settle: (v: MessageVerdict) => void;
  readonly engine: EngineConnection;
  timer: NodeJS.Timeout | null;
}

interface Open {
  readonly engine: EngineConnection;
  readonly shown: number;
  readonly context: FilterConnection;
}

export class DebugController implements DebugActions, Decider {
  private filter: CompiledFilter | null = null;
  private readonly holds = new Map<number, Held>();
  private nextId = 1;
  private readonly listeners = new Set<() => void>();
  /** Engine connection number → the connection. */
  private readonly connections = new Map<number, Open>();
  /** Shown number → how it closed. */
  private readonly closedInfo = new Map<number, string>();
  private readonly started = Date.now() / 1000;
  private readonly upstream: Decider | null;
  private readonly holdTimeoutMs: number;

  constructor(private readonly options: DebugControllerOptions = {}) {
    this.upstream = options.upstream ?? null;
    this.holdTimeoutMs = options.holdTimeoutMs ?? Infinity;
  }

  // ---- DebugActions ----

  get intercept(): string | null {
    return this.filter?.source ?? null;
  }

  setIntercept(expression: string | null): string | null {
    if (expression === null || expression.trim() === '') {
      this.filter = null;
    } else {
      try {
        this.filter = compileFilter(expression);
      } catch (err) {
        if (err instanceof FilterSyntaxError) return err.message;
        return `intercept: ${(err as Error).message}`;
      }
    }
    this.changed();
    return null;
  }

  held(): readonly HeldMessage[] {
    // (a held message toward a peer that got a Close will never be sent: the engine dropped it)
    const list: HeldMessage[] = [];
    for (const h of this.holds.values())
      if ((h.engine.sendable?.(h.message.dir) ?? null) === null) list.push(h.message);
    return list;
  }

  forward(id: number): void {
    const h = this.holds.get(id);
    if (h !== undefined) this.settle(h, h.verdict);
  }

  forwardAll(): void {
    for (const h of [...this.holds.values()]) this.settle(h, h.verdict);
  }

  drop(id: number): void {
    const h = this.holds.get(id);
    if (h !== undefined) this.settle(h, { drop: true, by: BY });
  }

  duplicate(id: number): void {
    const h = this.holds.get(id);
    if (h === undefined) return;
    const m = h.message;
    this.settle(h, {
      ...h.verdict,
      inject: [{ dir: m.dir, opcode: m.opcode, data: m.data }, ...(h.verdict.inject ?? [])],
    });
  }

  edit(id: number, opcode: number, data: Uint8Array): void {
    const h = this.holds.get(id);
    if (h !== undefined) this.settle(h, { ...h.verdict, replace: { opcode, data } });
  }

  inject(conn: number, dir: Direction, opcode: number, data: Uint8Array): string | null {
    const target = this.connection(conn);
    if (typeof target === 'string') return target;
    const why = target.engine.sendable?.(dir) ?? null;
    if (why !== null) return `connection ${conn}: ${why}`;
    const waiting = [...this.holds.values()].filter((h) => h.engine === target.engine && h.message.dir === dir).length;
    // compressed where the connection negotiated it, as a peer would send it (the leg then
    // deflates what follows itself, from the receiver's window)
    target.engine.send(dir, opcode, data, { compress: true });
    if (waiting > 0)
      this.options.note?.(
        `the message waits behind ${waiting} held ${dir} message(s) on connection ${conn}: messages leave in order`,
      );
    return null;
  }

  resend(conn: number, dir: Direction, opcode: number, data: Uint8Array): string | null {
    return this.inject(conn, dir, opcode, data);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Decider ----

  open(conn: EngineConnection): void {
    this.connections.set(conn.conn, {
      engine: conn,
      shown: this.options.shownAs?.(conn.conn) ?? conn.conn,
      context: { path: conn.path, protocol: conn.protocol },
    });
    this.upstream?.open?.(conn);
  }

  closed(conn: EngineConnection, info: { readonly code: number | null; readonly reason: string }): void {
    const o = this.connections.get(conn.conn);
    this.connections.delete(conn.conn);
    const shown = o?.shown ?? conn.conn;
    this.closedInfo.set(
      shown,
      info.code === null ? '' : ` (${info.code}${info.reason === '' ? '' : ` ${JSON.stringify(info.reason)}`})`,
    );
    if (this.closedInfo.size > MAX_CLOSED) this.closedInfo.delete(this.closedInfo.keys().next().value as number);
    let forgot = false;
    for (const h of [...this.holds.values()]) {
      if (h.engine !== conn) continue;
      // the engine has stopped: what it is told no longer matters, the UI must stop showing it
      this.settle(h, PASS, false);
      forgot = true;
    }
    if (forgot) this.changed();
    this.upstream?.closed?.(conn, info);
  }

  message(msg: EngineMessage): MessageVerdict | Promise<MessageVerdict> {
    if (this.upstream === null) return this.filter === null ? PASS : this.decide(msg, PASS);
    const v = this.upstream.message(msg);
    return v instanceof Promise ? v.then((w) => this.decide(msg, w)) : this.decide(msg, v);
  }

  control(frame: EngineControl): ControlVerdict | Promise<ControlVerdict> {
    return this.upstream?.control?.(frame) ?? PASS_CONTROL;
  }

  // ---- inside ----

  /** After the rules: held when a rule says hold or the intercept matches the message as they left it. */
  private decide(msg: EngineMessage, v: MessageVerdict): MessageVerdict | Promise<MessageVerdict> {
    if (v.drop === true || v.close !== undefined) return v;
    const o = this.connections.get(msg.conn);
    const shown = o?.shown ?? this.options.shownAs?.(msg.conn) ?? msg.conn;
    const now: EngineMessage =
      v.replace === undefined
        ? { ...msg, conn: shown }
        : { ...msg, conn: shown, opcode: v.replace.opcode ?? msg.opcode, data: v.replace.data };
    const hold =
      v.hold === true ||
      (this.filter !== null &&
        this.filter.match(engineMessageSubject(now, Math.round((msg.ts - this.started) * 1e6) / 1e6, o?.context)));
    if (!hold) return v;
    const engine = o?.engine;
    if (engine === undefined) return v;
    const verdict: MessageVerdict = { ...v, hold: undefined };
    return new Promise<MessageVerdict>((settle) => {
      const id = this.nextId++;
      const h: Held = {
        message: {
          id,
          conn: shown,
          dir: msg.dir,
          index: msg.index,
          opcode: now.opcode,
          data: now.data,
          since: Date.now(),
        },
        verdict,
        settle,
        engine,
        timer: null,
      };
      if (Number.isFinite(this.holdTimeoutMs)) {
        h.timer = setTimeout(() => {
          h.timer = null;
          if (!this.holds.has(id)) return;
          this.options.note?.(
            `a held ${msg.dir} message of connection ${shown} was released after ${this.holdTimeoutMs / 1000} s (--hold-timeout)`,
          );
          this.settle(h, h.verdict);
        }, this.holdTimeoutMs);
      }
      this.holds.set(id, h);
      this.changed();
    });
  }

  private settle(h: Held, v: MessageVerdict, notify = true): void {
    if (!this.holds.delete(h.message.id)) return;
    if (h.timer !== null) clearTimeout(h.timer);
    h.settle(v);
    if (notify) this.changed();
  }

  /** The open connection shown as `conn`, or why there is none. */
  private connection(conn: number): Open | string {
    for (const o of this.connections.values()) if (o.shown === conn) return o;
    const closed = this.closedInfo.get(conn);
    if (closed !== undefined) return `connection ${conn} is closed${closed}`;
    return `connection ${conn} is not an open WebSocket connection of this proxy`;
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // a listener's failure is the UI's; the proxy goes on
      }
    }
  }
}
