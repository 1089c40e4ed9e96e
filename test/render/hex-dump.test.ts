import { describe, expect, it } from 'vitest';
import { renderAnnotatedHexDump, renderHexDump } from '../../src/render/hex-dump.js';
import { createStyle } from '../../src/render/style.js';
import { frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });

describe('renderAnnotatedHexDump', () => {
  it('shows the wire bytes (payload masked again) with field boundaries and a byte-range legend', () => {
    const out = renderAnnotatedHexDump(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), plain);
    const lines = out.split('\n');
    expect(lines[0]).toBe('0000  81|85|37 fa 21 3d|7f 9f  4d 51 58                 |..7.!=..MQX|');
    expect(lines[1]).toBe(
      'legend  [0] FIN RSV1-3 opcode  [1] MASK payload len  [2–5] masking key  [6–10] payload (masked, as on the wire)',
    );
  });

  it('marks the extended length and wraps at 16 bytes, cut at maxBytes', () => {
    const out = renderAnnotatedHexDump(frameFromWire(withCountingPayload('82 7e 01 00', 256)), plain, { maxBytes: 32 });
    const lines = out.split('\n');
    expect(lines[0]).toBe('0000  82|7e|01 00|00 01 02 03  04 05 06 07 08 09 0a 0b  |.~..............|');
    expect(lines[1]).toBe('0010  0c 0d 0e 0f 10 11 12 13  14 15 16 17 18 19 1a 1b  |................|');
    expect(lines[2]).toBe('… 228 more bytes not shown');
    expect(lines[3]).toContain('[2–3] extended length (16-bit)');
    expect(lines[3]).toContain('[4–259] payload');
  });

  it('never prints a raw control byte in the ASCII column', () => {
    const out = renderAnnotatedHexDump(frameFromHex('81 04 1b 5b 33 31'), plain);
    expect(out).toContain('|...[31|');
    expect(out).not.toContain('\x1b');
  });
});

describe('renderHexDump', () => {
  it('dumps bytes with offsets, no boundary marks', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i);
    expect(renderHexDump(bytes, plain)).toBe(
      '0000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n' +
        '0010  51 52 53 54                                       |QRST|',
    );
  });

  it('widens offsets past 64 KiB and says what was cut', () => {
    const out = renderHexDump(new Uint8Array(70000), plain, { maxBytes: 16, base: 0x10000 });
    expect(out.split('\n')[0].startsWith('10000  00 00')).toBe(true);
    expect(out).toContain('… 69984 more bytes not shown');
  });

  it('says so for no bytes', () => {
    expect(renderHexDump(new Uint8Array(0), plain)).toBe('(no bytes)');
  });
});
