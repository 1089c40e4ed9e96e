// Bad input never throws out of the capture decoder once the format is known: mutated
// real captures, random bytes after a valid header, and random TCP payloads all end in
// events (maybe diagnostics), and the decoder keeps its event contract.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/session/events.js';
import { decode, fixture } from './helpers/capture-harness.js';

/** Every connection opens before anything else of it and ends exactly once, last. */
function checkContract(events: readonly StreamEvent[]): void {
  const state = new Map<number, 'open' | 'ended'>();
  for (const e of events) {
    if (e.kind === 'open') {
      expect(state.has(e.conn)).toBe(false);
      state.set(e.conn, 'open');
    } else if (e.conn !== null) {
      expect(state.get(e.conn)).toBe('open');
      if (e.kind === 'end' && e.dir === undefined) state.set(e.conn, 'ended');
      if (e.kind === 'gap') expect(e.length).toBeGreaterThan(0);
    }
  }
  for (const s of state.values()) expect(s).toBe('ended');
}

describe('robustness', () => {
  for (const file of ['plain.pcap', 'plain.pcapng', 'fragmented.pcap', 'interleaved.pcap']) {
    it(`${file} with random bytes overwritten decodes without throwing`, () => {
      const original = fixture(file);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 24, max: original.length - 1 }), fc.integer({ min: 0, max: 255 })), {
            minLength: 1,
            maxLength: 40,
          }),
          fc.integer({ min: 1, max: 5000 }),
          (edits, chunk) => {
            const bytes = original.slice();
            for (const [at, value] of edits) bytes[at] = value;
            checkContract(decode(bytes, { chunks: chunk }));
            checkContract(decode(bytes, { chunks: chunk, pcapReader: 'builtin' }));
          },
        ),
        { numRuns: 150, seed: 6455 },
      );
    });
  }

  it('random bytes after a valid pcap header decode without throwing', () => {
    const header = fixture('plain.pcap').subarray(0, 24);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        checkContract(decode(new Uint8Array([...header, ...body])));
      }),
      { numRuns: 200, seed: 7692 },
    );
  });

  it('random bytes after a valid pcapng header decode without throwing', () => {
    const header = fixture('plain.pcapng').subarray(0, 28);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (body) => {
        checkContract(decode(new Uint8Array([...header, ...body])));
      }),
      { numRuns: 200, seed: 1982 },
    );
  });
});
