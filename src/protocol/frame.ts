// The decoded-frame record and the opcode vocabulary of RFC 6455 §5.2.
// Layer rule: protocol/ — plain data types, no I/O.
import type { Diagnostic } from './diagnostic-catalogue.js';

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'reserved';

const OPCODE_NAMES: readonly OpcodeName[] = [
  'continuation',
  'text',
  'binary',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
  'close',
  'ping',
  'pong',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
  'reserved',
];

export function opcodeName(opcode: number): OpcodeName {
  return OPCODE_NAMES[opcode & 0x0f];
}

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Reserved opcodes: 0x3–0x7 (data) and 0xB–0xF (control) (RFC 6455 §5.2). */
export function isReservedOpcode(opcode: number): boolean {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb;
}

/** How the payload length was written: 7-bit only, 7+16 or 7+64 bits. */
export type LengthEncoding = 7 | 16 | 64;

/** One WebSocket frame as it was on the wire, payload unmasked. */
export interface Frame {
  /** Byte offset of the frame's first byte within its direction's stream. */
  readonly offset: number;
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  /** The 4-byte masking key, or null when the MASK bit is clear. */
  readonly maskingKey: Uint8Array | null;
  readonly lengthEncoding: LengthEncoding;
  /** Declared payload length. Exact below 2^53; see payloadLengthBig above that. */
  readonly payloadLength: number;
  /** The 64-bit length as read, present only when the 64-bit form was used. */
  readonly payloadLengthBig?: bigint;
  readonly headerLength: number;
  /**
   * The unmasked payload bytes that were kept (derived data when masked). Shorter than
   * payloadLength when the input ended early (truncated) or the frame exceeded the
   * buffering limit (payloadSkipped > 0).
   */
  readonly payload: Uint8Array;
  /** Bytes of payload present on the wire but not kept (over a limit: Limits.maxFramePayload, or keepBinaryPayload). */
  readonly payloadSkipped: number;
  /** True when the input ended before the declared payload was complete. */
  readonly truncated: boolean;
  /** Header-level problems; later layers add their own. */
  readonly diagnostics: Diagnostic[];
}
