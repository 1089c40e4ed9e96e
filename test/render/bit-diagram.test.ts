import { describe, expect, it } from 'vitest';
import { renderBitDiagram } from '../../src/render/bit-diagram.js';
import { createStyle } from '../../src/render/style.js';
import { frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });
const bits = (hex: string) =>
  hex
    .split(' ')
    .map((b) => parseInt(b, 16).toString(2).padStart(8, '0'))
    .join('')
    .split('')
    .join(' ');

describe('renderBitDiagram (RFC 6455 §5.2 figure with real bits)', () => {
  it('masked "Hello": ruler, RFC-shaped rows, actual bits, key and payload values', () => {
    const out = renderBitDiagram(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), plain);
    const lines = out.split('\n');
    expect(lines[0]).toBe(' 0                   1                   2                   3');
    expect(lines[1]).toBe(' 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1');
    expect(lines[2]).toBe('+-+-+-+-+-------+-+-------------+-------------------------------+');
    expect(lines[3]).toBe('|1|0|0|0|0 0 0 1|1|0 0 0 0 1 0 1|0 0 1 1 0 1 1 1 1 1 1 1 1 0 1 0|  bytes 0–3');
    expect(lines[4]).toBe('|F|R|R|R| opcode|M| Payload len |          Masking-key          |');
    expect(lines[5]).toBe('|I|S|S|S|  0x1  |A|   5 bytes   |        37 fa  key[0–1]        |');
    expect(lines[6]).toBe('|N|V|V|V|  text |S|             |                               |');
    expect(lines[7]).toBe('| |1|2|3|       |K|             |                               |');
    expect(out).toContain(`|${bits('21 3d')}|${bits('7f 9f')}|  bytes 4–7`);
    expect(out).toContain('21 3d  key[2–3]');
    expect(out).toContain('masked 7f 9f');
    expect(out).toContain('→ 48 65 "He"');
    // the payload ends mid-row: the last row is 24 bits wide
    expect(out).toContain(`|${bits('4d 51 58')}|                  bytes 8–10`);
    expect(out).toContain('→ 6c 6c 6f "llo"');
    expect(lines.at(-1)).toBe('+-----------------------------------------------+');
    expect(out).not.toContain('Extended payload length');
  });

  it('RSV1 set: its cell shows 1', () => {
    const out = renderBitDiagram(frameFromHex('c1 85 43 02 0a cf 71 36 3e cb 43'), plain);
    expect(out.split('\n')[3]).toBe('|1|1|0|0|0 0 0 1|1|0 0 0 0 1 0 1|0 1 0 0 0 0 1 1 0 0 0 0 0 0 1 0|  bytes 0–3');
  });

  it('16-bit length: payload len 1111110 (126) and a 16-bit extended length of 256, no key row', () => {
    const out = renderBitDiagram(frameFromWire(withCountingPayload('82 7e 01 00', 256)), plain);
    expect(out).toContain('|1|0|0|0|0 0 1 0|0|1 1 1 1 1 1 0|0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0|  bytes 0–3');
    expect(out).toContain('→ 16-bit ext.');
    expect(out).toContain('16 bits = 256');
    expect(out).not.toContain('Masking-key');
    expect(out).toContain('00 01 02 03 "...."');
    expect(out).toMatch(/^: {12,13}Payload data continued: 252 more bytes {12,13}:$/m);
    expect(out.split('\n').at(-1)).toBe('+---------------------------------------------------------------+');
  });

  it("64-bit length: three rows of extended length with the RFC's dashed continuation lines", () => {
    const out = renderBitDiagram(frameFromWire(withCountingPayload('82 7f 00 00 00 00 00 01 00 00', 65536)), plain);
    const lines = out.split('\n');
    expect(out).toContain('|1|0|0|0|0 0 1 0|0|1 1 1 1 1 1 1|' + bits('00 00') + '|  bytes 0–3');
    expect(out).toContain('64 bits = 65536');
    expect(lines).toContain('+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +');
    expect(out).toContain(`|${bits('00 00 00 01')}|  bytes 4–7`);
    expect(lines).toContain('+ - - - - - - - - - - - - - - - +-------------------------------+');
    expect(out).toContain(`|${bits('00 00')}|${bits('00 01')}|  bytes 8–11`);
    expect(out).toContain('Ext. payload length (cont.)');
    expect(out).toContain('Payload data continued: 65530 more bytes');
  });

  it('unmasked 7-bit frame: two header rows only, no extended length, no key', () => {
    const out = renderBitDiagram(frameFromHex('89 00'), plain);
    expect(out).toMatch(/^\|1\|0\|0\|0\|1 0 0 1\|0\|0 0 0 0 0 0 0\| +bytes 0–1$/m);
    expect(out).toContain('ping');
    expect(out).not.toMatch(/Masking-key|Extended|Payload data/);
    expect(out.split('\n').at(-1)).toBe('+-+-+-+-+-------+-+-------------+');
  });

  it('a truncated payload says how many bytes are missing', () => {
    const out = renderBitDiagram(frameFromHex('81 05 48 65'), plain);
    expect(out).toContain('3 bytes missing (input ended)');
  });

  it('reserved opcode reads rsvd', () => {
    expect(renderBitDiagram(frameFromHex('83 00'), plain)).toContain('|  0x3  |');
    expect(renderBitDiagram(frameFromHex('83 00'), plain)).toContain('|  rsvd |');
  });
});
