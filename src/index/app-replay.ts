// The application view over an indexed capture, where one frame or message is decoded again by
// offset (the UI's detail, `--frame CONN:INDEX`): the view never saw what came before it, so
// the connection's handshake and up to VIEW_REPLAY earlier messages are replayed through a
// fresh view first, as in the listing (the view is chosen alike, a response finds its request);
// later messages may follow the same view to find a request's answers. Where the replay does
// not reach back to the connection's first message, "no request for this response" would be a
// guess and is replaced by a note. Layer rule: index/ — reads the index's columns, pure.
import { diagnostic, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type { ConnectionEvent, EndEvent, HandshakeEvent, InspectEvent, MessageEvent } from '../session/events.js';
import { eventWith } from '../session/records.js';
import type { AnswerWatch } from '../views/answer-watch.js';
import type { ViewChoice } from '../views/names.js';
import { AppViewStage } from '../views/view-stage.js';
import type { IndexState } from './index-state.js';

/** Earlier messages of the connection replayed through the view, at most. */
export const VIEW_REPLAY = 200;
/** Message rows of the whole capture looked back over for them, at most. */
const VIEW_SCAN = 1_000_000;

/** The views' diagnostics that say an earlier message is missing (a request, a binary event). */
const UNPAIRED: ReadonlySet<DiagnosticCode> = new Set([
  'actioncable.subscription.unknown',
  'graphql.id.unknown',
  'jsonrpc.response.orphan',
  'phoenix.reply.unknown',
  'signalr.invocation.unknown',
  'socketio.attachment.unexpected',
  'wamp.request.unknown',
]);

export interface ReplayConnection {
  readonly connection: ConnectionEvent;
  readonly handshake: readonly HandshakeEvent[];
  /** How it ended, where the index saw it end. */
  readonly end?: EndEvent;
}

/**
 * The message rows of connection `conn` before message row `end` (exclusive), oldest first: at
 * most `limit` of them; `whole` when they reach back to the connection's first message.
 */
export function earlierMessageRows(
  state: IndexState,
  end: number,
  conn: number,
  limit = VIEW_REPLAY,
): { rows: number[]; whole: boolean } {
  const { frames, messages } = state;
  const connOf = (r: number): number => frames.conn.get(messages.first.get(r));
  const rows: number[] = [];
  const floor = Math.max(-1, end - 1 - VIEW_SCAN);
  let r = end - 1;
  for (; r > floor && rows.length < limit; r--) if (connOf(r) === conn) rows.push(r);
  // whole: no message of this connection is left before those
  for (; r > floor; r--) if (connOf(r) === conn) break;
  return { rows: rows.reverse(), whole: r === floor && floor < 0 };
}

/** The message rows of connection `conn` after message row `row`, oldest first (read lazily). */
export function* laterMessageRows(state: IndexState, row: number, conn: number): Generator<number> {
  const { frames, messages } = state;
  const end = Math.min(messages.length, row + 1 + VIEW_SCAN);
  for (let r = row + 1; r < end; r++) if (frames.conn.get(messages.first.get(r)) === conn) yield r;
}

/**
 * The number of messages completed before frame row `frameRow`, which is also the row of the
 * message that frame ends when there is one (messages complete in frame order).
 */
export function messagesBefore(state: IndexState, frameRow: number): number {
  const last = state.messages.last;
  let lo = 0;
  let hi = state.messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (last.get(mid) < frameRow) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A view fed a connection's events one at a time; each feed returns what the view passed on. */
export class ViewReplay {
  private out: InspectEvent[] = [];
  /** Messages fed so far. */
  private replayed = 0;
  private readonly push: (ev: InspectEvent) => void;

  /** `whole`: the replay will reach back to the connection's first message. */
  constructor(
    conn: ReplayConnection,
    view: ViewChoice,
    readonly whole: boolean,
  ) {
    this.push = new AppViewStage(view).connect((e) => this.out.push(e));
    this.feed(conn.connection);
    for (const h of conn.handshake) this.feed(h);
  }

  feed(ev: InspectEvent): InspectEvent[] {
    if (ev.type === 'message') this.replayed++;
    const out = (this.out = []);
    this.push(ev);
    return out;
  }

  /**
   * The message as the view leaves it (`ev` itself if the view passed on no message), with an
   * orphan diagnostic replaced by a note where the replay is not whole.
   */
  message(ev: MessageEvent): { message: MessageEvent; notes: InspectEvent[] } {
    const before = this.replayed;
    const out = this.feed(ev);
    const m = out.find((e): e is MessageEvent => e.type === 'message') ?? ev;
    const notes = out.filter((e) => e.type === 'diagnostic');
    return { message: this.whole ? m : notPaired(m, before), notes };
  }
}

/**
 * A request's answers: the connection's messages after message row `row`, read by `read` and
 * fed through `replay` (the view that saw the request) to `watch` until it has what it needs;
 * then how the connection ended, where it did (a capture cut short says so).
 */
export async function watchLater(
  watch: AnswerWatch,
  replay: ViewReplay,
  state: IndexState,
  row: number,
  conn: ReplayConnection,
  read: (row: number) => Promise<MessageEvent>,
): Promise<void> {
  let open = true;
  for (const r of laterMessageRows(state, row, conn.connection.conn)) {
    for (const e of replay.feed(await read(r))) open = watch.see(e) && open;
    if (!open) return;
  }
  if (conn.end !== undefined) watch.see(conn.end);
}

/** "No request for this response" made a note: the request may be among the messages not replayed. */
function notPaired(out: MessageEvent, replayed: number): MessageEvent {
  if (out.pair !== undefined) return out;
  const unpaired = out.diagnostics.filter((d) => UNPAIRED.has(d.code));
  if (unpaired.length === 0) return out;
  return eventWith(out, {
    diagnostics: [
      ...out.diagnostics.filter((d) => !UNPAIRED.has(d.code)),
      diagnostic(
        'app.pair.not-replayed',
        `${unpaired.map((d) => d.code).join(', ')} not said: its request may be earlier than the ${replayed} message(s) of this connection replayed for this detail`,
      ),
    ],
  });
}
