import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { anyCodePointString } from '../helpers/arbitraries.js';
import { byteCharLiteral, escapeForTerminal, previewBytes, previewText } from '../../src/render/escape.js';

/** Anything that must never reach the terminal raw. */
const RAW_DANGER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Inverse of escapeForTerminal, to prove the output is unambiguous. */
function unescape(s: string): string {
  return s.replace(/\\(\\|n|r|t|x([0-9a-f]{2})|u\{([0-9a-f]+)\})/g, (_, e: string, x?: string, u?: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    return String.fromCodePoint(parseInt((x ?? u) as string, 16));
  });
}

describe('escapeForTerminal', () => {
  it('returns clean text unchanged (the same string)', () => {
    const s = 'Hello, 世界 😀 "quoted" ümlaut';
    expect(escapeForTerminal(s)).toBe(s);
  });

  it.each([
    ['\x1b[31mred', '\\x1b[31mred'],
    ['a\u202eb', 'a\\u{202e}b'],
    ['nul\x00', 'nul\\x00'],
    ['csi\x9b', 'csi\\x9b'],
    ['del\x7f', 'del\\x7f'],
    ['lone \ud800 high', 'lone \\u{d800} high'],
    ['lone \udc00 low', 'lone \\u{dc00} low'],
    ['back\\slash', 'back\\\\slash'],
    ['line\nfeed\r\ttab', 'line\\nfeed\\r\\ttab'],
    ['zw\u200bsp\u200c\u200d\ufeff', 'zw\\u{200b}sp\\u{200c}\\u{200d}\\u{feff}'],
    ['iso\u2066late\u2069 mark\u200e\u200f\u061c', 'iso\\u{2066}late\\u{2069} mark\\u{200e}\\u{200f}\\u{61c}'],
    ['seps\u2028\u2029', 'seps\\u{2028}\\u{2029}'],
    ['tag\u{e0041}', 'tag\\u{e0041}'],
  ])('%j → %s', (input, expected) => {
    expect(escapeForTerminal(input)).toBe(expected);
  });

  it('keeps a valid surrogate pair (an astral character) as it is', () => {
    expect(escapeForTerminal('\ud83d\ude00')).toBe('😀');
  });

  it('never lets a control, bidi, format char or lone surrogate through, and is reversible', () => {
    fc.assert(
      fc.property(anyCodePointString(200), (s) => {
        const out = escapeForTerminal(s);
        expect(RAW_DANGER.test(out)).toBe(false);
        expect(unescape(out)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('previewText', () => {
  it('returns short text escaped, without an ellipsis', () => {
    expect(previewText('hi\n', 10)).toBe('hi\\n');
  });

  it('cuts with an ellipsis within max characters', () => {
    expect(previewText('abcdefghij', 5)).toBe('abcd…');
  });

  it('never cuts inside an escape or a surrogate pair', () => {
    expect(previewText('ab\x1bcdef', 5)).toBe('ab…');
    expect(previewText('abc😀def', 5)).toBe('abc…');
  });

  it('is at most max long, safe, and a prefix of the full escape', () => {
    fc.assert(
      fc.property(anyCodePointString(80), fc.integer({ min: 1, max: 40 }), (s, max) => {
        const out = previewText(s, max);
        const full = escapeForTerminal(s);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(RAW_DANGER.test(out)).toBe(false);
        if (full.length <= max) {
          expect(out).toBe(full);
        } else {
          expect(out.endsWith('…')).toBe(true);
          expect(full.startsWith(out.slice(0, -1))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('byte previews', () => {
  it('previewBytes gives spaced hex and an ellipsis when cut', () => {
    expect(previewBytes(Uint8Array.of(0x81, 0x85, 0x37), 8)).toBe('81 85 37');
    expect(previewBytes(Uint8Array.of(0x81, 0x85, 0x37), 2)).toBe('81 85 …');
  });

  it('byteCharLiteral shows printable ASCII and escapes the rest', () => {
    expect([0x48, 0x00, 0x9b, 0x1b, 0x5c, 0x27, 0x0a].map(byteCharLiteral)).toEqual([
      'H',
      '\\x00',
      '\\x9b',
      '\\x1b',
      '\\\\',
      "\\'",
      '\\n',
    ]);
  });
});
