// The application view stage (pipeline slot ViewStage): per connection, chooses a view (or
// takes the one --view forces), says which and why in a note, and decorates each message with
// what the view understood (`app`, `pair`, diagnostics), frames of keep-alives with
// `heartbeat`, close frames with the protocol's name for their code. Requests never answered
// are reported when their connection ends. Layer rule: views/ — pure.
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../session/events.js';
import { eventWith } from '../session/records.js';
import type { ViewChoice } from './names.js';
import type { ProtoSchema } from './protobuf-view.js';
import { byContent, byPath, byProtocol, createView, type Choice } from './registry.js';
import type { ConnectionView, Decoded } from './view.js';

/** How many messages auto selection looks at before it settles (on plain JSON or on nothing). */
const SNIFF_MESSAGES = 4;

/** What a keep-alive frame's copy gets on top of the frame's own fields. */
const HEARTBEAT = { heartbeat: true } as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Conn {
  path: string | null;
  protocol: string | null;
  view: ConnectionView | null;
  /** Settled: no more sniffing (a forced view, a sub-protocol, a path, a specific first message). */
  settled: boolean;
  sniffed: number;
}

export class AppViewStage {
  private readonly conns = new Map<number, Conn>();

  constructor(
    private readonly choice: ViewChoice,
    private readonly options: { readonly proto?: ProtoSchema } = {},
  ) {}

  connect(next: (event: InspectEvent) => void): (event: InspectEvent) => void {
    if (this.choice === 'raw') return next;
    // frames and messages, nearly every event, are told apart first
    return (ev) => {
      if (ev.type === 'frame') next(this.frame(ev));
      else if (ev.type === 'message') next(this.message(ev, next));
      else this.handle(ev, next);
    };
  }

  /** Why a forced view was chosen: --proto names its file. */
  private forcedWhy(): string {
    return this.options.proto !== undefined && this.choice === 'protobuf'
      ? `--proto ${this.options.proto.file}`
      : `--view ${this.choice}`;
  }

  private state(conn: number): Conn {
    let c = this.conns.get(conn);
    if (c === undefined) {
      c = { path: null, protocol: null, view: null, settled: false, sniffed: 0 };
      this.conns.set(conn, c);
    }
    return c;
  }

  private choose(
    conn: number,
    c: Conn,
    choice: Choice,
    settled: boolean,
    time: InspectEvent['time'],
    next: (e: InspectEvent) => void,
  ): void {
    if (c.view?.protocol === choice.name) {
      c.settled ||= settled;
      return;
    }
    c.view = createView(choice.name, {
      conn,
      path: c.path,
      strict: settled,
      protocol: c.protocol,
      proto: this.options.proto,
    });
    c.settled = settled;
    next({
      type: 'diagnostic',
      conn,
      time,
      diagnostic: diagnostic('app.view.selected', `view ${choice.name} (${choice.why})`),
    });
  }

  /** Any event but a frame or a message. */
  private handle(ev: InspectEvent, next: (event: InspectEvent) => void): void {
    switch (ev.type) {
      case 'connection': {
        next(ev);
        const c = this.state(ev.conn);
        if (this.choice !== 'auto' && this.choice !== 'raw')
          this.choose(ev.conn, c, { name: this.choice, why: this.forcedWhy() }, true, ev.time, next);
        return;
      }
      case 'handshake': {
        next(ev);
        const c = this.state(ev.conn);
        const h = ev.handshake;
        if (h.side === 'request') c.path = h.path;
        else c.protocol = h.protocol;
        if (h.side === 'response' && !c.settled) {
          const choice = byProtocol(h.protocol) ?? byPath(c.path);
          if (choice !== null) this.choose(ev.conn, c, choice, true, ev.time, next);
        }
        return;
      }
      case 'end': {
        const c = this.conns.get(ev.conn);
        this.conns.delete(ev.conn);
        for (const d of c?.view?.finish?.() ?? [])
          next({ type: 'diagnostic', conn: ev.conn, time: ev.time, diagnostic: d });
        next(ev);
        return;
      }
      default:
        next(ev);
    }
  }

  private frame(ev: FrameEvent): FrameEvent {
    const view = this.conns.get(ev.conn)?.view;
    if (view == null) return ev;
    if (ev.close !== undefined && ev.close.code !== null && view.closeName !== undefined) {
      const name = view.closeName(ev.close.code);
      if (name !== null)
        return eventWith<FrameEvent>(ev, { close: { ...ev.close, codeName: `${view.protocol}: ${name}` } });
    }
    if (view.heartbeat?.(ev) === true) return eventWith<FrameEvent>(ev, HEARTBEAT);
    return ev;
  }

  private message(ev: MessageEvent, next: (event: InspectEvent) => void): MessageEvent {
    const c = this.state(ev.conn);
    // a forced view, on a source without connection events (hex)
    if (c.view === null && this.choice !== 'auto' && this.choice !== 'raw')
      this.choose(ev.conn, c, { name: this.choice, why: this.forcedWhy() }, true, ev.time, next);
    if (!c.settled && c.sniffed < SNIFF_MESSAGES) {
      c.sniffed++;
      const choice = byContent(ev);
      // plain JSON never replaces a protocol's view (a connection_ack after a tentative connection_init)
      if (choice !== null && !(choice.name === 'json' && c.view !== null && c.view.protocol !== 'json'))
        this.choose(ev.conn, c, choice, choice.name !== 'json' && choice.tentative !== true, ev.time, next);
    }
    const view = c.view;
    // a message cut short (input ended, or binary beyond what is kept) is not the protocol's whole unit
    if (view === null || !ev.complete || ev.data.length < ev.length) return ev;
    let decoded: Decoded;
    try {
      decoded = view.decode(ev);
    } catch (error) {
      // a view's bug must not stop the listing: the message stays raw, with a note why
      decoded = {
        app: null,
        diagnostics: [diagnostic('app.view.failed', `${view.protocol} view failed: ${(error as Error).message}`)],
      };
    }
    if (decoded.app === null && decoded.diagnostics.length === 0) return ev;
    // decorated in place: the event is this pipeline's, made by its session stage for this
    // delivery (a copy per message cost more than the decoding of a small one)
    const out = ev as Mutable<MessageEvent>;
    if (decoded.app !== null) out.app = decoded.app;
    if (decoded.pair !== undefined) out.pair = decoded.pair;
    if (decoded.diagnostics.length > 0) {
      out.diagnostics = [...ev.diagnostics, ...decoded.diagnostics];
      out.appDiagnostics = decoded.diagnostics;
    }
    return out;
  }
}
