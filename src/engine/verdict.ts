// What the traffic engine asks about each message and control frame it relays, and the
// answers it understands: the vocabulary shared by rules (--rule), scripts (--script), the
// interactive UI and replay. Layer rule: engine/ — plain data types.
import type { Direction } from '../session/events.js';

/** A whole data message as its sender sent it, inflated. */
export interface EngineMessage {
  readonly conn: number;
  readonly dir: Direction;
  /** 1-based, per connection, both directions counted together (data messages only). */
  readonly index: number;
  /** 1 text, 2 binary. */
  readonly opcode: number;
  /** The application data (after inflation). */
  readonly data: Uint8Array;
  /** RSV1 was set: the sender compressed it. */
  readonly compressed: boolean;
  /** How many frames the sender used. */
  readonly frames: number;
  /** Seconds since the Unix epoch when its last frame arrived. */
  readonly ts: number;
}

/** A control frame (ping, pong, close) as its sender sent it. */
export interface EngineControl {
  readonly conn: number;
  readonly dir: Direction;
  readonly opcode: number;
  readonly payload: Uint8Array;
  readonly ts: number;
}

/** A message the engine sends on its own (`inject`, ctx.send). */
export interface Injection {
  readonly dir: Direction;
  readonly opcode: number;
  readonly data: Uint8Array;
  /**
   * Compress it where the connection negotiated permessage-deflate, even when that makes the
   * leg deflate everything after it itself (the UI's inject and resend). Default: only where
   * that changes nothing for later messages (see LegWriter.compressAdded).
   */
  readonly compress?: boolean;
}

/**
 * What happens to one data message; an empty verdict passes it unchanged. Applied in this
 * order: close (the message is dropped and both legs are closed), drop, replacement, then it
 * waits (delayMs, hold), is framed (fragment) and sent, and the injections follow it.
 */
export interface MessageVerdict {
  readonly drop?: boolean;
  /** Who decided (shown with a dropped message): `--rule 2`, the script's name. */
  readonly by?: string;
  /** New content (the opcode stays unless given). */
  readonly replace?: { readonly opcode?: number; readonly data: Uint8Array };
  readonly delayMs?: number;
  /** Kept until released (the CLI releases after --hold-timeout). */
  readonly hold?: boolean;
  /** Send as frames of this many payload bytes. */
  readonly fragment?: number;
  readonly inject?: readonly Injection[];
  /** A clean close handshake on both legs, with this code and reason. */
  readonly close?: { readonly code: number; readonly reason: string };
}

/** What happens to a control frame: it passes (maybe later) or is dropped. */
export interface ControlVerdict {
  readonly drop?: boolean;
  readonly delayMs?: number;
  readonly inject?: readonly Injection[];
  readonly close?: { readonly code: number; readonly reason: string };
}

/** Decides the fate of each message; a Promise keeps that direction's later messages waiting in order. */
export interface Decider {
  message(msg: EngineMessage): MessageVerdict | Promise<MessageVerdict>;
  control?(frame: EngineControl): ControlVerdict | Promise<ControlVerdict>;
  /** The connection's WebSocket is up (after the 101). */
  open?(conn: EngineConnection): void;
  /** The connection ended. */
  closed?(conn: EngineConnection, info: { readonly code: number | null; readonly reason: string }): void;
}

/** What a decider may do to a connection outside a verdict. */
export interface EngineConnection {
  readonly conn: number;
  /** Request path of the handshake. */
  readonly path: string;
  readonly protocol: string | null;
  readonly compressed: boolean;
  send(dir: Direction, opcode: number, data: Uint8Array, options?: { readonly compress?: boolean }): void;
  /** Null while send(dir, …) can still reach its receiver; else why not (one line). */
  sendable?(dir: Direction): string | null;
  close(code: number, reason: string): void;
  note(text: string): void;
  /** A decider's hook failed outside a verdict (onConnect, onClose): reported once per connection. */
  fail(err: unknown): void;
}
