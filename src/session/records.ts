// Frame and message records as the session builds them. Text is validated eagerly (the
// diagnostic must exist at decode time) but decoded to a JS string lazily, on first use by
// a renderer: most frames in a large capture are never shown as text.
// Layer rule: session/ — pure.
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Frame } from '../protocol/frame.js';
import type {
  AppInfo,
  AppPair,
  CaptureOrigin,
  ChangeMark,
  CloseInfo,
  CompressedMessage,
  Direction,
  FrameEvent,
  InflateInfo,
  MessageEvent,
  Timestamp,
} from './events.js';

const decoder = new TextDecoder('utf-8');

function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * An event with some fields changed: a copy of the same class (a record's getters, such as its
 * text, work on it), built by Object.assign. A spread would drop the class, and a spread with a
 * field added ({ ...ev, heartbeat: true }) gives every copy a hidden class of its own, each
 * one making the code that reads events slower (megamorphic misses).
 */
export function eventWith<T extends object>(ev: T, fields: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(ev) as object) as T, ev, fields);
}

export class FrameRecord implements FrameEvent {
  readonly type = 'frame' as const;
  compressed = false;
  messageOpcode: number | undefined = undefined;
  inflated: Uint8Array | undefined = undefined;
  inflate: InflateInfo | undefined = undefined;
  continuesCompressed: boolean | undefined = undefined;
  compressedMessage: CompressedMessage | undefined = undefined;
  close: CloseInfo | undefined = undefined;
  /** Bytes of a complete unfragmented text message (inflated when compressed). */
  textBytes: Uint8Array | undefined = undefined;
  capture: CaptureOrigin | undefined = undefined;
  /** Set by a proxy that may change traffic (pipeline/changed-traffic.ts). */
  change: ChangeMark | undefined = undefined;
  private textCache: string | undefined = undefined;

  constructor(
    readonly conn: number,
    readonly dir: Direction,
    readonly index: number,
    readonly time: Timestamp,
    readonly frame: Frame,
    readonly diagnostics: Diagnostic[],
  ) {}

  get text(): string | undefined {
    if (this.textBytes === undefined) return undefined;
    return (this.textCache ??= decodeText(this.textBytes));
  }
}

export class MessageRecord implements MessageEvent {
  readonly type = 'message' as const;
  capture: CaptureOrigin | undefined = undefined;
  /**
   * Set by the view stage (views/view-stage.ts) in place: declared here so that setting them
   * keeps the record's shape (added later, every decorated message changed its hidden class).
   */
  app: AppInfo | undefined = undefined;
  pair: AppPair | undefined = undefined;
  appDiagnostics: readonly Diagnostic[] | undefined = undefined;
  /** Set by a proxy that may change traffic (pipeline/changed-traffic.ts). */
  change: ChangeMark | undefined = undefined;
  private textCache: string | undefined = undefined;

  constructor(
    readonly conn: number,
    readonly dir: Direction,
    readonly time: Timestamp,
    readonly opcode: number,
    readonly frames: number,
    readonly firstFrame: number,
    readonly lastFrame: number,
    readonly compressed: boolean,
    readonly data: Uint8Array,
    readonly length: number,
    readonly inflate: InflateInfo | undefined,
    readonly complete: boolean,
    readonly diagnostics: Diagnostic[],
  ) {}

  get text(): string | undefined {
    if (this.opcode !== 1) return undefined;
    return (this.textCache ??= decodeText(this.data));
  }
}
