import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitString,
  encodeFrameHeader,
  FRAME_FIELDS,
  frameFieldLayout,
  wirePayload,
} from '../../src/protocol/frame-fields.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import type { Frame } from '../../src/protocol/frame.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { frameFromHex, frameFromWire, hexBytes, withCountingPayload } from '../render/frames.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('FRAME_FIELDS table (RFC 6455 §5.2)', () => {
  it('lists the header fields in wire order with their widths', () => {
    expect(FRAME_FIELDS.map((f) => [f.key, f.bits])).toEqual([
      ['fin', 1],
      ['rsv1', 1],
      ['rsv2', 1],
      ['rsv3', 1],
      ['opcode', 4],
      ['mask', 1],
      ['payloadLen', 7],
      ['extendedPayloadLength', 'variable'],
      ['maskingKey', 32],
      ['payload', 'variable'],
    ]);
  });

  it('gives every field a rule and an RFC section', () => {
    for (const f of FRAME_FIELDS) {
      expect(f.rule.length).toBeGreaterThan(10);
      expect(f.rfc).toMatch(/^RFC 6455 §\d/);
    }
  });

  it('names values', () => {
    const meaning = (key: string, v: number) => FRAME_FIELDS.find((f) => f.key === key)!.meaning(v);
    expect(meaning('fin', 1)).toBe('final fragment of the message');
    expect(meaning('fin', 0)).toBe('more fragments follow');
    expect(meaning('opcode', 0x1)).toBe('text frame');
    expect(meaning('opcode', 0x3)).toBe('reserved (non-control) opcode');
    expect(meaning('opcode', 0xb)).toBe('reserved control opcode');
    expect(meaning('payloadLen', 126)).toContain('16-bit');
    expect(meaning('payloadLen', 127)).toContain('64-bit');
  });
});

