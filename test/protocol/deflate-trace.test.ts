// traceDeflate reads what zlib wrote, block by block: every literal and back-reference,
// replayed, gives zlib's own inflated output.
import { constants, deflateRawSync, createDeflateRaw } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceDeflate, type DeflateTrace } from '../../src/protocol/deflate-trace.js';

const TAIL = Buffer.from('0000ffff', 'hex');

/** Replays the trace's symbols over `history` (earlier messages) and returns this message's output. */
function replay(trace: DeflateTrace, data: Buffer, history: Buffer = Buffer.alloc(0)): Buffer {
  const out: number[] = [...history];
  let pos = 0;
  for (const b of trace.blocks) {
    if (b.type === 0) {
      // stored bytes are not symbols: take them from where they sit in the data is not needed here
      expect(b.storedLength).toBe(0);
      continue;
    }
    expect(b.literals + b.matches).toBe(b.symbols.length);
    for (const s of b.symbols) {
      expect(s.at).toBe(out.length - history.length);
      if (s.kind === 'literal') out.push(s.byte);
      else for (let i = 0; i < s.length; i++) out.push(out[out.length - s.distance]);
    }
    pos += b.outputLength;
  }
  expect(pos).toBe(out.length - history.length);
  return Buffer.from(out.slice(history.length));
}

const sync = (text: Buffer, level = 6): Buffer => {
  const z = deflateRawSync(text, { level, finishFlush: constants.Z_SYNC_FLUSH });
  expect(z.subarray(-4)).toEqual(TAIL);
  return z.subarray(0, -4);
};

describe('traceDeflate (RFC 1951 §3.2.3)', () => {
  it('RFC 7692 §7.2.3.1 "Hello": one fixed block of five literals, then the empty stored block', () => {
    const t = traceDeflate(Buffer.concat([Buffer.from('f248cdc9c90700', 'hex'), TAIL]), 100);
    expect(t.error).toBeNull();
    expect(t.blocks.map((b) => [b.final, b.type, b.literals, b.matches, b.outputLength, b.complete])).toEqual([
      [false, 1, 5, 0, 5, true],
      [false, 0, 0, 0, 0, true],
    ]);
    expect(replay(t, Buffer.alloc(0)).toString()).toBe('Hello');
  });

  it('a back-reference into the previous message (context takeover, RFC 7692 §7.2.3.2)', () => {
    const t = traceDeflate(Buffer.concat([Buffer.from('f200110000', 'hex'), TAIL]), 100);
    // "H" again, then "ello" copied from 5 bytes back: from the previous message's window
    expect(t.blocks[0].symbols).toEqual([
      { kind: 'literal', byte: 0x48, at: 0 },
      { kind: 'match', length: 4, distance: 5, at: 1 },
    ]);
    expect(replay(t, Buffer.alloc(0), Buffer.from('Hello')).toString()).toBe('Hello');
  });

  it('dynamic and stored blocks from zlib at every level, replayed, give the input back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), fc.integer({ min: 1, max: 9 }), (s, level) => {
        const text = Buffer.from(s.repeat(3));
        const t = traceDeflate(Buffer.concat([sync(text, level), TAIL]), 1e6);
        expect(t.error).toBeNull();
        expect(replay(t, Buffer.alloc(0))).toEqual(text);
      }),
      { seed: 7692, numRuns: 200, endOnFailure: true },
    );
  });

  it('level 0 writes stored blocks: their length is read, and the bytes are counted as output', () => {
    const text = Buffer.from('stored, not compressed');
    const t = traceDeflate(Buffer.concat([sync(text, 0), TAIL]), 10);
    expect(t.blocks[0]).toMatchObject({
      type: 0,
      storedLength: text.length,
      outputLength: text.length,
      complete: true,
    });
  });

  it('keeps at most the symbols asked for and counts the rest', () => {
    const t = traceDeflate(Buffer.concat([sync(Buffer.from('abcdefghijklmnopqrstuvwxyz')), TAIL]), 4);
    expect(t.blocks[0].symbols).toHaveLength(4);
    expect(t.blocks[0].literals).toBe(26);
  });

  it('bad data stops the walk with a reason, never a throw', () => {
    expect(traceDeflate(Uint8Array.of(0x07), 10).error).toBe('BTYPE 11 is reserved: the data is not DEFLATE');
    expect(traceDeflate(Uint8Array.of(0x00, 0x05, 0x00, 0x05, 0x00), 10).error).toMatch(/LEN 5 does not match NLEN/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        traceDeflate(bytes, 8);
      }),
      { seed: 1951, numRuns: 2000, endOnFailure: true },
    );
  });

  it('a message cut short: the last block is not complete', () => {
    const z = sync(Buffer.from('hello hello hello hello'.repeat(20)));
    const t = traceDeflate(z.subarray(0, Math.floor(z.length / 2)), 10);
    expect(t.blocks[t.blocks.length - 1].complete).toBe(false);
  });

  it('the stream of a second message with context takeover (zlib keeps its window)', async () => {
    const z = createDeflateRaw();
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    const flush = (text: string): Promise<Buffer> =>
      new Promise((resolve) => {
        z.write(text);
        z.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0)).subarray(0, -4)));
      });
    const first = await flush('the same words, the same words');
    const second = await flush('the same words');
    z.close();
    const t = traceDeflate(Buffer.concat([second, TAIL]), 100);
    expect(t.blocks[0].symbols.some((s) => s.kind === 'match' && s.distance > s.at)).toBe(true);
    expect(replay(t, Buffer.alloc(0), Buffer.from('the same words, the same words')).toString()).toBe('the same words');
    expect(first.length).toBeGreaterThan(0);
  });
});
