// A request's answers, found by reading on past it: the messages of its connection that an
// application view paired with it (`pair`, or an item's own `pair` in a batch), as Wireshark's
// "[Response In: N]" says on a request. Used where one message's detail is shown (`--frame
// CONN:INDEX -V`, the UI), never by a listing, which cannot wait for the future. Reading stops
// when every unit that awaits an answer has one (a stream of GraphQL results: at its complete
// or error), when the connection ends, or after a number of messages.
// Layer rule: views/ — pure.
import type { AppAnswer, AppAnswers, InspectEvent, MessageEvent } from '../session/events.js';
import { eventWith } from '../session/records.js';

/** Answers kept for the detail (the rest are counted). */
export const ANSWERS_SHOWN = 5;
/** How many later messages of the connection are looked at, at most. */
export const ANSWER_LOOKAHEAD = 1000;

/** Results of a stream that more results may follow (GraphQL `next`, legacy `data`). */
const STREAMED = new Set(['next', 'data']);

export class AnswerWatch {
  private readonly found: AppAnswer[] = [];
  private count = 0;
  private looked = 0;
  /** Units still awaiting a final answer. */
  private open: number;
  private stop: AppAnswers['until'] | null = null;

  /** null when `request` awaits no answer (nothing to watch for). */
  static of(request: MessageEvent, lookahead = ANSWER_LOOKAHEAD): AnswerWatch | null {
    const awaiting = request.app?.items.filter((i) => i.awaits === true).length ?? 0;
    return awaiting === 0 ? null : new AnswerWatch(request, awaiting, lookahead);
  }

  private constructor(
    private readonly request: MessageEvent,
    awaiting: number,
    private readonly lookahead: number,
  ) {
    this.open = awaiting;
  }

  /** A later event of the request's connection; false once nothing more is needed. */
  see(ev: InspectEvent): boolean {
    if (this.stop !== null) return false;
    if (ev.type === 'end' && ev.conn === this.request.conn) {
      this.stop = ev.reason === 'input-ended' ? 'input-ended' : 'end';
      return false;
    }
    if (ev.type !== 'message' || ev.conn !== this.request.conn) return true;
    this.looked++;
    const index = this.request.firstFrame;
    const items = ev.app?.items ?? [];
    for (const item of items) {
      const pair = item.pair ?? (items.length === 1 ? ev.pair : undefined);
      if (pair === undefined || pair.index !== index || pair.conn !== ev.conn) continue;
      this.count++;
      if (this.found.length < ANSWERS_SHOWN)
        this.found.push({
          index: ev.firstFrame,
          latencyMs: pair.latencyMs,
          kind: item.kind,
          error: item.error === true,
        });
      if (!STREAMED.has(item.kind)) this.open--;
    }
    if (this.open <= 0) this.stop = 'answered';
    else if (this.looked >= this.lookahead) this.stop = { messages: this.looked };
    return this.stop === null;
  }

  /**
   * What was found. A watch still open when its input ran out: the connection ended there
   * (`ended`, a finished capture), or more may come (a live connection, a file being read).
   */
  result(ended = true): AppAnswers {
    return { found: this.found, count: this.count, until: this.stop ?? (ended ? 'end' : 'pending') };
  }
}

/** The message with its answers as `watch` found them; the message itself when nothing was watched for. */
export function withAnswers(m: MessageEvent, watch: AnswerWatch | null, ended = true): MessageEvent {
  return watch === null ? m : eventWith(m, { answers: watch.result(ended) });
}
