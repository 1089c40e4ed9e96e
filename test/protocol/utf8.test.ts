import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8StreamValidator, firstInvalidUtf8, firstUtf8Problem, isValidUtf8 } from '../../src/protocol/utf8.js';
import { hex } from '../helpers/frame-builder.js';

function streamValid(bytes: Uint8Array, cuts: number[]): boolean {
  const v = new Utf8StreamValidator();
  let prev = 0;
  for (const c of [...cuts, bytes.length].sort((a, b) => a - b)) {
    v.push(bytes.subarray(prev, c));
    prev = c;
  }
  return v.end();
}

describe('UTF-8 validation (RFC 3629)', () => {
  it.each([
    ['ascii', '48 65 6c 6c 6f', true],
    ['2-byte', 'c3 a9', true],
    ['4-byte', 'f0 9f 98 80', true],
    ['overlong', 'c0 af', false],
    ['surrogate', 'ed a0 80', false],
    ['above U+10FFFF', 'f4 90 80 80', false],
    ['lone continuation', '80', false],
    ['truncated at end', 'e2 82', false],
  ])('%s', (_n, h, valid) => {
    expect(isValidUtf8(hex(h)) && firstInvalidUtf8(hex(h)) === -1).toBe(valid);
    for (let cut = 0; cut <= hex(h).length; cut++) expect(streamValid(hex(h), [cut])).toBe(valid);
  });

  it('streaming agrees with the whole-buffer check at any split', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s)),
          fc.uint8Array({ maxLength: 40 }),
        ),
        fc.array(fc.nat(), { maxLength: 5 }),
        (bytes, cuts) => {
          expect(
            streamValid(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          ).toBe(isValidUtf8(bytes));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reports the offset of the first invalid byte', () => {
    const v = new Utf8StreamValidator();
    v.push(hex('41 42'));
    v.push(hex('c3'));
    expect(v.push(hex('28'))).toBe(false);
    expect(v.errorOffset).toBe(2);
  });

  it('a sequence cut off by the end is reported at its lead byte, not past the end', () => {
    expect(firstInvalidUtf8(hex('41 c3'))).toBe(1);
    expect(firstInvalidUtf8(hex('41 42 f0 9f 98'))).toBe(2);
    expect(firstUtf8Problem(hex('41 e2 82'))).toEqual({ offset: 1, unfinished: true });
    expect(firstUtf8Problem(hex('41 e2 28'))).toEqual({ offset: 1, unfinished: false });
    expect(firstUtf8Problem(hex('41 e0 80'))).toEqual({ offset: 1, unfinished: false });
    expect(firstUtf8Problem(hex('41 e2 82 ac'))).toBeNull();
  });
});
