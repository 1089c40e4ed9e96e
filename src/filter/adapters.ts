// Frames and messages of the session (FrameEvent, MessageEvent) as FilterSubjects, with the
// connection context a filter may name (addresses, handshake) gathered from the connection
// and handshake events that come before them. Layer rule: filter/ — pure.
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../session/events.js';
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

export function subjectFromFrame(ev: FrameEvent, ctx: SubjectContext): FilterSubject {
  const f = ev.frame;
  return {
    kind: 'frame',
    conn: ev.conn,
    dir: ev.dir,
    index: ev.index,
    opcode: f.opcode,
    fin: f.fin,
    rsv1: f.rsv1,
    rsv2: f.rsv2,
    rsv3: f.rsv3,
    masked: f.masked,
    len: f.payloadLength,
    lengthEncoding: f.lengthEncoding,
    compressed: ev.compressed,
    // a getter: FrameEvent.text may decode lazily, and most filters never read it
    get text() {
      return ev.text;
    },
    data: f.payload,
    close: ev.close,
    diagnostics: ev.diagnostics,
    time: relative(ev.time, ctx.timeOrigin),
    connection: ctx.connection,
  };
}

export function subjectFromMessage(ev: MessageEvent, ctx: SubjectContext): FilterSubject {
  return {
    kind: 'message',
    conn: ev.conn,
    dir: ev.dir,
    index: ev.firstFrame,
    opcode: ev.opcode,
    fin: ev.complete,
    rsv1: ev.compressed,
    rsv2: false,
    rsv3: false,
    len: ev.length,
    compressed: ev.compressed,
    text: ev.text,
    data: ev.data,
    diagnostics: ev.diagnostics,
    time: relative(ev.time, ctx.timeOrigin),
    connection: ctx.connection,
  };
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
  private origin: number | null = null;
  private originFixed = false;

  /** Relative times count from here (a capture's first packet); else from the first event with a time. */
  setTimeOrigin(time: number): void {
    this.origin = time;
    this.originFixed = true;
  }

  /** Learns from `ev`; returns its subject when it is a frame or a message, else null. */
  subject(ev: InspectEvent): FilterSubject | null {
    if (!this.originFixed && ev.time !== null) {
      this.origin = ev.time;
      this.originFixed = true;
    }
    switch (ev.type) {
      case 'frame':
        return subjectFromFrame(ev, { timeOrigin: this.origin, connection: this.connections.get(ev.conn) });
      case 'message':
        return subjectFromMessage(ev, { timeOrigin: this.origin, connection: this.connections.get(ev.conn) });
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
