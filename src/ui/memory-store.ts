// The UI's store of decoded traffic in memory: a pipeline consumer (like the printers) that
// keeps every event, and serves the screen its rows under a display filter (the -Y language,
// through filter/display-filter.ts exactly as the listing applies it), its connections and
// status. Used for the live proxy, HAR/NDJSON recordings and captures read whole. Events may
// keep arriving (the proxy): filtered lists follow them, and subscribers are told at most
// ~30 times a second. Layer rule: ui/ — may use timers.
import type { EventConsumer } from '../pipeline/consumer.js';
import { createDisplayFilter, type DisplayFilter } from '../filter/display-filter.js';
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { frameEventDiagnostics } from '../render/diagnostics-view.js';
import type {
  ConnectionEvent,
  EndEvent,
  FrameEvent,
  HandshakeEvent,
  InspectEvent,
  MessageEvent,
} from '../session/events.js';
import { AnswerWatch, withAnswers } from '../views/answer-watch.js';
import type { ConnectionSummary, RowDetail, RowKind, RowList, RowSummary, StoreStatus, UiStore } from './model.js';

export interface MemoryStoreOptions {
  /**
   * Bytes kept of each uncompressed binary payload (EventConsumer.keepPayload): what is over
   * is not kept, and the detail says so (frame.payloadSkipped, message length). Default 1 MiB.
   */
  readonly keepPayload?: number;
  /** Milliseconds between notifications at most; default 33 (~30 Hz). */
  readonly throttleMs?: number;
}

/** The preview kept per row: enough for any list width. */
const PREVIEW_CHARS = 200;
const PREVIEW_BYTES = 48;
/** Filtered lists kept (each follows new events): the ones the user switches between. */
const CACHED_LISTS = 8;

type RowEvent = FrameEvent | MessageEvent;

interface ConnRecord {
  connection: ConnectionEvent;
  handshake: HandshakeEvent[];
  end?: EndEvent;
  frames: number;
  messages: number;
}

/** A list of rows: indices into the store's frames or messages; grows as events arrive. */
class IndexList implements RowList {
  readonly complete = true;
  constructor(
    readonly rowsOf: RowEvent[],
    readonly picked: number[] | null,
    private readonly summarize: (ev: RowEvent) => RowSummary,
  ) {}
  get length(): number {
    return this.picked === null ? this.rowsOf.length : this.picked.length;
  }
  row(i: number): RowSummary | undefined {
    const ev = this.event(i);
    return ev === undefined ? undefined : this.summarize(ev);
  }
  event(i: number): RowEvent | undefined {
    if (i < 0) return undefined;
    return this.rowsOf[this.position(i)];
  }
  /** Row i's place in the store's frames or messages. */
  position(i: number): number {
    return this.picked === null ? i : this.picked[i];
  }
}

/** A filtered list and what keeps it current: its display filter sees every event in order. */
interface FollowedList {
  readonly list: IndexList;
  readonly kind: RowKind;
  readonly conn: number | null;
  readonly filter: DisplayFilter | null;
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, note: 2 };

function worstFirst(list: readonly Diagnostic[]): string[] {
  if (list.length === 0) return [];
  return [...list].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]).map((d) => d.code);
}

function hexPreview(bytes: Uint8Array): string {
  let out = '';
  const n = Math.min(bytes.length, PREVIEW_BYTES);
  for (let i = 0; i < n; i++) out += (i === 0 ? '' : ' ') + bytes[i].toString(16).padStart(2, '0');
  return bytes.length > n ? out + ' …' : out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function textPreview(text: string): string {
  return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) + '…' : text;
}

function framePreview(ev: FrameEvent): string {
  if (ev.close !== undefined)
    return ev.close.code === null ? 'close' : `close ${ev.close.code}${ev.close.reason ? ' ' + ev.close.reason : ''}`;
  if (ev.text !== undefined) return textPreview(ev.text);
  const opcode = ev.frame.opcode === 0 ? ev.messageOpcode : ev.frame.opcode;
  const bytes = ev.inflated ?? ev.frame.payload;
  if (opcode === 1 && !ev.compressed) return textPreview(utf8.decode(bytes.subarray(0, PREVIEW_CHARS * 4)));
  return hexPreview(bytes);
}

