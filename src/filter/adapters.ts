// Frames and messages of the session (FrameEvent, MessageEvent) as FilterSubjects, with the
// connection context a filter may name (addresses, handshake) gathered from the connection
// and handshake events that come before them. Layer rule: filter/ — pure.
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';
import type { Direction, FrameEvent, InspectEvent, MessageEvent } from '../session/events.js';
import { splitEndpoint } from './addresses.js';
import type { FilterConnection, FilterEndpoint, FilterSubject } from './subject.js';

/** What a subject needs besides its event: relative time and its connection's context. */
export interface SubjectContext {
  /** Time of the first packet (seconds since the epoch); null: unknown (time is then absent). */
  readonly timeOrigin: number | null;
  /** The connection's context, when known. */
  readonly connection?: FilterConnection;
}

const relative = (time: number | null, origin: number | null): number | null =>
  time === null || origin === null ? null : Math.round((time - origin) * 1e6) / 1e6;

/**
 * A FrameEvent seen as a FilterSubject: every field a getter over the event, so making one
 * allocates nothing per field and reads only what the expression names (text decodes lazily).
 * The tracker keeps one and points it at each event in turn (`ev` is public for that).
 */
class FrameSubject implements FilterSubject {
  readonly kind = 'frame' as const;
  constructor(
    public ev: FrameEvent,
    public timeOrigin: number | null,
    public connection: FilterConnection | undefined,
  ) {}
  get conn(): number {
    return this.ev.conn;
  }
  get dir(): Direction {
    return this.ev.dir;
  }
  get index(): number {
    return this.ev.index;
  }
  get opcode(): number {
    return this.ev.frame.opcode;
  }
  get fin(): boolean {
    return this.ev.frame.fin;
  }
  get rsv1(): boolean {
    return this.ev.frame.rsv1;
  }
  get rsv2(): boolean {
    return this.ev.frame.rsv2;
  }
  get rsv3(): boolean {
    return this.ev.frame.rsv3;
  }
  get masked(): boolean {
    return this.ev.frame.masked;
  }
  get len(): number {
    return this.ev.frame.payloadLength;
  }
  get lengthEncoding(): 7 | 16 | 64 {
    return this.ev.frame.lengthEncoding;
  }
  get compressed(): boolean {
    return this.ev.compressed;
  }
  get text(): string | undefined {
    return this.ev.text;
  }
  get data(): Uint8Array {
    return this.ev.frame.payload;
  }
  get close(): FilterSubject['close'] {
    return this.ev.close;
  }
  get diagnostics(): FilterSubject['diagnostics'] {
    return this.ev.diagnostics;
  }
  get packet(): number | undefined {
    return this.ev.capture?.lastPacket;
  }
  get time(): number | null {
    return relative(this.ev.time, this.timeOrigin);
  }
}

/** A MessageEvent seen as a FilterSubject (see FrameSubject). */
class MessageSubject implements FilterSubject {
  readonly kind = 'message' as const;
  readonly rsv2 = false;
  readonly rsv3 = false;
  constructor(
    public ev: MessageEvent,
    public timeOrigin: number | null,
    public connection: FilterConnection | undefined,
  ) {}
  get conn(): number {
    return this.ev.conn;
  }
  get dir(): Direction {
    return this.ev.dir;
  }
  get index(): number {
    return this.ev.firstFrame;
  }
  get opcode(): number {
    return this.ev.opcode;
  }
  get fin(): boolean {
    return this.ev.complete;
  }
  get rsv1(): boolean {
    return this.ev.compressed;
  }
  get len(): number {
    return this.ev.length;
  }
  get compressed(): boolean {
    return this.ev.compressed;
  }
  get text(): string | undefined {
    return this.ev.text;
  }
  get data(): Uint8Array {
    return this.ev.data;
  }
  get diagnostics(): FilterSubject['diagnostics'] {
    return this.ev.diagnostics;
  }
  get packet(): number | undefined {
    return this.ev.capture?.lastPacket;
  }
  get app(): FilterSubject['app'] {
    return this.ev.app;
  }
  get pair(): FilterSubject['pair'] {
    return this.ev.pair;
  }
  get time(): number | null {
    return relative(this.ev.time, this.timeOrigin);
  }
}

export function subjectFromFrame(ev: FrameEvent, ctx: SubjectContext): FilterSubject {
  return new FrameSubject(ev, ctx.timeOrigin, ctx.connection);
}

export function subjectFromMessage(ev: MessageEvent, ctx: SubjectContext): FilterSubject {
  return new MessageSubject(ev, ctx.timeOrigin, ctx.connection);
}

function endpoint(text: string): FilterEndpoint | undefined {
  const e = splitEndpoint(text);
  return e === null ? undefined : { ip: e.ip, port: e.port, family: e.bytes.length === 4 ? 4 : 6 };
}

interface MutableConnection {
  client?: FilterEndpoint;
  server?: FilterEndpoint;
  path?: string;
  protocol?: string | null;
  headers?: (readonly [string, string])[];
}

/**
 * Follows a stream of InspectEvents (every event, shown or not) and turns its frames and
 * messages into subjects: connection events give the endpoints, handshake events the path,
 * subprotocol and headers; the first packet's time (setTimeOrigin) makes `time` relative.
 */
export class SubjectTracker {
  private readonly connections = new Map<number, MutableConnection>();
  /** One subject of each kind, pointed at each event in turn: nothing is allocated per event. */
  private frame: FrameSubject | null = null;
  private message: MessageSubject | null = null;
  private origin: number | null = null;
  private originFixed = false;

  /** Relative times count from here (a capture's first packet); else from the first event with a time. */
  setTimeOrigin(time: number): void {
    this.origin = time;
    this.originFixed = true;
  }

  /**
   * Learns from `ev`; returns its subject when it is a frame or a message, else null. The
   * subject is valid until the next call (it is reused): match it at once, do not keep it.
   */
  subject(ev: InspectEvent): FilterSubject | null {
    if (!this.originFixed && ev.time !== null) {
      this.origin = ev.time;
      this.originFixed = true;
    }
    switch (ev.type) {
      case 'frame': {
        const s = (this.frame ??= new FrameSubject(ev, null, undefined));
        s.ev = ev;
        s.timeOrigin = this.origin;
        s.connection = this.connections.get(ev.conn);
        return s;
      }
      case 'message': {
        const s = (this.message ??= new MessageSubject(ev, null, undefined));
        s.ev = ev;
        s.timeOrigin = this.origin;
        s.connection = this.connections.get(ev.conn);
        return s;
      }
      case 'connection':
        this.connections.set(ev.conn, { client: endpoint(ev.client), server: endpoint(ev.server) });
        return null;
      case 'handshake':
        this.learnHandshake(ev.conn, ev.handshake);
        return null;
      case 'end':
        this.connections.delete(ev.conn);
        return null;
      default:
        return null;
    }
  }

  private learnHandshake(conn: number, h: HandshakeRequest | HandshakeResponse): void {
    let c = this.connections.get(conn);
    if (c === undefined) this.connections.set(conn, (c = {}));
    c.headers = [...(c.headers ?? []), ...h.headers];
    if (h.side === 'request') c.path = h.path;
    else c.protocol = h.protocol;
  }
}
