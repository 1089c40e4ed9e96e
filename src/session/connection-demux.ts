// Many conversations at once (a capture, the proxy): routes each StreamEvent to the
// SessionDecoder of its connection, creating it on `open` and dropping it on `end` so memory
// is bounded by the connections open at the same time. Layer rule: session/ — pure.
import type { DeflateNegotiation } from '../protocol/handshake-types.js';
import type { Limits } from '../protocol/limits.js';
import type { InspectEvent, StreamEvent } from './events.js';
import type { CheckpointOptions } from './message-assembler.js';
import { SessionDecoder } from './session-decoder.js';

export interface DemuxOptions {
  readonly limits?: Partial<Limits>;
  /** Deflate settings assumed for connections found without a handshake (RSV1 taken as deflate). */
  readonly assumeDeflate?: DeflateNegotiation | null;
  readonly onEvent: (event: InspectEvent) => void;
  /** permessage-deflate checkpoints of every connection (a capture's index keeps them). */
  readonly checkpoints?: CheckpointOptions;
}

export class ConnectionDemux {
  private readonly sessions = new Map<number, SessionDecoder>();

  constructor(private readonly options: DemuxOptions) {}

  get openConnections(): number {
    return this.sessions.size;
  }

  handle(event: StreamEvent): void {
    if (event.kind === 'diagnostic' && (event.conn === null || !this.sessions.has(event.conn))) {
      this.options.onEvent({
        type: 'diagnostic',
        conn: event.conn,
        time: event.time,
        dir: event.dir,
        diagnostic: event.diagnostic,
        ...(event.about === undefined ? {} : { about: event.about }),
      });
      return;
    }
    if (event.kind === 'open') {
      const session = new SessionDecoder({
        conn: event.conn,
        limits: this.options.limits,
        expectHandshake: event.detectedBy === 'handshake',
        assumeDeflate: this.options.assumeDeflate ?? null,
        onEvent: this.options.onEvent,
        checkpoints: this.options.checkpoints,
      });
      this.sessions.set(event.conn, session);
      session.handle(event);
      return;
    }
    const session = this.sessions.get(event.conn as number);
    // sources open every connection before its data: anything else is a bug in a source
    if (session === undefined)
      throw new Error(`StreamEvent ${event.kind} for connection ${event.conn} before its open event`);
    session.handle(event);
    if (event.kind === 'end' && event.dir === undefined) this.sessions.delete(event.conn);
  }

  /**
   * Input over: every connection still open ends with input-ended, by connection number (the
   * order sources number them in: first seen first). Sorted explicitly, never the Map's
   * insertion order, so the parallel reader can tell where each end goes (L + conn).
   */
  finish(time: number | null): void {
    const open = [...this.sessions.keys()].sort((a, b) => a - b);
    for (const conn of open) this.sessions.get(conn)!.handle({ kind: 'end', conn, reason: 'input-ended', time });
    this.sessions.clear();
  }
}
