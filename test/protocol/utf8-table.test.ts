// RFC 3629 §4 / Unicode Table 3-7 (well-formed UTF-8 byte sequences) and the Autobahn
// testsuite 6.x tables against firstInvalidUtf8 and the streaming validator: whether the
// bytes are valid, where the first ill-formed sequence starts, and that a stream fails as
// soon as the byte that makes it ill-formed arrives (Autobahn 6.4 "fail fast").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8StreamValidator, firstInvalidUtf8, firstUtf8Problem, isValidUtf8 } from '../../src/protocol/utf8.js';
import { concatBytes, hex } from '../helpers/frame-builder.js';
import {
  ALL_UTF8_CASES,
  AUTOBAHN_6,
  AUTOBAHN_6_4,
  ILL_FORMED_CLASSES,
  TABLE_3_7,
  WELL_FORMED_BOUNDARIES,
  utf8Oracle,
} from '../helpers/utf8-cases.js';

const fatal = new TextDecoder('utf-8', { fatal: true });
const decodes = (b: Uint8Array): boolean => {
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
};

/** Pushes the pieces; returns the index of the first push that returned false (pieces.length for end()), or -1, and the offset. */
function stream(pieces: Uint8Array[]): { failedPush: number; offset: number } {
  const v = new Utf8StreamValidator();
  let failedPush = -1;
  pieces.forEach((p, i) => {
    if (!v.push(p) && failedPush < 0) failedPush = i;
  });
  if (!v.end() && failedPush < 0) failedPush = pieces.length;
  return { failedPush, offset: v.errorOffset };
}

const split = (b: Uint8Array, cuts: number[]): Uint8Array[] => {
  const at = [0, ...cuts, b.length];
  return at.slice(1).map((end, i) => b.subarray(at[i], end));
};

/** Which piece holds byte `failAt` (the last piece when failAt is the end: only end() can tell). */
function pieceOf(failAt: number, cuts: number[], length: number): number {
  if (failAt >= length) return cuts.length + 1;
  return cuts.filter((c) => c <= failAt).length;
}

const KOSME = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');

describe('the test tables agree with Table 3-7 and with a fatal TextDecoder', () => {
  it.each(ALL_UTF8_CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(utf8Oracle(c.bytes)?.offset ?? null).toBe(c.invalidAt);
    expect(decodes(c.bytes)).toBe(c.invalidAt === null);
  });

  it('holds every Autobahn 6.x case of case6_x_x.py', () => {
    const ids = new Set(AUTOBAHN_6.map((c) => c.id));
    const sizes: Record<string, number> = {
      '6.5': 5,
      '6.6': 11,
      '6.7': 4,
      '6.8': 2,
      '6.9': 4,
      '6.10': 3,
      '6.11': 5,
      '6.12': 8,
      '6.13': 5,
      '6.14': 10,
      '6.15': 1,
      '6.16': 3,
      '6.17': 5,
      '6.18': 5,
      '6.19': 5,
      '6.20': 7,
      '6.21': 8,
      '6.22': 34,
      '6.23': 7,
    };
    for (const [group, n] of Object.entries(sizes)) {
      expect(ids.has(`${group}.${n}`)).toBe(true);
      expect(ids.has(`${group}.${n + 1}`)).toBe(false);
    }
    expect(ids.has('6.3.1')).toBe(true);
  });
});

