import { describe, expect, it } from 'vitest';
import { parseBase64Text, parseHexText } from '../../src/sources/hex-text.js';
import { WsinspectError } from '../../src/errors.js';

const FRAME = 'c185430 20acf71363ecb43'.replace(/ /g, '');
const want = Buffer.from(FRAME, 'hex');

function bytes(text: string) {
  return Buffer.from(parseHexText(text));
}

describe('parseHexText', () => {
  it.each([
    ['spaced', 'c1 85 43 02 0a cf 71 36 3e cb 43'],
    ['contiguous', 'c18543020acf71363ecb43'],
    ['0x with commas', '0xc1, 0x85, 0x43, 0x02, 0x0a, 0xcf, 0x71, 0x36, 0x3e, 0xcb, 0x43'],
    ['\\x escapes', '\\xc1\\x85\\x43\\x02\\x0a\\xcf\\x71\\x36\\x3e\\xcb\\x43'],
    ['colons', 'c1:85:43:02:0a:cf:71:36:3e:cb:43'],
    ['upper case', 'C1 85 43 02 0A CF 71 36 3E CB 43'],
    ['Wireshark dump', '0000   c1 85 43 02 0a cf 71 36 3e cb 43    ..C...q6>.C'],
    ['tshark -x dump', '0000  c1 85 43 02 0a cf 71 36  3e cb 43                  ..C...q6>.C'],
    ['xxd dump', '00000000: c185 4302 0acf 7136 3ecb 43              ..C...q6>.C\n'],
    ['hexdump -C', '00000000  c1 85 43 02 0a cf 71 36  3e cb 43                 |..C...q6>.C|\n0000000b\n'],
    ['several lines', 'c1 85 43 02\n0a cf 71 36\n3e cb 43\n'],
  ])('%s', (_name, text) => {
    expect(bytes(text)).toEqual(want);
  });

  it('reads a multi-line dump whose ASCII column looks like hex', () => {
    const dump = [
      '0000  61 62 20 63 64 65 66 67 61 62 20 63 64 65 66 67   ab cdefgab cdefg',
      '0010  ab cd                                             ..',
    ].join('\n');
    expect(bytes(dump).toString('hex')).toBe('616220636465666761622063646566' + '67abcd');
  });

  it('does not take hand-typed 4-digit groups for a dump offset', () => {
    expect(bytes('c185 4302').toString('hex')).toBe('c1854302');
  });

  it('names the position of a bad character', () => {
    expect(() => parseHexText('c1 85 4g 02')).toThrowError(/bad hex character 'g' at position 8/);
    try {
      parseHexText('zz');
    } catch (e) {
      expect(e).toBeInstanceOf(WsinspectError);
      expect((e as WsinspectError).code).toBe('input.bad-hex');
      expect((e as WsinspectError).exitCode).toBe(2);
    }
  });

  it('rejects an odd number of digits', () => {
    expect(() => parseHexText('c18')).toThrowError(/odd number of hex digits/);
  });

  it('reads base64', () => {
    expect(Buffer.from(parseBase64Text(want.toString('base64')))).toEqual(want);
    expect(() => parseBase64Text('wYVD*')).toThrowError(/bad base64 character "\*" at position 5/);
  });
});
