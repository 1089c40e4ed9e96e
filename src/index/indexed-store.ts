// The UI's store over a capture file's index (ui/model.ts UiStore): a worker thread indexes the
// file (index-worker.ts) and posts rows in chunks, usable while indexing goes on; a row's
// preview and detail are decoded again from the file by offset (frame-reader.ts), previews
// in the background for the rows asked for, kept in an LRU. A display filter on fields the
// index has (conn, dir, opcode, len, fin, time, diag…) is evaluated over the columns; one that
// needs the payload (text, json.*, data…) runs as a scan of the file in a second worker,
// its matches arriving as it goes (RowList.complete false until it is done).
// Layer rule: index/ — starts worker threads and reads the file; takes only types from ui/.
import { Worker } from 'node:worker_threads';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { WsinspectError } from '../errors.js';
import { openCapture } from '../sources/capture-source.js';
import { compileFilter, type CompiledFilter } from '../filter/compile.js';
import type { FilterSubject } from '../filter/subject.js';
import { diagnostic, DIAGNOSTIC_CATALOGUE, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import type {
  ConnectionEvent,
  Direction,
  FrameEvent,
  HandshakeEvent,
  InspectEvent,
  MessageEvent,
  Timestamp,
} from '../session/events.js';
import type { ViewChoice } from '../views/names.js';
import type { ConnectionSummary, RowDetail, RowKind, RowList, RowSummary, StoreStatus, UiStore } from '../ui/model.js';
import { earlierMessageRows, VIEW_REPLAY, ViewReplay, watchLater } from './app-replay.js';
import { AnswerWatch, withAnswers } from '../views/answer-watch.js';
import { F, M, skipRows } from './columns.js';
import { FrameReader } from './frame-reader.js';
import { indexFirstChunk, runIndex, runScan, WIDE_FROM, type IndexProgress } from './index-run.js';
import { identify, readSavedIndex, saveIndex } from './index-file.js';
import { IndexState } from './index-state.js';
import type { IndexWorkerData, IndexWorkerMessage } from './index-worker.js';

/** What the store needs of a worker (a worker_threads Worker). */
export interface WorkerLike {
  on(event: 'message', listener: (m: IndexWorkerMessage) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  terminate(): unknown;
}

export interface IndexedStoreOptions {
  readonly decodeAs?: readonly number[];
  readonly keyLog?: KeyLogSecrets;
  readonly checkpointEvery?: number;
  readonly checkpointSpacing?: number;
  /**
   * 'worker' (default): indexing and scans in worker threads; 'inline': in this thread (tests
   * of the logic from the TypeScript sources, where there is no compiled worker module).
   */
  readonly mode?: 'worker' | 'inline';
  /** --view: the application view a message's detail is decoded with (default auto; 'raw': none). */
  readonly view?: ViewChoice;
  /** How many earlier messages of its connection a message's detail replays through the view (default 200). */
  readonly viewReplay?: number;
  /** Milliseconds between notifications at most (default 50). */
  readonly notifyMs?: number;
  /** number summaries kept (default 4096). */
  readonly cacheRows?: number;
  /**
   * Where saved indexes live (index-file.ts): the capture's saved index is opened instead of
   * indexing it again, and a finished index is saved there. Default: none (always index).
   */
  readonly cacheDir?: string;
}

/** The fields a filter may name to be evaluated over the index's columns alone. */
const INDEX_FIELDS = new Set([
  'conn',
  'dir',
  'index',
  'opcode',
  'fin',
  'rsv1',
  'rsv2',
  'rsv3',
  'masked',
  'len',
  'compressed',
  'diag',
  'diag.severity',
  'time',
]);

/** True when the filter can be answered from the index without reading payloads. */
export function indexOnly(filter: CompiledFilter): boolean {
  return filter.fields.every((f) => INDEX_FIELDS.has(f));
}

const PREVIEW_CHARS = 200;
const PREVIEW_BYTES = 48;
/** Payload bytes of replayed messages kept for the next detail. */
const REPLAY_BYTES = 32 * 1024 * 1024;

/** A short preview of a decoded frame's or message's payload (not escaped: the renderer escapes). */
export function previewOf(ev: FrameEvent | MessageEvent): string {
  if (ev.type === 'frame' && ev.close !== undefined)
    return ev.close.code === null ? '' : `${ev.close.code}${ev.close.reason ? ` ${ev.close.reason}` : ''}`;
  const text = ev.text;
  if (text !== undefined) return text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text;
  const bytes = ev.type === 'frame' ? (ev.inflated ?? ev.frame.payload) : ev.data;
  const hex = Buffer.from(bytes.subarray(0, PREVIEW_BYTES))
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > PREVIEW_BYTES ? `${hex} …` : hex;
}

/** A list of rows of one kind: all of them, or those a filter and a connection let through. */
abstract class BaseList implements RowList {
  constructor(
    protected readonly store: IndexedStore,
    readonly kind: RowKind,
  ) {}
  abstract readonly length: number;
  abstract readonly complete: boolean;
  /** The index row of list row i, or -1 while it is not indexed yet. */
  abstract rowAt(i: number): number;
  row(i: number): RowSummary | undefined {
    const r = this.rowAt(i);
    return r < 0 ? undefined : this.store.summary(this.kind, r);
  }
  /** New rows were indexed. */
  refresh(): void {}
}

class AllRows extends BaseList {
  get length(): number {
    return this.kind === 'frame' ? this.store.state.frames.length : this.store.state.messages.length;
  }
  get complete(): boolean {
    return this.store.state.ended;
  }
  rowAt(i: number): number {
    return i >= 0 && i < this.length ? i : -1;
  }
}

/** Matched rows in a growable array. */
abstract class MatchedRows extends BaseList {
  protected matched = new Uint32Array(1024);
  protected count = 0;
  get length(): number {
    return this.count;
  }
  protected add(row: number): void {
    if (this.count === this.matched.length) {
      const grown = new Uint32Array(this.matched.length * 2);
      grown.set(this.matched);
      this.matched = grown;
    }
    this.matched[this.count++] = row;
  }
}

/** A filter over index fields (and/or a connection), evaluated over the columns as rows arrive. */
class ColumnFiltered extends MatchedRows {
  private cursor = 0;
  private readonly subject: ColumnSubject;

  constructor(
    store: IndexedStore,
    kind: RowKind,
    private readonly filter: CompiledFilter | null,
    private readonly conn: number | null,
  ) {
    super(store, kind);
    this.subject = new ColumnSubject(store.state, kind);
    this.refresh();
  }

  get complete(): boolean {
    return this.store.state.ended && this.cursor === this.total();
  }

  rowAt(i: number): number {
    return i >= 0 && i < this.count ? this.matched[i] : -1;
  }

  private total(): number {
    return this.kind === 'frame' ? this.store.state.frames.length : this.store.state.messages.length;
  }

  override refresh(): void {
    const { state } = this.store;
    const end = this.total();
    const s = this.subject;
    for (let r = this.cursor; r < end; r++) {
      if (this.conn !== null) {
        const c = this.kind === 'frame' ? state.frames.conn.get(r) : state.frames.conn.get(state.messages.first.get(r));
        if (c !== this.conn) continue;
      }
      if (this.filter !== null) {
        s.row = r;
        if (!this.filter.match(s)) continue;
      }
      this.add(r);
    }
    this.cursor = end;
  }
}

/** A filter that needs payloads: a scan of the file, its matches in as they are found. */
class ScanFiltered extends MatchedRows {
  done = false;
  cancel: () => void = () => {};

  get complete(): boolean {
    return this.done;
  }

  rowAt(i: number): number {
    if (i < 0 || i >= this.count) return -1;
    const r = this.matched[i];
    const indexed = this.kind === 'frame' ? this.store.state.frames.length : this.store.state.messages.length;
    return r < indexed ? r : -1;
  }

  matches(rows: Uint32Array, last: boolean): void {
    for (const r of rows) this.add(r);
    if (last) this.done = true;
  }
}

/** A row of the columns as the filter language sees it (index fields only). */
class ColumnSubject implements FilterSubject {
  row = 0;
  constructor(
    private readonly state: IndexState,
    readonly kind: RowKind,
  ) {}
  private get frameRow(): number {
    return this.kind === 'frame' ? this.row : this.state.messages.first.get(this.row);
  }
  private get fflags(): number {
    return this.state.frames.flags.get(this.frameRow);
  }
  private get mflags(): number {
    return this.state.messages.flags.get(this.row);
  }
  get conn(): number {
    return this.state.frames.conn.get(this.frameRow);
  }
  get dir(): Direction {
    return this.kind === 'frame'
      ? (this.fflags & F.S2C) !== 0
        ? 's2c'
        : 'c2s'
      : (this.mflags & M.S2C) !== 0
        ? 's2c'
        : 'c2s';
  }
  get index(): number {
    return this.state.frames.index.get(this.frameRow);
  }
  get opcode(): number {
    return this.kind === 'frame' ? this.fflags & 15 : this.mflags & 15;
  }
  get fin(): boolean {
    return this.kind === 'frame' ? (this.fflags & F.FIN) !== 0 : (this.mflags & M.COMPLETE) !== 0;
  }
  get rsv1(): boolean {
    return this.kind === 'frame' ? (this.fflags & F.RSV1) !== 0 : (this.mflags & M.COMPRESSED) !== 0;
  }
  get rsv2(): boolean {
    return this.kind === 'frame' && (this.fflags & F.RSV2) !== 0;
  }
  get rsv3(): boolean {
    return this.kind === 'frame' && (this.fflags & F.RSV3) !== 0;
  }
  get masked(): boolean | undefined {
    return this.kind === 'frame' ? (this.fflags & F.MASKED) !== 0 : undefined;
  }
  get len(): number {
    return this.kind === 'frame' ? this.state.frames.lengthOf(this.row) : this.state.messages.lengthOf(this.row);
  }
  get compressed(): boolean {
    return this.kind === 'frame' ? (this.fflags & F.COMPRESSED) !== 0 : (this.mflags & M.COMPRESSED) !== 0;
  }
  get data(): Uint8Array {
    throw new Error('payload fields are scanned, not read from the index');
  }
  get diagnostics(): FilterSubject['diagnostics'] {
    const codes =
      this.kind === 'frame'
        ? this.state.frames.diagnostics.get(this.row)
        : this.state.messages.diagnostics.get(this.row);
    return (codes ?? []).map((code) => ({
      code,
      severity: DIAGNOSTIC_CATALOGUE[code as DiagnosticCode]?.severity ?? 'note',
    }));
  }
  get time(): number | null {
    const t = this.kind === 'frame' ? this.state.frames.timeOf(this.row) : this.state.messageTime(this.row);
    const origin = this.state.timeOrigin;
    return t === null || origin === null ? null : Math.round((t - origin) * 1e6) / 1e6;
  }
}

export class IndexedStore implements UiStore {
  readonly state: IndexState;
  private readonly reader: FrameReader;
  private readonly listeners = new Set<() => void>();
  private readonly lists = new Map<string, BaseList>();
  private readonly replayCache = new Map<number, MessageEvent>();
  private replayBytes = 0;
  private readonly workers = new Set<WorkerLike>();
  private readonly cache = new Map<string, RowSummary>();
  private readonly queue: { kind: RowKind; row: number }[] = [];
  private readonly queued = new Set<string>();
  private decoding = false;
  private notifyTimer: NodeJS.Timeout | null = null;
  private note: string | undefined;
  private disposed = false;
  /** Resolves when indexing ended (or failed). */
  readonly indexed: Promise<void>;
  /** Figures of the run: first chunk (ms after open), checkpoint cost. */
  firstChunkMs: number | null = null;
  private readonly opened = Date.now();

  private constructor(
    readonly file: string,
    total: number,
    private readonly options: IndexedStoreOptions,
  ) {
    this.state = new IndexState(total >= WIDE_FROM);
    this.state.progress = { done: 0, total };
    this.reader = new FrameReader(file, this.state, { decodeAs: options.decodeAs, keyLog: options.keyLog });
    this.indexed = this.startIndexing();
  }

  /**
   * Opens a capture file and starts indexing it. Rejects with WsinspectError('input.unreadable')
   * when the file cannot be read; what is wrong inside it (not a capture…) shows in status().note.
   */
  static async open(file: string, options: IndexedStoreOptions = {}): Promise<IndexedStore> {
    if (file === '-') throw new WsinspectError('input.unreadable', 'a capture index needs a file, not stdin');
    const { total } = await openCapture(file);
    return new IndexedStore(file, total ?? 0, options);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rows(kind: RowKind, filter: string | null, conn: number | null): RowList {
    const key = `${kind}\u0000${filter ?? ''}\u0000${conn ?? ''}`;
    let list = this.lists.get(key);
    if (list !== undefined) return list;
    const compiled = filter === null || filter.trim() === '' ? null : compileFilter(filter);
    if (compiled === null && conn === null) list = new AllRows(this, kind);
    else if (compiled === null || indexOnly(compiled)) list = new ColumnFiltered(this, kind, compiled, conn);
    else list = this.startScan(kind, compiled.source, conn);
    this.lists.set(key, list);
    return list;
  }

  async detail(list: RowList, i: number): Promise<RowDetail> {
    const l = list as BaseList;
    const row = l.rowAt(i);
    if (row < 0) throw new Error(`row ${i} is not indexed yet`);
    const decoded = l.kind === 'frame' ? await this.reader.frame(row) : await this.reader.message(row);
    if (decoded.fallback !== undefined) this.setNote(`read from the start of the file: ${decoded.fallback}`);
    const summary = this.summaryOf(l.kind, row, previewOf(decoded.event));
    this.remember(l.kind, row, summary);
    const conn = this.state.connection(decoded.event.conn);
    const view = this.options.view ?? 'auto';
    let event: InspectEvent = decoded.event;
    if (decoded.event.type === 'message' && conn !== undefined && view !== 'raw') {
      // a TLS connection is decrypted from the file's start for each message: none replayed
      const earlier = conn.tls
        ? { rows: [], whole: false }
        : earlierMessageRows(this.state, row, decoded.event.conn, this.options.viewReplay ?? VIEW_REPLAY);
      const replay = new ViewReplay(conn, view, earlier.whole);
      for (const r of earlier.rows) replay.feed(await this.replayed(r));
      const seen = replay.message(decoded.event).message;
      // a request's answers: the connection's next messages through the same view (TLS: none read)
      const watch = conn.tls ? null : AnswerWatch.of(seen, this.options.viewReplay ?? VIEW_REPLAY);
      if (watch !== null) await watchLater(watch, replay, this.state, row, conn, (r) => this.replayed(r));
      event = withAnswers(seen, watch, this.state.ended);
    }
    return { summary, event, handshake: conn?.handshake ?? [] };
  }

  /** Message row `r` decoded again for a replay, from an LRU of REPLAY_BYTES (the next row's detail replays almost the same rows). */
  private async replayed(r: number): Promise<MessageEvent> {
    const hit = this.replayCache.get(r);
    if (hit !== undefined) {
      this.replayCache.delete(r);
      this.replayCache.set(r, hit);
      return hit;
    }
    const ev = (await this.reader.message(r)).event;
    this.replayCache.set(r, ev);
    this.replayBytes += ev.data.length;
    for (const [k, old] of this.replayCache) {
      if (this.replayBytes <= REPLAY_BYTES) break;
      this.replayCache.delete(k);
      this.replayBytes -= old.data.length;
    }
    return ev;
  }

  connections(): readonly ConnectionSummary[] {
    return [...this.state.conns.values()]
      .sort((a, b) => a.conn - b.conn)
      .map((c) => ({
        connection: c.connection,
        handshake: c.handshake,
        ...(c.end === undefined ? {} : { end: c.end }),
        frames: c.frames,
        messages: c.messages,
      }));
  }

  status(): StoreStatus {
    const s = this.state;
    const empty =
      s.ended && s.frames.length === 0
        ? s.conns.size === 0
          ? 'no WebSocket connection in the capture'
          : 'the WebSocket connections carried no frames'
        : undefined;
    return {
      frames: s.frames.length,
      messages: s.messages.length,
      connections: s.conns.size,
      errors: s.errors,
      ...(s.ended ? {} : { indexing: { done: s.progress.done, total: s.progress.total } }),
      ended: s.ended,
      ...(empty === undefined ? {} : { emptyReason: empty }),
      ...(this.note === undefined ? {} : { note: this.note }),
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers) void w.terminate();
    this.workers.clear();
    if (this.notifyTimer !== null) clearTimeout(this.notifyTimer);
    void this.reader.close();
  }

  /** The summary of index row `row`, or undefined while its preview is being decoded. */
  summary(kind: RowKind, row: number): RowSummary | undefined {
    const key = `${kind}${row}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const len = kind === 'frame' ? this.state.frames.lengthOf(row) : this.state.messages.lengthOf(row);
    if (len === 0) {
      const s = this.summaryOf(kind, row, '');
      this.remember(kind, row, s);
      return s;
    }
    this.request(kind, row);
    return undefined;
  }

  /** A summary from the columns, with the preview given. */
  private summaryOf(kind: RowKind, row: number, preview: string): RowSummary {
    const { frames, messages } = this.state;
    if (kind === 'frame') {
      const flags = frames.flags.get(row);
      return {
        kind,
        conn: frames.conn.get(row),
        dir: (flags & F.S2C) !== 0 ? 's2c' : 'c2s',
        index: frames.index.get(row),
        time: frames.timeOf(row),
        opcode: flags & 15,
        fin: (flags & F.FIN) !== 0,
        compressed: (flags & F.COMPRESSED) !== 0,
        length: frames.lengthOf(row),
        preview,
        diagnostics: frames.diagnostics.get(row) ?? [],
      };
    }
    const flags = messages.flags.get(row);
    const first = messages.first.get(row);
    return {
      kind,
      conn: frames.conn.get(first),
      dir: (flags & M.S2C) !== 0 ? 's2c' : 'c2s',
      index: frames.index.get(first),
      time: this.state.messageTime(row) as Timestamp,
      opcode: flags & 15,
      fin: (flags & M.COMPLETE) !== 0,
      compressed: (flags & M.COMPRESSED) !== 0,
      length: messages.lengthOf(row),
      preview,
      diagnostics: messages.diagnostics.get(row) ?? [],
    };
  }

  private remember(kind: RowKind, row: number, summary: RowSummary): void {
    const key = `${kind}${row}`;
    this.cache.delete(key);
    this.cache.set(key, summary);
    const max = this.options.cacheRows ?? 4096;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** Queues a preview decode; the newest requests first (the rows on screen now). */
  private request(kind: RowKind, row: number): void {
    const key = `${kind}${row}`;
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push({ kind, row });
    if (!this.decoding) void this.decodeQueued();
  }

  private async decodeQueued(): Promise<void> {
    this.decoding = true;
    try {
      while (this.queue.length > 0 && !this.disposed) {
        const { kind, row } = this.queue.pop()!;
        const key = `${kind}${row}`;
        try {
          const d = kind === 'frame' ? await this.reader.frame(row) : await this.reader.message(row);
          this.remember(kind, row, this.summaryOf(kind, row, previewOf(d.event)));
        } catch (error) {
          this.remember(kind, row, this.summaryOf(kind, row, ''));
          this.setNote(`row ${row}: ${error instanceof Error ? error.message : String(error)}`);
        }
        this.queued.delete(key);
        this.notify();
      }
    } finally {
      this.decoding = false;
    }
  }

  private setNote(note: string): void {
    this.note = note;
    this.notify();
  }

  private notify(): void {
    if (this.notifyTimer !== null || this.disposed) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      for (const l of this.listeners) l();
    }, this.options.notifyMs ?? 50);
  }

  /** Rows this thread indexed from the file's first chunk while the worker started, and those the worker posted. */
  private readonly prefix = { frames: 0, messages: 0 };
  private readonly posted = { frames: 0, messages: 0 };

  private onChunk(m: Extract<IndexWorkerMessage, { kind: 'chunk' }>): void {
    this.firstChunkMs ??= Date.now() - this.opened;
    const { frames, messages } = m.chunk;
    // the worker's first rows are the ones this thread already has (the same first chunk)
    const skipFrames = Math.min(frames.count, Math.max(0, this.prefix.frames - this.posted.frames));
    const skipMessages = Math.min(messages.count, Math.max(0, this.prefix.messages - this.posted.messages));
    this.posted.frames += frames.count;
    this.posted.messages += messages.count;
    const chunk =
      skipFrames === 0 && skipMessages === 0
        ? m.chunk
        : { ...m.chunk, frames: skipRows(frames, skipFrames), messages: skipRows(messages, skipMessages) };
    this.state.apply(chunk, m.progress, m.last);
    for (const list of this.lists.values()) list.refresh();
    this.notify();
  }

  private async startIndexing(): Promise<void> {
    const o = this.options;
    const dir = o.cacheDir;
    const id = dir === undefined ? null : await identify(this.file, o).catch(() => null);
    if (dir !== undefined && id !== null) {
      const saved = await readSavedIndex(dir, id);
      if ('chunk' in saved && !this.disposed) {
        this.state.apply(saved.chunk, { done: id.size, total: id.size }, true);
        this.firstChunkMs ??= Date.now() - this.opened;
        this.setNote(`opened from the index saved ${saved.header.createdAt.slice(0, 19).replace('T', ' ')} UTC`);
        for (const list of this.lists.values()) list.refresh();
        this.notify();
        return;
      }
      if ('why' in saved && saved.why !== 'none saved') this.setNote(`${saved.why}: indexing again`);
    }
    await this.indexFile();
    if (dir === undefined || id === null || this.disposed || !this.state.ended || this.broken) return;
    try {
      await saveIndex(dir, id, this.state);
    } catch (error) {
      this.setNote(`the index could not be saved (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  private async indexFile(): Promise<void> {
    const o = this.options;
    if (o.mode === 'inline') {
      try {
        await runIndex(this.file, o, {
          chunk: (chunk, progress, last) => this.onChunk({ kind: 'chunk', chunk, progress, last }),
          stopped: () => this.disposed,
        });
      } catch (error) {
        this.failed(error);
      }
      return;
    }
    const worker = this.spawn({
      mode: 'index',
      file: this.file,
      decodeAs: o.decodeAs ?? [],
      keyLog: o.keyLog,
      checkpointEvery: o.checkpointEvery,
      checkpointSpacing: o.checkpointSpacing,
    });
    // while the worker thread starts (loading the pipeline takes it a while), this thread
    // indexes the file's first chunk itself, so the first screen need not wait for it
    void indexFirstChunk(this.file, o)
      .then((first) => {
        if (this.posted.frames + this.posted.messages > 0 || this.disposed) return;
        this.prefix.frames = first.frames.count;
        this.prefix.messages = first.messages.count;
        const done = Math.min(this.state.progress.total, 1 << 20);
        this.state.apply({ ...first, checkpoints: [], errors: 0 }, { done, total: this.state.progress.total }, false);
        this.firstChunkMs ??= Date.now() - this.opened;
        for (const list of this.lists.values()) list.refresh();
        this.notify();
      })
      .catch(() => {}); // the worker reports what is wrong with the file
    await new Promise<void>((resolve) => {
      worker.on('message', (m) => {
        if (m.kind === 'chunk') this.onChunk(m);
        else if (m.kind === 'indexed') {
          this.workers.delete(worker);
          void worker.terminate();
          resolve();
        } else if (m.kind === 'error') {
          this.failed(new Error(m.message));
          resolve();
        }
      });
      worker.on('error', (e) => {
        this.failed(e);
        resolve();
      });
    });
  }

  /** Indexing failed: what the state holds is not the whole capture's index. */
  private broken = false;

  private failed(error: unknown): void {
    this.broken = true;
    this.state.ended = true;
    this.setNote(`${this.file}: ${error instanceof Error ? error.message : String(error)}`);
  }

  private startScan(kind: RowKind, expression: string, conn: number | null): ScanFiltered {
    const list = new ScanFiltered(this, kind);
    const o = this.options;
    const take = (frames: Uint32Array, messages: Uint32Array, _p: IndexProgress, last: boolean): void => {
      list.matches(kind === 'frame' ? frames : messages, last);
      this.notify();
    };
    if (o.mode === 'inline') {
      let stop = false;
      list.cancel = () => {
        stop = true;
      };
      void runScan(
        this.file,
        { ...o, expression, conn },
        { matches: take, stopped: () => stop || this.disposed },
      ).catch((e: unknown) => this.failed(e));
      return list;
    }
    const worker = this.spawn({
      mode: 'scan',
      file: this.file,
      decodeAs: o.decodeAs ?? [],
      keyLog: o.keyLog,
      expression,
      conn,
    });
    list.cancel = () => void worker.terminate();
    worker.on('message', (m) => {
      if (m.kind === 'matches') {
        take(m.frames, m.messages, m.progress, m.last);
        if (m.last) {
          this.workers.delete(worker);
          void worker.terminate();
        }
      } else if (m.kind === 'error') this.failed(new Error(m.message));
    });
    worker.on('error', (e) => this.failed(e));
    return list;
  }

  private spawn(data: IndexWorkerData): WorkerLike {
    const worker = new Worker(new URL('./index-worker.js', import.meta.url), { workerData: data }) as WorkerLike;
    this.workers.add(worker);
    return worker;
  }
}
