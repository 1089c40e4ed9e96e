// Classic pcap through pcap-parser: microsecond and nanosecond magic in both byte orders
// (pcap-parser knows only microseconds: the adapter fills in), truncated files, and
// input that is not a capture at all.
import { describe, expect, it } from 'vitest';
import { WsinspectError } from '../../src/errors.js';
import { readdirSync } from 'node:fs';
import {
  byConnection,
  decode as decodeWith,
  expected,
  fixture,
  FIXTURES,
  globalCodes,
  sha256,
} from './helpers/capture-harness.js';
import { writePcap } from './helpers/capture-writer.js';
import { readPcapFrames } from './helpers/tcp-packets.js';

const frames = readPcapFrames(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];

for (const pcapReader of ['pcap-parser', 'builtin'] as const)
  describe(`classic pcap (${pcapReader} reader)`, () => {
    const decode = (bytes: Uint8Array, o: Parameters<typeof decodeWith>[1] = {}): ReturnType<typeof decodeWith> =>
      decodeWith(bytes, { ...o, pcapReader });

    it('gives the same events as the other reader on every real pcap, in any chunking', () => {
      const other = pcapReader === 'builtin' ? 'pcap-parser' : 'builtin';
      for (const file of readdirSync(FIXTURES).filter((n) => n.endsWith('.pcap'))) {
        const bytes = fixture(file);
        expect(summarise(decode(bytes, { chunks: [1, 7, 300] }))).toEqual(
          summarise(decodeWith(bytes, { pcapReader: other })),
        );
      }
    });

    for (const nanosecond of [false, true]) {
      for (const littleEndian of [true, false]) {
        it(`${nanosecond ? 'nanosecond' : 'microsecond'} magic, ${littleEndian ? 'little' : 'big'}-endian`, () => {
          const events = decode(writePcap(frames, { linkType: 1, littleEndian, nanosecond }), { chunks: 3 });
          const [conn] = byConnection(events).values();
          expect(sha256(conn.c2s)).toBe(truth.streams.c2s.sha256);
          expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
          expect(events[0].time).toBeCloseTo(frames[0].time, 5);
        });
      }
    }

    it('reads the real nanosecond capture with sub-microsecond timestamps rounded to µs', () => {
      const times = decode(fixture('nanosecond.pcap')).flatMap((e) => (e.time === null ? [] : [e.time]));
      expect(times.length).toBeGreaterThan(10);
      for (const t of times) expect(Math.abs(t * 1e6 - Math.round(t * 1e6))).toBeLessThan(0.01);
    });

    it('does not write into the bytes it is given when patching the nanosecond magic', () => {
      const bytes = writePcap(frames, { linkType: 1, nanosecond: true });
      const copy = bytes.slice();
      decode(bytes, { chunks: bytes.length });
      expect(bytes).toEqual(copy);
    });

    describe('a file cut off', () => {
      const whole = writePcap(frames, { linkType: 1 });
      const firstRecord = 24;
      const cases: [string, number, RegExp][] = [
        ['inside the file header', 10, /cut at byte 10: the file header has 10 of its 24 bytes/],
        [
          'inside a record header',
          firstRecord + 16 + frames[0].data.length + 5,
          /record header starting at byte \d+ is incomplete/,
        ],
        ['inside a packet', whole.length - 9, /the packet record starting at byte \d+ has \d+ of its \d+ bytes/],
      ];
      for (const [where, cut, message] of cases) {
        it(`${where}: decodes up to the cut and says where it was cut`, () => {
          const events = decode(whole.subarray(0, cut), { chunks: 64 });
          const note = events.find((e) => e.kind === 'diagnostic' && e.diagnostic.code === 'capture.truncated');
          expect(note?.kind === 'diagnostic' && note.diagnostic.message).toMatch(message);
          expect(note?.kind === 'diagnostic' && note.diagnostic.message).toContain(`cut at byte ${cut}`);
        });
      }

      it('keeps every complete packet before the cut', () => {
        // cut inside the 6th packet from the end: before both FINs were seen
        const keep = frames.length - 6;
        const cut = 24 + frames.slice(0, keep).reduce((n, f) => n + 16 + f.data.length, 0) + 20;
        const events = decode(whole.subarray(0, cut));
        const [conn] = byConnection(events).values();
        expect(conn.end?.reason).toBe('input-ended');
        expect(conn.c2s.length + conn.s2c.length).toBeGreaterThan(500);
      });
    });

    it('stops at a record that claims an absurd length, without buffering the rest', () => {
      const bytes = writePcap(frames, { linkType: 1 });
      new DataView(bytes.buffer).setUint32(24 + 8, 0x7fffffff, true);
      expect(globalCodes(decode(bytes))).toEqual(['capture.block.malformed']);
    });

    describe('not a capture', () => {
      const cases: [string, Uint8Array][] = [
        ['text', new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')],
        ['a gzip file', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])],
        [
          'a pcapng header with a bad byte-order magic',
          new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]),
        ],
        ['empty input', new Uint8Array(0)],
        ['three bytes', new Uint8Array([0xd4, 0xc3, 0xb2])],
      ];
      for (const [what, bytes] of cases) {
        it(`${what} → WsinspectError capture.format-unknown`, () => {
          let error: unknown;
          try {
            decode(bytes);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(WsinspectError);
          expect((error as WsinspectError).code).toBe('capture.format-unknown');
          expect((error as WsinspectError).message).not.toContain('\n');
        });
      }

      it('a pcapng header with a bad byte-order magic is named as such, not as a wrong magic number', () => {
        // the file's magic number (0a0d0d0a) is pcapng's: a message naming it as unexpected would contradict itself
        const bytes = new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]);
        expect(() => decode(bytes)).toThrow(
          "not a pcapng capture: the section header's byte-order magic is 01020304, expected 1a2b3c4d (either byte order)",
        );
      });
    });
  });

/** Events with each connection's data joined (readers may split deliveries differently). */
function summarise(events: ReturnType<typeof decodeWith>): unknown {
  return {
    others: events.filter((e) => e.kind !== 'data'),
    conns: [...byConnection(events).values()].map((c) => [sha256(c.c2s), sha256(c.s2c)]),
  };
}
