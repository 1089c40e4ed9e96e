// Messages as text for $EDITOR and back, and the inject composer: round trips, the newline an
// editor adds, big JSON numbers kept exact, hex dumps read back from their hex column only,
// and one-line errors for what cannot be read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  composeInline,
  composerTemplate,
  fromEditable,
  hexDump,
  parseComposed,
  parseHexDump,
  toEditable,
} from '../../src/ui/editable.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('message ↔ editable text', () => {
  it('text is edited as it is; the newline the editor adds at the end is not sent', () => {
    const msg = { opcode: 1, data: enc('hello') };
    const e = toEditable(msg.opcode, msg.data);
    expect(e).toEqual({ kind: 'text', text: 'hello', ext: '.txt' });
    const back = fromEditable(msg, e.kind, 'hello world\n');
    expect(back.ok && dec(back.data)).toBe('hello world');
    // a message that ended with a newline keeps it
    const nl = fromEditable({ opcode: 1, data: enc('line\n') }, 'text', 'line two\n');
    expect(nl.ok && dec(nl.data)).toBe('line two\n');
  });

  it('JSON is pretty-printed, compacted back, numbers as written (2^64-1 and 1.50 exact)', () => {
    const msg = { opcode: 1, data: enc('{"id":18446744073709551615,"price":1.50,"tags":["a"]}') };
    const e = toEditable(msg.opcode, msg.data);
    expect(e.kind).toBe('json');
    expect(e.ext).toBe('.json');
    expect(e.text).toBe('{\n  "id": 18446744073709551615,\n  "price": 1.50,\n  "tags": [\n    "a"\n  ]\n}\n');
    const back = fromEditable(msg, 'json', e.text.replace('"a"', '"b"'));
    expect(back.ok && dec(back.data)).toBe('{"id":18446744073709551615,"price":1.50,"tags":["b"]}');
  });

  it('JSON edited into something that is not JSON is sent as written, with a note', () => {
    const back = fromEditable({ opcode: 1, data: enc('{"a":1}') }, 'json', '{"a": 1,\n');
    expect(back).toMatchObject({ ok: true, note: 'the edited text is not JSON any more: sent as written' });
    expect(back.ok && dec(back.data)).toBe('{"a": 1,');
  });

  it('a scalar JSON text ("42", "\\"x\\"") is edited as text; text that is not UTF-8 as hex', () => {
    expect(toEditable(1, enc('42')).kind).toBe('text');
    expect(toEditable(1, Uint8Array.from([0x68, 0xff, 0x69])).kind).toBe('hex');
  });

  it('binary is an editable hex dump with offsets and an ASCII column', () => {
    const data = Uint8Array.from([...enc('Hello|world'), 0, 1, 2, 255, 10, 13, 0x7f]);
    const e = toEditable(2, data);
    expect(e.kind).toBe('hex');
    expect(e.ext).toBe('.hex');
    expect(e.text.split('\n').slice(2)).toEqual([
      '00000000  48 65 6c 6c 6f 7c 77 6f  72 6c 64 00 01 02 ff 0a  |Hello|world.....|',
      '00000010  0d 7f                                             |..|',
      '',
    ]);
    const back = fromEditable({ opcode: 2, data }, 'hex', e.text.replace('48 65', '4a 65'));
    expect(back.ok && Buffer.from(back.data).toString('latin1').slice(0, 5)).toBe('Jello');
  });

  it('property: any bytes survive hexDump → parseHexDump', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parsed = parseHexDump(hexDump(bytes));
        expect('data' in parsed && Buffer.from(parsed.data).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('hex is read from the hex column alone: bytes added, removed, ASCII column stale or gone', () => {
    const text = [
      '# comment',
      '00000000  48 65 6c 6c 6f  |Hello|',
      '00000005  21 21 0x21      |stale ascii that no longer matches',
      '',
      '4142 43',
      '0a:  44',
    ].join('\n');
    const parsed = parseHexDump(text);
    expect('data' in parsed && Buffer.from(parsed.data).toString('latin1')).toBe('Hello!!!ABCD');
    // 8 hex digits followed by one space are bytes, not an offset
    const run = parseHexDump('48656c6c 6f');
    expect('data' in run && Buffer.from(run.data).toString()).toBe('Hello');
  });

  it('bad hex is one line naming where', () => {
    expect(parseHexDump('00000000  48 6g 6c')).toEqual({ error: 'line 1, column 14: "6g" is not hex' });
    expect(parseHexDump('# x\n48 656')).toEqual({ error: 'line 2, column 4: "656" has an odd number of hex digits' });
    expect(fromEditable({ opcode: 2, data: new Uint8Array() }, 'hex', 'zz')).toEqual({
      ok: false,
      error: 'line 1, column 1: "zz" is not hex',
    });
  });
});

