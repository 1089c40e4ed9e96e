// The interactive UI's contract between its parts: what the screen asks of the traffic it shows
// (UiStore: rows, details, connections, status), what it asks of a live proxy's debugger
// (DebugActions: intercept, hold, edit, drop, inject, resend), and how a command starts it
// (UiLaunch). Two stores implement UiStore: one that keeps decoded events in memory (the live
// proxy, HAR/NDJSON, small captures) and one over a capture file's compact index (rows decoded
// again from the file by offset, on demand). Layer rule: ui/ — plain types.
import type {
  ChangeOrigin,
  ConnectionEvent,
  Direction,
  EndEvent,
  FrameEvent,
  HandshakeEvent,
  InspectEvent,
  MessageEvent,
  Timestamp,
} from '../session/events.js';

/** The list shows frames, or (key `m`) messages. */
export type RowKind = 'frame' | 'message';

/** What one list line needs; small, so a store can build it from an index entry. */
export interface RowSummary {
  readonly kind: RowKind;
  readonly conn: number;
  readonly dir: Direction;
  /** Frame index (1-based per connection, both directions) or, for a message, its first frame's index. */
  readonly index: number;
  readonly time: Timestamp;
  readonly opcode: number;
  readonly fin: boolean;
  readonly compressed: boolean;
  /** Payload length on the wire (frame) or of the application data (message). */
  readonly length: number;
  /** A short preview of the payload, not yet escaped for the terminal (the renderer escapes). */
  readonly preview: string;
  /** Diagnostic codes on this row, worst first. */
  readonly diagnostics: readonly string[];
  /** A proxy that changes traffic: modified, injected; `dropped` when the receiver never got it. */
  readonly change?: ChangeOrigin | 'dropped';
  /** Held by the intercept filter, waiting for the user. */
  readonly held?: boolean;
  readonly heartbeat?: boolean;
}

/** What the detail and hex panes show for the selected row. */
export interface RowDetail {
  readonly summary: RowSummary;
  /** The decoded event, as `-V` renders it. */
  readonly event: FrameEvent | MessageEvent;
  /** The connection's handshake events (request, response), when known. */
  readonly handshake: readonly HandshakeEvent[];
}

/** A view of the rows of one kind under one display filter; grows while traffic arrives or indexing goes on. */
export interface RowList {
  /** Rows known so far. */
  readonly length: number;
  /** Row i (0-based), or undefined while it is still being loaded (the store notifies when it is). */
  row(i: number): RowSummary | undefined;
  /** False while rows may still be added by a filter scan that has not finished. */
  readonly complete: boolean;
}

export interface ConnectionSummary {
  readonly connection: ConnectionEvent;
  readonly handshake: readonly HandshakeEvent[];
  readonly end?: EndEvent;
  readonly frames: number;
  readonly messages: number;
}

export interface StoreStatus {
  readonly frames: number;
  readonly messages: number;
  readonly connections: number;
  readonly errors: number;
  /** A file still being indexed: bytes done of total. */
  readonly indexing?: { readonly done: number; readonly total: number };
  /** The input is over (a file read to its end; never for a live proxy). */
  readonly ended: boolean;
  /** Why the list is empty, when it is (no WebSocket in the capture, nothing matched…). */
  readonly emptyReason?: string;
  /** The latest note for the user (a file error, a released hold). */
  readonly note?: string;
}

export interface UiStore {
  /** Called (throttled by the store) whenever rows, status or connections change. */
  subscribe(listener: () => void): () => void;
  /**
   * The rows of `kind` that pass `filter` (a -Y expression, already checked with
   * compileFilter; null: all) and, when `conn` is given, belong to that connection.
   */
  rows(kind: RowKind, filter: string | null, conn: number | null): RowList;
  /** Decodes row i of that list fully (from memory, or again from the file by offset). */
  detail(list: RowList, i: number): Promise<RowDetail>;
  connections(): readonly ConnectionSummary[];
  status(): StoreStatus;
  /** Stops background work (indexing, scans). */
  dispose(): void;
}

/** One message the intercept filter holds. */
export interface HeldMessage {
  /** Unique while the UI runs. */
  readonly id: number;
  readonly conn: number;
  readonly dir: Direction;
  /** Data message index on its connection (the engine's). */
  readonly index: number;
  readonly opcode: number;
  /** Application data, inflated. */
  readonly data: Uint8Array;
  /** Milliseconds since the epoch when it was held. */
  readonly since: number;
}

/** A live proxy's debugger, as the UI's keys drive it. Errors come back as one line, never thrown. */
export interface DebugActions {
  /** Sets (a -Y expression) or clears (null) the intercept filter; a bad expression: its one-line error. */
  setIntercept(expression: string | null): string | null;
  readonly intercept: string | null;
  held(): readonly HeldMessage[];
  /** `a`: sends it on as it came. */
  forward(id: number): void;
  /** `A` */
  forwardAll(): void;
  /** `x`: the receiver never gets it (marked dropped). */
  drop(id: number): void;
  /** `d`: sends it, then the same message again. */
  duplicate(id: number): void;
  /** `e`: sends this content instead (marked modified). */
  edit(id: number, opcode: number, data: Uint8Array): void;
  /** `I`: a new message toward the receiver of `dir` (marked injected); null, or why it cannot be sent. */
  inject(conn: number, dir: Direction, opcode: number, data: Uint8Array): string | null;
  /** `r`: sends again, fresh mask and compression; null, or why not. */
  resend(conn: number, dir: Direction, opcode: number, data: Uint8Array): string | null;
  /** Called when held messages or the intercept change. */
  subscribe(listener: () => void): () => void;
}

/** How a command starts the UI; resolves when the user quits (the terminal restored). */
export interface UiLaunch {
  readonly store: UiStore;
  /** Only with `proxy --ui`. */
  readonly debug?: DebugActions;
  /** Shown in the status line: the file name, or "proxy :8080 → ws://…". */
  readonly title: string;
  /** The display filter to start with (-Y). */
  readonly filter?: string | null;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  /**
   * `e` and `I`: lets the user edit `initial` (a file named *.ext: txt, json, hex) and gives back
   * the text, or null when nothing was saved. The UI hands the terminal over while it runs
   * (main screen, cooked mode) and ignores input until it resolves; the runner (ui/editor.ts)
   * runs the editor asynchronously, so a live proxy keeps relaying, and stops this process
   * reading the terminal meanwhile, so nothing typed into the editor reaches the UI.
   * Without it, `e` says it is missing and `I` asks for the text on the prompt line.
   */
  readonly editor?: EditText;
  /** Colour level (0: none, NO_COLOR); default from NO_COLOR / FORCE_COLOR. */
  readonly colorLevel?: 0 | 1 | 2 | 3;
  /**
   * SIGTERM/SIGHUP: 'exit' (default) restores the terminal and exits; 'return' restores it and
   * resolves, so the caller ends its run as after `q` (the proxy writes --har and --write whole).
   */
  readonly onSignal?: 'exit' | 'return';
}

/** Lets the user edit a text (the proxy's $EDITOR runner); null: left unchanged or cancelled. */
export type EditText = (initial: string, ext: string) => Promise<string | null>;

/** The memory store is a pipeline consumer like the printers; re-exported so callers name one vocabulary. */
export type { InspectEvent };
