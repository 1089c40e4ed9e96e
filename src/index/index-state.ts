// The index as the main thread holds it: the columns the worker's chunks are appended to, the
// connections, the deflate checkpoints by connection and direction, and how far indexing got.
// Layer rule: index/ — plain data.
import type { Direction, Timestamp } from '../session/events.js';
import { FrameColumns, MessageColumns } from './columns.js';
import type { IndexChunk, IndexCheckpoint, IndexedConnection } from './index-builder.js';
import type { IndexView } from './frame-reader.js';
import type { IndexProgress } from './index-run.js';

export class IndexState implements IndexView {
  readonly frames: FrameColumns;
  readonly messages = new MessageColumns();
  readonly conns = new Map<number, IndexedConnection>();
  private readonly cps = new Map<string, IndexCheckpoint[]>();
  errors = 0;
  timeOrigin: Timestamp = null;
  progress: IndexProgress = { done: 0, total: 0 };
  ended = false;
  checkpointBytes = 0;
  checkpointCount = 0;

  constructor(wide: boolean) {
    this.frames = new FrameColumns(wide);
  }

  apply(chunk: IndexChunk, progress: IndexProgress, last: boolean): void {
    const { frames, messages } = this;
    frames.append(chunk.frames);
    messages.append(chunk.messages);
    for (const [row, codes] of chunk.frameDiagnostics) frames.diagnostics.set(row, codes);
    for (const [row, codes] of chunk.messageDiagnostics) messages.diagnostics.set(row, codes);
    for (const [row, len] of chunk.frameLongLengths) frames.longLength.set(row, len);
    for (const [row, len] of chunk.messageLongLengths) messages.longLength.set(row, len);
    for (const [row, time] of chunk.messageTimes) messages.times.set(row, time);
    for (const c of chunk.connections) this.conns.set(c.conn, c);
    for (const cp of chunk.checkpoints) {
      const key = `${cp.conn}${cp.dir}`;
      let list = this.cps.get(key);
      if (list === undefined) this.cps.set(key, (list = []));
      list.push(cp);
      this.checkpointBytes += cp.window.byteLength;
      this.checkpointCount++;
    }
    this.errors += chunk.errors;
    this.timeOrigin ??= chunk.timeOrigin;
    this.progress = progress;
    if (last) this.ended = true;
  }

  /** The whole index as one chunk (columns copied): what index-file.ts saves, and apply() takes back. */
  snapshot(): IndexChunk {
    const { frames, messages } = this;
    return {
      frames: frames.batch(),
      messages: messages.batch(),
      frameDiagnostics: [...frames.diagnostics].map(([row, codes]) => [row, [...codes]]),
      messageDiagnostics: [...messages.diagnostics].map(([row, codes]) => [row, [...codes]]),
      frameLongLengths: [...frames.longLength],
      messageLongLengths: [...messages.longLength],
      messageTimes: [...messages.times],
      connections: [...this.conns.values()],
      checkpoints: [...this.cps.values()].flat(),
      errors: this.errors,
      timeOrigin: this.timeOrigin,
    };
  }

  connection(conn: number): IndexedConnection | undefined {
    return this.conns.get(conn);
  }

  checkpoints(conn: number, dir: Direction): readonly IndexCheckpoint[] {
    return this.cps.get(`${conn}${dir}`) ?? [];
  }

  /** Time of message row `row`: its last frame's unless kept apart. */
  messageTime(row: number): Timestamp {
    const t = this.messages.times.get(row);
    return t !== undefined ? t : this.frames.timeOf(this.messages.last.get(row));
  }
}