function messagePreview(ev: MessageEvent): string {
  if (ev.text !== undefined) return textPreview(ev.text);
  if (ev.opcode === 1) return textPreview(utf8.decode(ev.data.subarray(0, PREVIEW_CHARS * 4)));
  return hexPreview(ev.data);
}

function changeOf(ev: RowEvent): RowSummary['change'] {
  const c = ev.change;
  if (c === undefined) return undefined;
  if (c.dropped !== undefined) return 'dropped';
  return c.origin === 'wire' ? undefined : c.origin;
}

export function summarizeRow(ev: RowEvent): RowSummary {
  if (ev.type === 'frame') {
    const change = changeOf(ev);
    return {
      kind: 'frame',
      conn: ev.conn,
      dir: ev.dir,
      index: ev.index,
      time: ev.time,
      opcode: ev.frame.opcode,
      fin: ev.frame.fin,
      compressed: ev.compressed,
      length: ev.frame.payloadLength,
      preview: framePreview(ev),
      diagnostics: worstFirst(frameEventDiagnostics(ev)),
      ...(change === undefined ? {} : { change }),
      ...(ev.heartbeat === true ? { heartbeat: true } : {}),
    };
  }
  const change = changeOf(ev);
  const heartbeat = ev.app !== undefined && ev.app.items.length > 0 && ev.app.items.every((i) => i.heartbeat === true);
  return {
    kind: 'message',
    conn: ev.conn,
    dir: ev.dir,
    index: ev.firstFrame,
    time: ev.time,
    opcode: ev.opcode,
    fin: ev.complete,
    compressed: ev.compressed,
    length: ev.length,
    preview: messagePreview(ev),
    diagnostics: worstFirst(ev.diagnostics),
    ...(change === undefined ? {} : { change }),
    ...(heartbeat ? { heartbeat: true } : {}),
  };
}

export class MemoryStore implements UiStore, EventConsumer {
  readonly keepPayload: number;
  private readonly throttleMs: number;
  private readonly events: InspectEvent[] = [];
  private readonly frames: FrameEvent[] = [];
  private readonly messages: MessageEvent[] = [];
  private readonly conns = new Map<number, ConnRecord>();
  private readonly listeners = new Set<() => void>();
  private readonly followed = new Map<string, FollowedList>();
  private readonly summaries = new WeakMap<RowEvent, RowSummary>();
  private origin: number | null = null;
  /** Per event (this.events), its index in this.frames or this.messages (-1: neither). */
  private readonly rowPos: number[] = [];
  private errors = 0;
  private ended = false;
  private emptyReason: string | undefined;
  private note: string | undefined;
  private timer: NodeJS.Timeout | null = null;
  private lastNotified = 0;
  private disposed = false;
  private readonly summarize = (ev: RowEvent): RowSummary => {
    let s = this.summaries.get(ev);
    if (s === undefined) this.summaries.set(ev, (s = summarizeRow(ev)));
    return s;
  };

  constructor(options: MemoryStoreOptions = {}) {
    this.keepPayload = options.keepPayload ?? 1 << 20;
    this.throttleMs = options.throttleMs ?? 33;
  }

  // --- EventConsumer -------------------------------------------------------------------

  event(ev: InspectEvent): void {
    this.events.push(ev);
    this.rowPos.push(ev.type === 'frame' ? this.frames.length : ev.type === 'message' ? this.messages.length : -1);
    switch (ev.type) {
      case 'frame':
        this.frames.push(ev);
        this.countDiagnostics(frameEventDiagnostics(ev));
        this.countRow(ev.conn, 'frames');
        break;
      case 'message':
        this.messages.push(ev);
        this.countDiagnostics(ev.diagnostics);
        this.countRow(ev.conn, 'messages');
        break;
      case 'connection':
        this.conns.set(ev.conn, { connection: ev, handshake: [], frames: 0, messages: 0 });
        break;
      case 'handshake':
        this.conns.get(ev.conn)?.handshake.push(ev);
        break;
      case 'end': {
        const c = this.conns.get(ev.conn);
        if (c !== undefined) c.end = ev;
        break;
      }
      case 'diagnostic':
        if (ev.diagnostic.severity === 'error') this.errors++;
        break;
    }
    for (const f of this.followed.values()) this.follow(f, ev, this.events.length - 1);
    this.changed();
  }

  timeOrigin(time: number): void {
    this.origin ??= time;
    for (const f of this.followed.values()) f.filter?.setTimeOrigin(time);
  }

