import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeForTerminal, previewText } from '../../src/render/escape.js';
import { mayNeedEscape, previewUtf8 } from '../../src/render/text-preview.js';

const reference = (bytes: Uint8Array, max: number): string =>
  previewText(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), max);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('mayNeedEscape', () => {
  it('is true for every code point escapeForTerminal escapes (all of Unicode)', () => {
    const missed: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // not in well-formed UTF-8
      const ch = String.fromCodePoint(cp);
      if (escapeForTerminal(ch) !== ch && !mayNeedEscape(cp)) missed.push(cp.toString(16));
    }
    expect(missed).toEqual([]);
  });

  it('lets ordinary letters, CJK and emoji through without the regex', () => {
    for (const ch of 'aé日本🙂✓Ωж') expect(mayNeedEscape(ch.codePointAt(0) as number)).toBe(false);
  });
});

describe('previewUtf8 equals previewText of the decoded text', () => {
  const cases: [string, Uint8Array, number][] = [
    ['short ASCII', utf8('Hello'), 40],
    ['exactly max', utf8('abcde'), 5],
    ['one past max', utf8('abcdef'), 5],
    ['multi-byte fits', utf8('naïve café'), 40],
    ['multi-byte cut', utf8('日本語日本語日本語'), 4],
    ['surrogate pair at the cut', utf8('abc🙂def'), 5],
    ['emoji exactly filling max', utf8('ab🙂'), 4],
    ['control char', utf8('a\x1b[31mred'), 40],
    ['backslash', utf8('a\\b'), 40],
    ['bidi override', utf8('abc\u202edef'), 40],
    ['BOM first', utf8('\ufeffhi'), 40],
    ['invalid byte', new Uint8Array([0x61, 0xff, 0x62]), 40],
    ['truncated sequence at the end', new Uint8Array([0x61, 0xe6, 0x97]), 40],
    ['overlong', new Uint8Array([0xc0, 0xaf, 0x41]), 40],
    ['encoded surrogate', new Uint8Array([0xed, 0xa0, 0x80]), 40],
    ['empty', new Uint8Array(0), 40],
    ['max 1', utf8('xyz'), 1],
  ];
  it.each(cases)('%s', (_name, bytes, max) => {
    expect(previewUtf8(bytes, max)).toBe(reference(bytes, max));
  });

  it('for random strings and random bytes at every max', () => {
    const alphabet = fc.constantFrom(...'ab\\\n\x1b\x7fé日🙂\u202e\u200b\ufeff\u00ad\u2028'.split(/(?:)/u));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), fc.integer({ min: 0, max: 50 }), (chars, max) => {
        const bytes = utf8(chars.join(''));
        expect(previewUtf8(bytes, max)).toBe(reference(bytes, max));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 50 }), (bytes, max) => {
        expect(previewUtf8(bytes, max)).toBe(reference(bytes, max));
      }),
      { numRuns: 3000 },
    );
  });
});
