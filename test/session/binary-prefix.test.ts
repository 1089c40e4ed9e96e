// Limits.keepBinaryPayload across a fragmented uncompressed binary message: every frame keeps
// only its first bytes, and the message keeps a true prefix of its data (never bytes from
// after a skipped part), while lengths still count everything.
import { describe, expect, it } from 'vitest';
import type { InspectEvent, MessageEvent } from '../../src/session/events.js';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';

function decode(bytes: Uint8Array, keepBinaryPayload: number): InspectEvent[] {
  const out: InspectEvent[] = [];
  const s = new SessionDecoder({
    conn: 1,
    expectHandshake: false,
    assumeDeflate: null,
    limits: { keepBinaryPayload },
    onEvent: (e) => out.push(e),
  });
  // one byte at a time: the cut must not depend on how the stream was split
  for (let i = 0; i < bytes.length; i++)
    s.handle({ kind: 'data', conn: 1, dir: 'c2s', bytes: bytes.subarray(i, i + 1), time: 0 });
  s.handle({ kind: 'end', conn: 1, reason: 'input-ended', time: 0 });
  return out;
}

const messages = (events: InspectEvent[]) => events.filter((e): e is MessageEvent => e.type === 'message');
const counting = (n: number, from: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('a fragmented binary message under keepBinaryPayload', () => {
  it('keeps the first bytes of the message, in order, and counts its whole length', () => {
    const bytes = concatBytes(
      buildFrame({ opcode: 2, fin: false, payload: counting(5, 0), maskingKey: [1, 2, 3, 4] }),
      buildFrame({ opcode: 9, payload: 'ping', maskingKey: [4, 3, 2, 1] }),
      buildFrame({ opcode: 0, fin: false, payload: counting(300, 5), maskingKey: [5, 6, 7, 8] }),
      buildFrame({ opcode: 0, payload: counting(300, 305), maskingKey: [9, 9, 9, 9] }),
    );
    const events = decode(bytes, 11);
    const [m] = messages(events);
    expect([m.opcode, m.frames, m.length, m.complete]).toEqual([2, 3, 605, true]);
    expect([...m.data]).toEqual([...counting(11, 0)]);
    const frames = events.flatMap((e) =>
      e.type === 'frame' ? [[e.frame.opcode, e.frame.payload.length, e.frame.payloadSkipped]] : [],
    );
    expect(frames).toEqual([
      [2, 5, 0],
      [9, 4, 0],
      [0, 11, 289],
      [0, 11, 289],
    ]);
    expect(events.every((e) => e.type !== 'frame' || e.diagnostics.length === 0)).toBe(true);
  });

  it('keeps text messages whole (their UTF-8 is checked)', () => {
    const text = 'é'.repeat(100);
    const bytes = concatBytes(
      buildFrame({ opcode: 1, fin: false, payload: text }),
      buildFrame({ opcode: 0, payload: text }),
    );
    const [m] = messages(decode(bytes, 11));
    expect(new TextDecoder().decode(m.data)).toBe(text + text);
  });
});
