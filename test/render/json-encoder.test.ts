// The one JSON/hex encoder: byte-level text escaping agrees with jsonString (JSON.stringify plus
// the terminal escapes), and refuses exactly what jsonString would have to escape further.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeHex,
  encodeJsonText,
  jsonString,
  JSON_TEXT_ROOM_PER_BYTE,
  terminalSafeUtf8,
} from '../../src/render/json-encoder.js';

const EDGES = [
  'a',
  '~',
  '\x7f',
  '\x80',
  '\x9f',
  '\xa0',
  '"',
  '\\',
  '\n',
  '\u0001',
  '\u001f',
  'é',
  '\u061c',
  '\u200b',
  '\u2028',
  '\u202e',
  '\u202f',
  '\u2060',
  '\u2069',
  '\ufeff',
  '\ufffd',
  '😀',
];

function viaEncoder(bytes: Uint8Array): string | null {
  const out = Buffer.alloc(bytes.length * JSON_TEXT_ROOM_PER_BYTE + 4);
  const end = encodeJsonText(bytes, out, 2);
  return end < 0 ? null : out.toString('utf8', 2, end);
}

describe('json-encoder', () => {
  it('writes text as jsonString writes it, or refuses what needs the string path', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s)),
          // the characters at the edges of each rule, often
          fc.array(fc.constantFrom(...EDGES), { maxLength: 12 }).map((cs) => new TextEncoder().encode(cs.join(''))),
          fc.uint8Array({ maxLength: 40 }),
        ),
        (bytes) => {
          const got = viaEncoder(bytes);
          if (!terminalSafeUtf8(bytes)) {
            expect(got).toBeNull();
          } else {
            expect(got).not.toBeNull();
            expect(`"${got}"`).toBe(jsonString(new TextDecoder().decode(bytes)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('escapes controls, quote and backslash as JSON.stringify does', () => {
    expect(viaEncoder(Buffer.from('a"b\\c\n\t\u0001é'))).toBe('a\\"b\\\\c\\n\\t\\u0001é');
    expect(viaEncoder(Buffer.from('x\u202ey'))).toBeNull(); // bidi override: the string path escapes it
    expect(viaEncoder(Uint8Array.of(0x41, 0xff))).toBeNull(); // not UTF-8
  });

  it('writes hex as lower-case digit pairs at any offset', () => {
    const out = Buffer.alloc(12);
    const end = encodeHex(Uint8Array.of(0x00, 0xab, 0x7f, 0x10), 3, new DataView(out.buffer), 1);
    expect(end).toBe(7);
    expect(out.toString('latin1', 1, end)).toBe('00ab7f');
  });
});
