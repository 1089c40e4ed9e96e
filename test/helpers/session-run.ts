// Test helper: runs StreamEvents (or hex frames) through a SessionDecoder and collects events.
import { assumedDeflate } from '../../src/protocol/deflate-params.js';
import type { Direction, InspectEvent, StreamEvent } from '../../src/session/events.js';
import { SessionDecoder, type SessionOptions } from '../../src/session/session-decoder.js';
import { hex } from './frame-builder.js';

export function runSession(events: StreamEvent[], options: Partial<SessionOptions> = {}): InspectEvent[] {
  const out: InspectEvent[] = [];
  const session = new SessionDecoder({ conn: 1, onEvent: (e) => out.push(e), ...options });
  for (const e of events) session.handle(e);
  return out;
}

export interface HexRunOptions {
  dir?: Direction;
  noContextTakeover?: boolean;
  windowBits?: number;
  chunks?: Uint8Array[];
}

/** Decodes frames as `wsinspect hex` does (mask-bit directions unless dir is given). */
export function runHex(text: string | Uint8Array, opts: HexRunOptions = {}): InspectEvent[] {
  const bytes = typeof text === 'string' ? hex(text) : text;
  const chunks = opts.chunks ?? [bytes];
  const events: StreamEvent[] = chunks.map((c) => ({
    kind: 'data',
    conn: 1,
    dir: opts.dir ?? 'c2s',
    bytes: c,
    time: null,
  }));
  events.push({ kind: 'end', conn: 1, reason: 'input-ended', time: null });
  return runSession(events, {
    directionFromMask: opts.dir === undefined,
    expectHandshake: false,
    assumeDeflate: assumedDeflate(opts.windowBits ?? 15, opts.noContextTakeover ?? false),
  });
}

export function codes(e: { diagnostics: readonly { code: string }[] }): string[] {
  return e.diagnostics.map((d) => d.code);
}

export function ofType<T extends InspectEvent['type']>(
  events: InspectEvent[],
  type: T,
): Extract<InspectEvent, { type: T }>[] {
  return events.filter((e): e is Extract<InspectEvent, { type: T }> => e.type === type);
}

/** A comparable summary of every event, for chunking-invariance checks. */
export function eventDigest(events: InspectEvent[]): unknown[] {
  return events.map((e) => {
    switch (e.type) {
      case 'frame':
        return [
          'frame',
          e.dir,
          e.index,
          e.frame.opcode,
          e.frame.fin,
          e.frame.rsv1,
          Buffer.from(e.frame.payload).toString('hex'),
          e.text,
          e.compressed,
          e.close,
          e.diagnostics.map((d) => d.code),
        ];
      case 'message':
        return [
          'message',
          e.dir,
          e.opcode,
          e.frames,
          e.firstFrame,
          e.lastFrame,
          Buffer.from(e.data).toString('hex'),
          e.complete,
          e.diagnostics.map((d) => d.code),
        ];
      case 'diagnostic':
        return ['diagnostic', e.diagnostic.code, e.diagnostic.message];
      case 'handshake':
        return ['handshake', e.handshake.side, e.handshake.diagnostics.map((d) => d.code)];
      default:
        return [e.type, JSON.stringify(e)];
    }
  });
}
