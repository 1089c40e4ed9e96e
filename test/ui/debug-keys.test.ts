// The text a held message is edited as ($EDITOR under proxy --ui), and back: JSON
// pretty-printed and compacted again, other text as it is, binary as a hex dump parsed back.
import { describe, expect, it } from 'vitest';
import { fromEditable, toEditable } from '../../src/ui/debug-keys.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | string): string => (typeof b === 'string' ? b : new TextDecoder().decode(b));

describe('editing a held message as text', () => {
  it('JSON: pretty-printed for editing, compacted back', () => {
    const e = toEditable(1, bytes('{"a":1,"b":[true,null]}'));
    expect(e).toEqual({ text: '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\n', ext: 'json' });
    expect(text(fromEditable(e.ext, e.text.replace('1', '2')))).toBe('{"a":2,"b":[true,null]}');
    expect(fromEditable('json', '{"a":')).toMatch(/^not JSON any more: /);
  });

  it('other text as it is (the final newline an editor adds is taken off)', () => {
    const e = toEditable(1, bytes('hello'));
    expect(e).toEqual({ text: 'hello', ext: 'txt' });
    expect(text(fromEditable('txt', 'hello world\n'))).toBe('hello world');
    expect(text(fromEditable('txt', 'two lines\n\n'))).toBe('two lines\n\n');
  });

  it('binary as hex, 16 bytes a line, parsed back whatever the spacing', () => {
    const data = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
    const e = toEditable(2, data);
    expect(e.ext).toBe('hex');
    expect(e.text.split('\n')[0]).toBe('00 0d 1a 27 34 41 4e 5b 68 75 82 8f 9c a9 b6 c3');
    expect(fromEditable('hex', e.text)).toEqual(data);
    expect(fromEditable('hex', 'ff00\n 01')).toEqual(Uint8Array.from([0xff, 0, 1]));
    expect(fromEditable('hex', 'f')).toBe('not hex: pairs of hex digits, please');
    expect(fromEditable('hex', 'zz')).toBe('not hex: pairs of hex digits, please');
  });
});