describe('frameFieldLayout', () => {
  it('masked 7-bit frame: key at bits 16–47, payload from bit 48, no extended length', () => {
    const layout = frameFieldLayout(frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(layout.map((s) => [s.key, s.bitOffset, s.bitLength, s.binary])).toEqual([
      ['fin', 0, 1, '1'],
      ['rsv1', 1, 1, '0'],
      ['rsv2', 2, 1, '0'],
      ['rsv3', 3, 1, '0'],
      ['opcode', 4, 4, '0001'],
      ['mask', 8, 1, '1'],
      ['payloadLen', 9, 7, '0000101'],
      ['maskingKey', 16, 32, '00110111111110100010000100111101'],
      ['payload', 48, 40, ''],
    ]);
    expect(layout[4].valueName).toBe('0x1 text frame');
    expect(layout[7].valueText).toBe('0x37fa213d');
    expect(new TextDecoder().decode(layout[8].value as Uint8Array)).toBe('Hello');
  });

  it('16-bit length: extended length at bits 16–31 holds 256', () => {
    const layout = frameFieldLayout(frameFromWire(withCountingPayload('82 7e 01 00', 256)));
    const ext = layout.find((s) => s.key === 'extendedPayloadLength')!;
    expect([ext.bitOffset, ext.bitLength, ext.value, ext.binary]).toEqual([16, 16, 256, '0000000100000000']);
    expect(layout.find((s) => s.key === 'payloadLen')!.valueText).toBe('126');
    expect(layout.some((s) => s.key === 'maskingKey')).toBe(false);
    expect(layout.at(-1)!.bitOffset).toBe(32);
  });

  it('64-bit length: a bigint over bits 16–79', () => {
    const layout = frameFieldLayout(frameFromWire(withCountingPayload('82 7f 00 00 00 00 00 01 00 00', 65536)));
    const ext = layout.find((s) => s.key === 'extendedPayloadLength')!;
    expect([ext.bitOffset, ext.bitLength, ext.value]).toEqual([16, 64, 65536n]);
    expect(ext.binary).toBe('0'.repeat(47) + '1' + '0'.repeat(16));
    expect(layout.at(-1)!.bitOffset).toBe(80);
  });

  it('bitString pads to the width, also for bigints', () => {
    expect(bitString(5, 7)).toBe('0000101');
    expect(bitString(1n << 63n, 64)).toBe('1' + '0'.repeat(63));
  });
});

describe('encodeFrameHeader and wirePayload re-create the wire bytes', () => {
  it.each(['81 85 37 fa 21 3d 7f 9f 4d 51 58', 'c1 85 43 02 0a cf 71 36 3e cb 43', '88 05 03 e8 62 79 65', '0f 00'])(
    '%s',
    (text) => {
      const f = frameFromHex(text);
      expect(hexOf(encodeFrameHeader(f)) + hexOf(wirePayload(f))).toBe(hexOf(hexBytes(text)));
    },
  );

  it('keeps a non-minimal length form and a 64-bit length with the MSB set', () => {
    const nonMinimal = frameFromHex('81 7e 00 03 61 62 63');
    expect(hexOf(encodeFrameHeader(nonMinimal))).toBe('817e0003');
    const msb = frameFromHex('82 ff 80 00 00 00 00 00 00 01 01 02 03 04');
    expect(hexOf(encodeFrameHeader(msb))).toBe('82ff800000000000000101020304');
  });

  it('wirePayload stops at max', () => {
    const f = frameFromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(hexOf(wirePayload(f, 2))).toBe('7f9f');
  });

  it('round-trips random frames (any flags, opcode, key, length form)', () => {
    fc.assert(
      fc.property(
        fc.record({
          fin: fc.boolean(),
          rsv1: fc.boolean(),
          rsv2: fc.boolean(),
          rsv3: fc.boolean(),
          opcode: fc.integer({ min: 0, max: 15 }),
          key: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
          payload: fc.uint8Array({ maxLength: 300 }),
          lengthEncoding: fc.constantFrom(undefined, 16 as const, 64 as const),
        }),
        (spec) => {
          const wire = buildFrame({ ...spec, maskingKey: spec.key });
          const f = frameFromWire(wire);
          expect(hexOf(encodeFrameHeader(f)) + hexOf(wirePayload(f))).toBe(hexOf(wire));
        },
      ),
    );
  });
});

describe('the payload field', () => {
  it('declares the full length and says how much is present when truncated', () => {
    const payload = frameFieldLayout(frameFromHex('82 18 00 01 02 03')).at(-1)!;
    expect(payload.valueText).toBe('24 bytes');
    expect(payload.meaning).toBe('extension data + application data (4 of 24 bytes present)');
  });

  it('reads a 64-bit length beyond 2^53 exactly', () => {
    const payload = frameFieldLayout(frameFromHex('82 ff 80 00 00 00 00 00 00 01 01 02 03 04')).at(-1)!;
    expect(payload.valueText).toBe('9223372036854775809 bytes');
  });
});

describe('agrees with the FrameDecoder', () => {
  it('re-encodes what the decoder read back to the same wire bytes', () => {
    const wires = [
      hexBytes('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
      hexBytes('c1 85 43 02 0a cf 71 36 3e cb 43'),
      withCountingPayload('82 7e 01 00', 256),
      withCountingPayload('82 7f 00 00 00 00 00 01 00 00', 65536),
      hexBytes('88 82 01 02 03 04 02 ea'),
    ];
    for (const wire of wires) {
      const frames: Frame[] = [];
      const decoder = new FrameDecoder({ onFrame: (f) => frames.push(f) });
      decoder.push(wire);
      expect(frames).toHaveLength(1);
      expect(encodeFrameHeader(frames[0]).length).toBe(frames[0].headerLength);
      expect(hexOf(encodeFrameHeader(frames[0])) + hexOf(wirePayload(frames[0]))).toBe(hexOf(wire));
    }
  });
});
