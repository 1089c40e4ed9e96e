// Turns `wsinspect hex` input (frame bytes, and optionally the raw HTTP handshake from
// --handshake FILE) into the pipeline's StreamEvents, so hex decodes through the same
// SessionDecoder as captures and the proxy. Layer rule: sources/ — builds events, no decoding.
import { findHeadEnd } from '../protocol/upgrade-detection.js';
import type { Direction, StreamEvent } from '../session/events.js';

export interface HexSourceInput {
  readonly frames: Uint8Array;
  /** Raw HTTP request followed by the response, as captured (--handshake FILE). */
  readonly handshake?: Uint8Array;
  /** Direction of every frame (--from); undefined: the session takes it from each mask bit. */
  readonly dir?: Direction;
}

/**
 * Splits raw handshake text into request head and the rest (the response), where the request
 * head ends by the rule every source uses (findHeadEnd: CRLFCRLF, or a lenient bare LFLF); all
 * of it is the request when no head end is found.
 */
export function splitHandshakeFile(bytes: Uint8Array): { request: Uint8Array; response: Uint8Array } {
  const found = findHeadEnd(bytes);
  const end = found < 0 ? bytes.length : found;
  return { request: bytes.subarray(0, end), response: bytes.subarray(end) };
}

export function hexStreamEvents(input: HexSourceInput): StreamEvent[] {
  const events: StreamEvent[] = [];
  const conn = 1;
  if (input.handshake !== undefined) {
    const { request, response } = splitHandshakeFile(input.handshake);
    events.push({ kind: 'data', conn, dir: 'c2s', bytes: request, time: null });
    if (response.length > 0) events.push({ kind: 'data', conn, dir: 's2c', bytes: response, time: null });
  }
  events.push({ kind: 'data', conn, dir: input.dir ?? 'c2s', bytes: input.frames, time: null });
  events.push({ kind: 'end', conn, reason: 'input-ended', time: null });
  return events;
}