describe('the inject composer', () => {
  it('reads one-line forms (the inline prompt)', () => {
    const text = parseComposed('c2s text hello there');
    expect(text.ok && [text.dir, text.opcode, dec(text.data)]).toEqual(['c2s', 1, 'hello there']);
    const json = parseComposed('s2c json { "a" : 12345678901234567890 }');
    expect(json.ok && [json.dir, json.opcode, dec(json.data)]).toEqual(['s2c', 1, '{"a":12345678901234567890}']);
    const hex = parseComposed('C2S hex 01 02 ff');
    expect(hex.ok && [hex.dir, hex.opcode, [...hex.data]]).toEqual(['c2s', 2, [1, 2, 255]]);
  });

  it('reads the editor form: the template, then the body on the lines after "DIR KIND"', () => {
    const template = composerTemplate('s2c');
    expect(template.endsWith('\ns2c text\n')).toBe(true);
    expect(parseComposed(template)).toMatchObject({ ok: true, dir: 's2c', opcode: 1 });
    const m = parseComposed(template + 'two\nlines\n');
    expect(m.ok && dec(m.data)).toBe('two\nlines');
    const j = parseComposed(template.replace('s2c text', 'c2s json') + '{\n  "op": "ping"\n}\n');
    expect(j.ok && [j.dir, dec(j.data)]).toEqual(['c2s', '{"op":"ping"}']);
  });

  it('reads what was typed on the inline prompt, toward the direction already picked', () => {
    const t = composeInline('s2c', 'hello there');
    expect(t.ok && [t.dir, t.opcode, dec(t.data)]).toEqual(['s2c', 1, 'hello there']);
    const j = composeInline('c2s', 'json {"a": [1, 2]}');
    expect(j.ok && [j.dir, j.opcode, dec(j.data)]).toEqual(['c2s', 1, '{"a":[1,2]}']);
    const h = composeInline('c2s', '0x01 02ff');
    expect(h.ok && [h.opcode, [...h.data]]).toEqual([2, [1, 2, 255]]);
    const h2 = composeInline('c2s', 'hex 0a 0b');
    expect(h2.ok && [...h2.data]).toEqual([10, 11]);
    expect(composeInline('c2s', 'json {')).toMatchObject({ ok: false });
  });

  it('says in one line what is wrong', () => {
    expect(parseComposed('# only comments\n')).toEqual({
      ok: false,
      error: 'nothing to inject: write "c2s text hello" (or s2c, json, hex)',
    });
    expect(parseComposed('up text hi')).toEqual({
      ok: false,
      error: 'the first line starts with the direction, c2s (to the server) or s2c (to the client), not "up"',
    });
    expect(parseComposed('c2s yaml a: 1')).toEqual({
      ok: false,
      error: 'after c2s comes the kind: text, json or hex, not "yaml"',
    });
    const bad = parseComposed('c2s json {"a":');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^the json message is not JSON: [^\n]+$/);
    expect(parseComposed('s2c hex 0q')).toEqual({ ok: false, error: 'line 1, column 1: "0q" is not hex' });
  });
});
