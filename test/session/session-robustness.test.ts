// Robustness: random and mutated bytes into the session decoder (with and without a
// handshake) never throw, and decoding goes on afterwards.
import fc from 'fast-check';
import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { InspectEvent, StreamEvent } from '../../src/session/events.js';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import { assumedDeflate } from '../../src/protocol/deflate-params.js';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';

const enc = (s: string) => new TextEncoder().encode(s);
const REQUEST = enc(
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
);
const RESPONSE = enc(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
);
const deflated = (s: string) => {
  const d = deflateRawSync(enc(s), { finishFlush: constants.Z_SYNC_FLUSH });
  return d.subarray(0, d.length - 4);
};

/** A realistic client stream to mutate: compressed, fragmented, control frames, close. */
const CLIENT = concatBytes(
  buildFrame({ rsv1: true, payload: deflated('hello '.repeat(20)), maskingKey: [1, 2, 3, 4] }),
  buildFrame({ fin: false, payload: 'héllo ', maskingKey: [5, 6, 7, 8] }),
  buildFrame({ opcode: 9, payload: 'ping', maskingKey: [9, 9, 9, 9] }),
  buildFrame({ opcode: 0, payload: 'wörld', maskingKey: [1, 1, 1, 1] }),
  buildFrame({ opcode: 2, payload: new Uint8Array(300).fill(7), maskingKey: [2, 2, 2, 2] }),
  buildFrame({ opcode: 8, payload: Uint8Array.of(3, 0xe8, 0x62), maskingKey: [3, 3, 3, 3] }),
);

function run(events: StreamEvent[], withHandshake: boolean): InspectEvent[] {
  const out: InspectEvent[] = [];
  const s = new SessionDecoder({
    conn: 1,
    expectHandshake: withHandshake,
    assumeDeflate: withHandshake ? null : assumedDeflate(),
    limits: { maxFramePayload: 1 << 16, maxMessageBytes: 1 << 16, maxInflatedBytes: 1 << 16 },
    onEvent: (e) => out.push(e),
  });
  for (const e of events) s.handle(e);
  return out;
}

const data = (dir: 'c2s' | 's2c', bytes: Uint8Array): StreamEvent => ({ kind: 'data', conn: 1, dir, bytes, time: 0 });
const END: StreamEvent = { kind: 'end', conn: 1, reason: 'input-ended', time: 0 };

describe('session robustness', () => {
  it('random bytes in both directions never throw, with or without a handshake', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 400 })), { maxLength: 12 }),
        fc.boolean(),
        (chunks, hs) => {
          const events = run([...chunks.map(([c2s, b]) => data(c2s ? 'c2s' : 's2c', b)), END], hs);
          expect(events.at(-1)?.type).toBe('end');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated real traffic never throws and every frame event carries a diagnostics array', () => {
    let frames = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (mutations, hs) => {
          const client = CLIENT.slice();
          for (const [at, value] of mutations) client[at % client.length] = value;
          const events = run(
            hs ? [data('c2s', REQUEST), data('s2c', RESPONSE), data('c2s', client), END] : [data('c2s', client), END],
            hs,
          );
          for (const e of events) {
            if (e.type !== 'frame') continue;
            frames++;
            expect(Array.isArray(e.diagnostics)).toBe(true);
          }
          expect(events.at(-1)?.type).toBe('end');
        },
      ),
      { numRuns: 400 },
    );
    // The frame check above must have run: most mutated streams still carry frames.
    expect(frames).toBeGreaterThan(400);
  });

  it('the unmutated stream decodes cleanly (so the mutations above start from valid traffic)', () => {
    const events = run([data('c2s', REQUEST), data('s2c', RESPONSE), data('c2s', CLIENT), END], true);
    const problems = events.flatMap((e) => ('diagnostics' in e ? e.diagnostics : [])).map((d) => d.code);
    expect(problems).toEqual([]);
    expect(events.filter((e) => e.type === 'message').map((e) => (e as { text?: string }).text ?? 'binary')).toEqual([
      'hello '.repeat(20),
      'héllo wörld',
      'binary',
    ]);
  });
});
