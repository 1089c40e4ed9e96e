// The --script API: what a script module's default export may hold, and what its hooks get.
// Shipped with the package: `import type { WsinspectScript } from 'wsinspect'`.
// Layer rule: engine/ — plain data types.
import type { Direction } from '../session/events.js';

/** A connection through the proxy, after its 101. */
export interface ScriptConnection {
  /** 1-based, in order of arrival (the listing's [N]). */
  readonly id: number;
  /** The request target of the handshake (`/feed?x=1`). */
  readonly path: string;
  /** The subprotocol the server chose, or null. */
  readonly protocol: string | null;
  /** permessage-deflate was negotiated. */
  readonly compressed: boolean;
}

/** A whole data message, as its sender sent it (inflated). */
export interface ScriptMessage {
  readonly conn: number;
  readonly dir: Direction;
  /** 1 text, 2 binary. */
  readonly opcode: number;
  /** A text message's text (undefined for binary). */
  readonly text?: string;
  /** The application data. */
  readonly data: Uint8Array;
  /** The text parsed as JSON, on first use (undefined when it is not JSON or not text). */
  readonly json: unknown;
  /** The sender compressed it (RSV1). */
  readonly compressed: boolean;
  /** How many frames the sender used. */
  readonly frames: number;
  /** Seconds since the Unix epoch. */
  readonly ts: number;
}

/** A ping, pong or close frame. */
export interface ScriptControlFrame {
  readonly conn: number;
  readonly dir: Direction;
  readonly opcode: number;
  readonly opcodeName: 'ping' | 'pong' | 'close';
  readonly payload: Uint8Array;
  readonly ts: number;
}

/** What onMessage may return (or resolve to): nothing passes the message unchanged. */
export type ScriptMessageResult =
  undefined | void | 'drop' | { readonly text: string } | { readonly data: Uint8Array } | { readonly json: unknown };

/** What onControl may return: nothing passes the frame. */
export type ScriptControlResult = undefined | void | 'drop';

export interface ScriptContext {
  /** Sends an extra message in that direction (a string as text, bytes as binary). */
  send(dir: Direction, message: string | Uint8Array): void;
  /** Closes both legs cleanly with this code and reason. */
  close(code: number, reason?: string): void;
  /** A note in the proxy's output, about this connection. */
  log(...args: unknown[]): void;
}

/**
 * The default export of a --script module: every hook is optional. A Promise a hook returns
 * is given up on if still pending 5 s after the hook returned (the message passes unchanged);
 * a hook's synchronous code runs on the proxy's thread and is never interrupted, so a loop
 * that never ends blocks the proxy.
 */
export interface WsinspectScript {
  onConnect?(conn: ScriptConnection, ctx: ScriptContext): void | Promise<void>;
  onMessage?(msg: ScriptMessage, ctx: ScriptContext): ScriptMessageResult | Promise<ScriptMessageResult>;
  onControl?(frame: ScriptControlFrame, ctx: ScriptContext): ScriptControlResult | Promise<ScriptControlResult>;
  onClose?(
    conn: ScriptConnection,
    info: { readonly code: number | null; readonly reason: string },
    ctx: ScriptContext,
  ): void | Promise<void>;
}
