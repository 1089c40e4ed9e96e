// Shared fast-check arbitraries for tests.
import fc from 'fast-check';

/**
 * Strings of any code points, lone surrogates included, weighted towards the ones terminal
 * escaping must handle: C0/C1 controls and DEL, latin1, the General Punctuation block (bidi
 * controls, zero-width and format characters) and surrogates, besides any code point.
 * Stands in for fc.string({ unit: 'binary' }), whose first use in a process costs ~1 s of
 * set-up (5-7 s on a loaded machine) and so timed tests out before they ran.
 */
export function anyCodePointString(maxLength: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x2ff }),
    fc.integer({ min: 0x2000, max: 0x206f }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.integer({ min: 0, max: 0x10ffff }),
  );
  return fc.string({ unit: codePoint.map((c) => String.fromCodePoint(c)), maxLength });
}