describe('firstInvalidUtf8: the start of the first ill-formed sequence (Table 3-7)', () => {
  it.each(ALL_UTF8_CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(isValidUtf8(c.bytes)).toBe(c.invalidAt === null);
    expect(firstInvalidUtf8(c.bytes)).toBe(c.invalidAt ?? -1);
    // after valid text the offset moves by its length; text after it changes nothing
    const framed = concatBytes(KOSME, c.bytes, hex('65 64 69 74 65 64'));
    expect(firstInvalidUtf8(framed)).toBe(c.invalidAt === null ? -1 : KOSME.length + c.invalidAt);
    const problem = firstUtf8Problem(c.bytes);
    expect(problem?.unfinished ?? null).toBe(
      c.invalidAt === null ? null : utf8Oracle(c.bytes)!.failAt === c.bytes.length,
    );
  });

  it('every lead byte with every second byte, and the third and fourth bytes of each Table 3-7 row', () => {
    const mismatches: string[] = [];
    const check = (b: Uint8Array): void => {
      const want = utf8Oracle(b)?.offset ?? -1;
      const got = firstInvalidUtf8(b);
      if (got !== want || isValidUtf8(b) !== (want === -1))
        mismatches.push(`${Buffer.from(b).toString('hex')}: ${got}`);
    };
    for (let b0 = 0; b0 < 256; b0++)
      for (let b1 = 0; b1 < 256; b1++) {
        check(Uint8Array.of(0x41, b0, b1, 0x80, 0x80, 0x41)); // continuation bytes follow
        check(Uint8Array.of(b0, b1)); // the end follows
      }
    for (const row of TABLE_3_7.filter((r) => r.length >= 3))
      for (const lead of row.lead)
        for (const second of row.second)
          for (let b = 0; b < 256; b++) {
            check(Uint8Array.of(lead, second, b, 0x80, 0x41));
            check(Uint8Array.of(lead, second, 0x80, b, 0x41));
          }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('random bytes: the same answer as Table 3-7', () => {
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(
        0x41,
        0x80,
        0x8f,
        0x90,
        0x9f,
        0xa0,
        0xbf,
        0xc0,
        0xc1,
        0xc2,
        0xdf,
        0xe0,
        0xed,
        0xef,
        0xf0,
        0xf4,
        0xf5,
      ),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }), (arr) => {
        const b = Uint8Array.from(arr);
        expect(firstInvalidUtf8(b)).toBe(utf8Oracle(b)?.offset ?? -1);
      }),
      { seed: 61, numRuns: 3000, endOnFailure: true },
    );
  });
});

describe('Utf8StreamValidator: any fragmentation, the same offset, failing on the byte that breaks the rule', () => {
  const expectStream = (bytes: Uint8Array, cuts: number[]): void => {
    const oracle = utf8Oracle(bytes);
    const got = stream(split(bytes, cuts));
    if (oracle === null) expect(got).toEqual({ failedPush: -1, offset: -1 });
    else expect(got).toEqual({ failedPush: pieceOf(oracle.failAt, cuts, bytes.length), offset: oracle.offset });
  };

  it.each(ALL_UTF8_CASES.map((c) => [c.id, c] as const))('%s at every split point', (_id, c) => {
    const framed = concatBytes(KOSME, c.bytes);
    for (const b of [c.bytes, framed]) {
      for (let k = 0; k <= b.length; k++) expectStream(b, [k]);
      expectStream(
        b,
        Array.from({ length: Math.max(0, b.length - 1) }, (_, i) => i + 1),
      ); // one byte per piece (Autobahn 6.3.2)
    }
    if (c.bytes.length <= 12)
      for (let i = 0; i <= c.bytes.length; i++) for (let j = i; j <= c.bytes.length; j++) expectStream(c.bytes, [i, j]);
  });

  it('Autobahn 6.4.1/6.4.2: fails on the second piece, at offset 11', () => {
    const { part1, part2, part3, invalidAt } = AUTOBAHN_6_4;
    expect(stream([part1, part2, part3])).toEqual({ failedPush: 1, offset: invalidAt });
    const whole = concatBytes(part1, part2, part3);
    expect(stream([whole.subarray(0, 12), whole.subarray(12, 13), whole.subarray(13)])).toEqual({
      failedPush: 1,
      offset: invalidAt,
    });
  });

  it('random pieces of random bytes', () => {
    const byte = fc.constantFrom(
      0x41,
      0x80,
      0x90,
      0x9f,
      0xa0,
      0xbf,
      0xc0,
      0xc1,
      0xc3,
      0xe0,
      0xe2,
      0xed,
      0xf0,
      0xf4,
      0xf5,
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 16 }), fc.array(fc.nat(), { maxLength: 4 }), (arr, raw) => {
        const b = Uint8Array.from(arr);
        const cuts = [...new Set(raw.map((r) => r % (b.length + 1)))].sort((x, y) => x - y);
        expectStream(b, cuts);
      }),
      { seed: 62, numRuns: 3000, endOnFailure: true },
    );
  });
});

describe('the classes of Table 3-7 by name', () => {
  it('each ill-formed class is caught, each boundary of a row is accepted', () => {
    expect(ILL_FORMED_CLASSES.filter((c) => isValidUtf8(c.bytes) || firstInvalidUtf8(c.bytes) < 0)).toEqual([]);
    expect(WELL_FORMED_BOUNDARIES.filter((c) => !isValidUtf8(c.bytes) || firstInvalidUtf8(c.bytes) >= 0)).toEqual([]);
  });
});