  finish(): void {
    this.ended = true;
    this.changed();
  }

  // --- what the command tells the store ------------------------------------------------

  /** The input is over (a file read to its end), and why the list is empty when it is. */
  markEnded(emptyReason?: string): void {
    this.ended = true;
    this.emptyReason = emptyReason;
    this.changed();
  }

  /** A note for the status line (a file error after the first screen, a released hold). */
  setNote(note: string | undefined): void {
    this.note = note;
    this.changed();
  }

  // --- UiStore -------------------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rows(kind: RowKind, filter: string | null, conn: number | null): RowList {
    const rowsOf: RowEvent[] = kind === 'frame' ? this.frames : this.messages;
    if (filter === null && conn === null) return new IndexList(rowsOf, null, this.summarize);
    const key = `${kind}\u0000${conn ?? ''}\u0000${filter ?? ''}`;
    const known = this.followed.get(key);
    if (known !== undefined) {
      // most recently used last
      this.followed.delete(key);
      this.followed.set(key, known);
      return known.list;
    }
    const f: FollowedList = {
      list: new IndexList(rowsOf, [], this.summarize),
      kind,
      conn,
      filter: filter === null ? null : createDisplayFilter({ expression: filter }),
    };
    if (f.filter !== null && this.origin !== null) f.filter.setTimeOrigin(this.origin);
    for (let i = 0; i < this.events.length; i++) this.follow(f, this.events[i], i);
    this.followed.set(key, f);
    if (this.followed.size > CACHED_LISTS) this.followed.delete(this.followed.keys().next().value!);
    return f.list;
  }

  async detail(list: RowList, i: number): Promise<RowDetail> {
    const ev = list instanceof IndexList ? list.event(i) : undefined;
    if (ev === undefined) throw new Error(`no row ${i} in this list`);
    const event = ev.type === 'message' ? this.withAnswers(ev, (list as IndexList).position(i)) : ev;
    return { summary: this.summarize(ev), event, handshake: this.conns.get(ev.conn)?.handshake ?? [] };
  }

  /** A request's answers among the messages after it, message `at` (so far, on a live connection). */
  private withAnswers(ev: MessageEvent, at: number): MessageEvent {
    const watch = AnswerWatch.of(ev);
    if (watch === null) return ev;
    let open = true;
    for (let m = at + 1; m < this.messages.length && open; m++) open = watch.see(this.messages[m]);
    const conn = this.conns.get(ev.conn);
    if (open && conn?.end !== undefined) watch.see(conn.end);
    return withAnswers(ev, watch, this.ended);
  }

  connections(): readonly ConnectionSummary[] {
    return [...this.conns.values()].map((c) => ({
      connection: c.connection,
      handshake: c.handshake,
      ...(c.end === undefined ? {} : { end: c.end }),
      frames: c.frames,
      messages: c.messages,
    }));
  }

  status(): StoreStatus {
    return {
      frames: this.frames.length,
      messages: this.messages.length,
      connections: this.conns.size,
      errors: this.errors,
      ended: this.ended,
      ...(this.emptyReason === undefined ? {} : { emptyReason: this.emptyReason }),
      ...(this.note === undefined ? {} : { note: this.note }),
    };
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  // --- inside --------------------------------------------------------------------------

  private countRow(conn: number, what: 'frames' | 'messages'): void {
    const c = this.conns.get(conn);
    if (c !== undefined) c[what]++;
  }

  private countDiagnostics(list: readonly Diagnostic[]): void {
    for (const d of list) if (d.severity === 'error') this.errors++;
  }

  /** Event number `at` (in this.events) through a followed list's filter. */
  private follow(f: FollowedList, ev: InspectEvent, at: number): void {
    const shown = f.filter === null ? ev.type === 'frame' || ev.type === 'message' : f.filter.show(ev);
    if (!shown || ev.type !== f.kind) return;
    if (f.conn !== null && ev.conn !== f.conn) return;
    f.list.picked!.push(this.rowPos[at]);
  }

  /** Tells subscribers, at most once per throttleMs (the last change always gets its call). */
  private changed(): void {
    if (this.disposed || this.timer !== null) return;
    const wait = Math.max(0, this.lastNotified + this.throttleMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastNotified = Date.now();
      for (const l of [...this.listeners]) l();
    }, wait);
    this.timer.unref?.();
  }
}
