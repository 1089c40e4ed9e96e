import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import { renderFieldTable } from '../../src/render/field-table.js';
import { createStyle } from '../../src/render/style.js';
import { frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });
const row = (out: string, field: string) => out.split('\n').find((l) => l.slice(2).startsWith(field + ' '))!;

describe('renderFieldTable', () => {
  it('lists field, bit positions, value and meaning', () => {
    const out = renderFieldTable(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), plain, { explain: false });
    expect(out.split('\n')[0]).toMatch(/^ {2}field\s+bits\s+value\s+meaning$/);
    expect(row(out, 'FIN')).toMatch(/FIN\s+0\s+1\s+final fragment of the message/);
    expect(row(out, 'opcode')).toMatch(/opcode\s+4–7\s+0x1\s+text frame/);
    expect(row(out, 'Payload len')).toMatch(/Payload len\s+9–15\s+5\s+payload length: 5 bytes/);
    expect(row(out, 'Masking-key')).toMatch(/Masking-key\s+16–47\s+0x37fa213d/);
    expect(row(out, 'Payload data')).toMatch(/Payload data\s+48–87\s+5 bytes/);
    expect(out).not.toContain('rule:');
  });

  it('64-bit extended length spans bits 16–79', () => {
    const out = renderFieldTable(frameFromWire(withCountingPayload('82 7f 00 00 00 00 00 01 00 00', 65536)), plain, {
      explain: false,
    });
    expect(row(out, 'Extended payload length')).toMatch(/16–79\s+65536\s+payload length: 65536 bytes/);
  });

  it('with explain, each field is followed by its rule and RFC section', () => {
    const out = renderFieldTable(frameFromHex('81 00'), plain, { explain: true });
    expect(out).toContain('rule: must be 1 on every client-to-server frame');
    // why clients mask at all: cache poisoning of intermediaries
    expect(out.replace(/\s+/g, ' ')).toContain(
      'an intermediary that misreads the stream as HTTP cannot be fed a forged',
    );
    expect(out).toContain('(§10.3)');
    expect(out).toContain('(RFC 6455 §5.1)');
    expect(out).toContain('(RFC 6455 §5.2)');
    expect(out.split('\n').every((l) => l.length <= 100)).toBe(true);
    expect(row(out, 'Payload data')).toMatch(/—\s+0 bytes/);
  });

  it('marks the field a diagnostic is about', () => {
    const frame = frameFromHex('e1 00', [diagnostic('frame.rsv.unexpected')]);
    const out = renderFieldTable(frame, plain, { explain: false });
    expect(row(out, 'RSV1').startsWith('  ')).toBe(false);
    expect(
      out
        .split('\n')
        .find((l) => l.includes('RSV1'))!
        .startsWith('✖ RSV1'),
    ).toBe(true);
    expect(
      out
        .split('\n')
        .find((l) => l.includes('RSV2'))!
        .startsWith('✖ RSV2'),
    ).toBe(true);
    expect(
      out
        .split('\n')
        .find((l) => l.includes('RSV3'))!
        .startsWith('  RSV3'),
    ).toBe(true);
  });
});

describe('renderFieldTable with a 64-bit length beyond 2^53', () => {
  it('gives the payload bit range exactly', () => {
    const out = renderFieldTable(frameFromHex('82 ff 80 00 00 00 00 00 00 01 01 02 03 04'), plain, { explain: false });
    expect(row(out, 'Payload data')).toMatch(/112–73786976294838206583\s+9223372036854775809 bytes/);
  });
});
