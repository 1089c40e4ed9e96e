// What an application view is: a decoder of one connection's messages (made per connection,
// so it may keep state: Socket.IO attachments, GraphQL operations), with the pairing of
// requests and responses it shares with the stage. Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppInfo, AppPair, Direction, FrameEvent, MessageEvent, Timestamp } from '../session/events.js';

/** What one message gave: the decoded units, and the problems found on the way. */
export interface Decoded {
  readonly app: AppInfo | null;
  readonly diagnostics: readonly Diagnostic[];
  /** The first response of this message paired with its request. */
  readonly pair?: AppPair;
}

export interface ConnectionView {
  readonly protocol: string;
  decode(msg: MessageEvent): Decoded;
  /** True for a frame that is a keep-alive of the protocol (folded in listings). */
  heartbeat?(frame: FrameEvent): boolean;
  /** The protocol's name for a close code (GraphQL's 4400–4499), or null. */
  closeName?(code: number): string | null;
  /** The connection ended: what is still waiting for an answer. */
  finish?(): readonly Diagnostic[];
}

/** Details the selection learnt that a view needs (the Engine.IO version of the request path). */
export interface ViewHints {
  readonly conn: number;
  readonly path: string | null;
  /** Forced or settled on: every message is expected to be of this protocol (auto JSON is not). */
  readonly strict: boolean;
  /** The negotiated Sec-WebSocket-Protocol, when the handshake was seen (WAMP's serializer). */
  readonly protocol?: string | null;
  /** --proto: the schema the protobuf view decodes with. */
  readonly proto?: ProtoSchema;
}

/** What --proto gives a view: the schema's text and the message type to decode with. */
export interface ProtoSchema {
  readonly file: string;
  readonly text: string;
  readonly type: string;
}

interface Waiting {
  readonly index: number;
  readonly time: Timestamp;
  readonly label: string;
  answered: boolean;
}

/**
 * Requests waiting for their responses, by a key the view makes (JSON-RPC id, Socket.IO
 * namespace and ack id, GraphQL operation id), and direction: a response answers a request
 * of the other direction.
 */
export class Pairing {
  /** A string key after its request's direction; a number n as 2n (c2s) or 2n + 1 (s2c). */
  private readonly waiting = new Map<string | number, Waiting>();

  constructor(private readonly conn: number) {}

  /** The map's key of `key` asked in direction `dir` (numbers: no string built per message). */
  private static slot(dir: Direction, key: string | number): string | number {
    return typeof key === 'number' ? key * 2 + (dir === 'c2s' ? 0 : 1) : dir + key;
  }

  /** False when the key is already waiting (the old request stays). */
  request(dir: Direction, key: string | number, msg: MessageEvent, label: string): boolean {
    const k = Pairing.slot(dir, key);
    if (this.waiting.has(k)) return false;
    this.waiting.set(k, { index: msg.firstFrame, time: msg.time, label, answered: false });
    return true;
  }

  has(requestDir: Direction, key: string | number): boolean {
    return this.waiting.has(Pairing.slot(requestDir, key));
  }

  /**
   * The pair of a response to the request `key` sent the other way, or null. `done`: the
   * request is answered for good (a JSON-RPC response; not a GraphQL `next`).
   */
  response(dir: Direction, key: string | number, msg: MessageEvent, done = true): AppPair | null {
    const k = Pairing.slot(dir === 'c2s' ? 's2c' : 'c2s', key);
    const w = this.waiting.get(k);
    if (w === undefined) return null;
    w.answered = true;
    if (done) this.waiting.delete(k);
    const latencyMs = w.time === null || msg.time === null ? null : Math.round((msg.time - w.time) * 1e6) / 1e3;
    return { conn: this.conn, index: w.index, latencyMs, request: w.label };
  }

  /** Forgets a request (a GraphQL complete from the client). */
  drop(requestDir: Direction, key: string | number): void {
    this.waiting.delete(Pairing.slot(requestDir, key));
  }

  /** Requests never answered at all. */
  unanswered(): { index: number; label: string }[] {
    return [...this.waiting.values()].filter((w) => !w.answered).map((w) => ({ index: w.index, label: w.label }));
  }
}

/** A decoded message's diagnostics when it has none: one array, shared (made per message, it was garbage). */
export const NO_DIAGNOSTICS: readonly Diagnostic[] = Object.freeze([]);

/** One decoder for every message (a decoder made per message cost a listing ~5% more). */
const utf8 = new TextDecoder();

export function textOf(msg: MessageEvent): string | null {
  if (msg.opcode !== 1) return null;
  return msg.text ?? utf8.decode(msg.data);
}

/** A message a view could not read: no units, one diagnostic. */
export function failed(code: Parameters<typeof diagnostic>[0], detail: string): Decoded {
  return { app: null, diagnostics: [diagnostic(code, detail)] };
}
