// One frame of a capture, by its connection and index (`wsinspect FILE --frame CONN:INDEX`):
// StreamEvents in, only the wanted connection decoded, and `done` as soon as its frame is, so
// the reader can stop there. The events of that connection up to the frame are kept for the
// printer (times and addresses); the frame carries its capture origin (packets, records).
// Layer rule: session/ — pure.
import type { DeflateNegotiation } from '../protocol/handshake-types.js';
import type { Limits } from '../protocol/limits.js';
import type { FrameEvent, InspectEvent, StreamEvent } from './events.js';
import { SessionDecoder } from './session-decoder.js';

export interface FrameTarget {
  readonly conn: number;
  readonly index: number;
}

export interface FrameFinderOptions {
  readonly limits?: Partial<Limits>;
  readonly assumeDeflate?: DeflateNegotiation | null;
  /**
   * Where the connection's events before the frame go as they come (a printer's skip), instead
   * of `before`: memory stays bounded however far into the capture the frame is.
   */
  readonly before?: (ev: InspectEvent) => void;
  /** A stage the connection's events pass through before the finder sees them (the application view). */
  readonly stage?: (next: (ev: InspectEvent) => void) => (ev: InspectEvent) => void;
  /**
   * Reading on past the frame: each later event of its connection (the message the frame
   * ends comes first) is handed here while it returns true; the connection's end stops it too.
   */
  readonly follow?: (ev: InspectEvent) => boolean;
}

export class FrameFinder {
  /** The wanted frame, once decoded. */
  frame: FrameEvent | null = null;
  /** Events of the wanted connection before its frame (connection, handshake, earlier frames…), unless options.before takes them. */
  readonly before: InspectEvent[] = [];
  private session: SessionDecoder | null = null;
  private connections = 0;
  private frames = 0;
  private ended = false;
  private following: boolean;
  private readonly onEvent: (ev: InspectEvent) => void;

  constructor(
    readonly target: FrameTarget,
    private readonly options: FrameFinderOptions = {},
  ) {
    this.following = options.follow !== undefined;
    const own = (ev: InspectEvent): void => this.take(ev);
    this.onEvent = options.stage === undefined ? own : options.stage(own);
  }

  /** True once the frame was found (and reading on, if asked, is over): nothing more needs to be read. */
  get done(): boolean {
    return this.frame !== null && !this.following;
  }

  handle(event: StreamEvent): void {
    if (this.done) return;
    if (event.kind === 'open') {
      this.connections = Math.max(this.connections, event.conn);
      if (event.conn !== this.target.conn) return;
      this.session = new SessionDecoder({
        conn: event.conn,
        limits: this.options.limits,
        expectHandshake: event.detectedBy === 'handshake',
        assumeDeflate: this.options.assumeDeflate ?? null,
        onEvent: (ev) => this.onEvent(ev),
      });
    }
    if (this.session === null || event.conn !== this.target.conn) return;
    this.session.handle(event);
    if (event.kind === 'end' && event.dir === undefined) this.ended = true;
  }

  /** Input over: the frame, or null (then `missing` says what there is). */
  finish(): FrameEvent | null {
    // a frame cut off by the end of the input is still a frame (frame.truncated); reading on
    // past the frame, the input's end ends the connection for `follow`
    if ((this.frame === null || this.following) && this.session !== null && !this.ended)
      this.session.handle({ kind: 'end', conn: this.target.conn, reason: 'input-ended', time: null });
    return this.frame;
  }

  /** Why there is no such frame: "connection 2 has 5 frames", "the capture has 3 WebSocket connections". */
  get missing(): string {
    const n = this.connections;
    return this.session === null
      ? `the capture has ${n === 0 ? 'no' : n} WebSocket connection${n === 1 ? '' : 's'}`
      : `connection ${this.target.conn} has ${this.frames} frame${this.frames === 1 ? '' : 's'}`;
  }

  private take(ev: InspectEvent): void {
    if (this.frame !== null) {
      if (this.following) this.following = this.options.follow!(ev) && ev.type !== 'end';
      return;
    }
    if (ev.type === 'frame') {
      this.frames = ev.index;
      if (ev.index === this.target.index) {
        this.frame = ev;
        return;
      }
    }
    if (this.options.before !== undefined) this.options.before(ev);
    else this.before.push(ev);
  }
}
