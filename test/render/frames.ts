// Test fixtures for the renderers: frames parsed by hand from inline hex (independent of the
// FrameDecoder, so renderer tests state exactly the record they render) and FrameEvents.
import type { Diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import type { Frame, LengthEncoding } from '../../src/protocol/frame.js';
import type { CloseInfo, Direction, FrameEvent } from '../../src/session/events.js';

export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** Parses one frame from its wire bytes (header per RFC 6455 §5.2, payload unmasked). */
export function frameFromWire(wire: Uint8Array, diagnostics: Diagnostic[] = []): Frame {
  const b0 = wire[0];
  const b1 = wire[1];
  const len7 = b1 & 0x7f;
  let at = 2;
  let lengthEncoding: LengthEncoding = 7;
  let big: bigint | undefined;
  let length = len7;
  if (len7 === 126) {
    lengthEncoding = 16;
    length = (wire[2] << 8) | wire[3];
    at = 4;
  } else if (len7 === 127) {
    lengthEncoding = 64;
    big = 0n;
    for (let i = 2; i < 10; i++) big = (big << 8n) | BigInt(wire[i]);
    length = Number(big);
    at = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  const maskingKey = masked ? wire.slice(at, at + 4) : null;
  if (masked) at += 4;
  const payload = wire.slice(at, at + length);
  if (maskingKey !== null) for (let i = 0; i < payload.length; i++) payload[i] ^= maskingKey[i & 3];
  const frame: Frame = {
    offset: 0,
    fin: (b0 & 0x80) !== 0,
    rsv1: (b0 & 0x40) !== 0,
    rsv2: (b0 & 0x20) !== 0,
    rsv3: (b0 & 0x10) !== 0,
    opcode: b0 & 0x0f,
    masked,
    maskingKey,
    lengthEncoding,
    payloadLength: length,
    headerLength: at,
    payload,
    payloadSkipped: 0,
    truncated: payload.length < length,
    diagnostics,
  };
  return big === undefined ? frame : { ...frame, payloadLengthBig: big };
}

export function frameFromHex(text: string, diagnostics: Diagnostic[] = []): Frame {
  return frameFromWire(hexBytes(text), diagnostics);
}

export interface EventExtras {
  readonly dir?: Direction;
  readonly index?: number;
  readonly compressed?: boolean;
  readonly text?: string;
  readonly inflated?: Uint8Array;
  readonly inflate?: FrameEvent['inflate'];
  readonly close?: CloseInfo;
  readonly diagnostics?: Diagnostic[];
}

export function frameEvent(frame: Frame, extras: EventExtras = {}): FrameEvent {
  const { dir, index, diagnostics, ...rest } = extras;
  return {
    type: 'frame',
    conn: 1,
    dir: dir ?? (frame.masked ? 'c2s' : 's2c'),
    index: index ?? 1,
    time: null,
    frame,
    compressed: rest.compressed ?? false,
    diagnostics: diagnostics ?? [],
    ...rest,
  };
}

/** `prefix` followed by `count` bytes 0, 1, 2, … (mod 256). */
export function withCountingPayload(prefix: string, count: number): Uint8Array {
  const head = hexBytes(prefix);
  const out = new Uint8Array(head.length + count);
  out.set(head);
  for (let i = 0; i < count; i++) out[head.length + i] = i & 0xff;
  return out;
}
