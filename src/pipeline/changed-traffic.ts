// The two stages of a proxy that may change traffic (engine/terminating-relay.ts):
// - ReceiverLegs (a stream stage): after the 101 each leg carries its own bytes; the decoder
//   is shown only what each receiving peer got (c2s on the server's leg, s2c on the
//   client's), so the listing describes what the peers really received.
// - ChangeMarks (a view stage): the engine says where each data message it writes came from
//   (wire, modified, injected) just before its bytes; the marks are queued per connection and
//   direction and attached, in order, to the frames and the message the decoder makes of them.
// Layer rule: pipeline/ — wiring.
import type { ChangeMark, Direction, FrameEvent, InspectEvent, MessageEvent, StreamEvent } from '../session/events.js';
import type { StreamStage, ViewStage } from './stages.js';

export const receiverLegs: StreamStage = {
  connect(next) {
    return (ev: StreamEvent) => {
      if (ev.kind === 'data' && ev.leg !== undefined && ev.leg !== (ev.dir === 'c2s' ? 'server' : 'client')) return;
      next(ev);
    };
  },
};

interface Marks {
  readonly queue: ChangeMark[];
  /** The mark of the message whose frames are being decoded. */
  current: ChangeMark | undefined;
}

/** A connection's marks, per direction. */
interface ConnectionMarks {
  readonly c2s: Marks;
  readonly s2c: Marks;
}

export class ChangeMarks implements ViewStage {
  /** By connection number (no key string built per event). */
  private readonly marks = new Map<number, ConnectionMarks>();

  /** The next data message written in this direction came from `mark`. */
  mark(conn: number, dir: Direction, mark: ChangeMark): void {
    this.of(conn)[dir].queue.push(mark);
  }

  /** The message event of a message the receiver never got. */
  static dropped(
    conn: number,
    dir: Direction,
    msg: { readonly opcode: number; readonly data: Uint8Array },
    why: string,
    time: number,
  ): MessageEvent {
    return {
      type: 'message',
      conn,
      dir,
      time,
      opcode: msg.opcode,
      frames: 0,
      firstFrame: 0,
      lastFrame: 0,
      compressed: false,
      data: msg.data,
      length: msg.data.length,
      text: msg.opcode === 1 ? new TextDecoder().decode(msg.data) : undefined,
      complete: true,
      change: { origin: 'wire', dropped: why },
      diagnostics: [],
    };
  }

  connect(next: (event: InspectEvent) => void): (event: InspectEvent) => void {
    return (ev) => {
      if (ev.type === 'frame' && ev.change === undefined && this.marks.size > 0) {
        const m = this.marks.get(ev.conn)?.[ev.dir];
        const opcode = ev.frame.opcode;
        if (m !== undefined && opcode < 8) {
          if (opcode !== 0) m.current = m.queue.shift();
          if (m.current !== undefined) return next(marked(ev, m.current));
        }
      } else if (ev.type === 'message' && ev.change === undefined && this.marks.size > 0) {
        const m = this.marks.get(ev.conn)?.[ev.dir];
        if (m !== undefined) {
          const change = m.current ?? m.queue.shift();
          m.current = undefined;
          if (change !== undefined) return next(marked(ev, change));
        }
      } else if (ev.type === 'end') {
        this.marks.delete(ev.conn);
      }
      next(ev);
    };
  }

  private of(conn: number): ConnectionMarks {
    let m = this.marks.get(conn);
    if (m === undefined) {
      m = { c2s: { queue: [], current: undefined }, s2c: { queue: [], current: undefined } };
      this.marks.set(conn, m);
    }
    return m;
  }
}

/** The event with its mark: set in place (session records have the field; a copy would lose their lazy text). */
function marked<E extends FrameEvent | MessageEvent>(ev: E, change: ChangeMark): E {
  (ev as { change?: ChangeMark }).change = change;
  return ev;
}
