import { describe, expect, it } from 'vitest';
import { findFrameStart, plausibleFrameLength } from '../../src/protocol/frame-plausibility.js';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';
import { LENGTH_FORMS, lengthHeader } from '../helpers/length-forms.js';

describe('findFrameStart', () => {
  const frames = concatBytes(
    buildFrame({ payload: 'first' }),
    buildFrame({ opcode: 2, payload: new Uint8Array(300) }),
    buildFrame({ opcode: 9, payload: 'p' }),
  );

  it('finds the first frame after junk, confirmed by the next header', () => {
    const junk = new TextEncoder().encode('tail of a lost frame');
    expect(findFrameStart(concatBytes(junk, frames), 0, { masked: false, allowRsv1: false })).toEqual({
      offset: junk.length,
      chain: 2,
    });
  });

  it("respects the direction's mask bit", () => {
    const masked = buildFrame({ payload: 'x', maskingKey: [1, 2, 3, 4] });
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(
      0,
    );
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: true, allowRsv1: false })?.offset).toBe(0);
  });

  it('rejects reserved opcodes, RSV2/3, long or fragmented control frames', () => {
    for (const first of ['83 00', 'a1 00', '89 7e 00 7e', '09 00']) {
      const bytes = concatBytes(Uint8Array.from(first.split(' ').map((h) => parseInt(h, 16))), new Uint8Array(126));
      expect(findFrameStart(bytes, 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(0);
    }
  });
});

describe('plausibleFrameLength', () => {
  const opts = { masked: null, allowRsv1: false };
  it.each([0, 5, 125, 126, 65535, 65536, 70000, 200000, 16 * 1024 * 1024, 2 ** 32 + 7])(
    'reads a %i-byte payload in its minimal length form',
    (n) => {
      const head = buildFrame({ opcode: 2, payload: new Uint8Array(Math.min(n, 16)), declaredLength: n }).subarray(
        0,
        n < 126 ? 2 : n < 65536 ? 4 : 10,
      );
      expect(plausibleFrameLength(head, 0, opts)).toBe(head.length + n);
    },
  );

  it('also with a masking key after a 64-bit length', () => {
    const head = buildFrame({
      opcode: 2,
      payload: new Uint8Array(0),
      declaredLength: 1 << 20,
      maskingKey: [1, 2, 3, 4],
    }).subarray(0, 14);
    expect(plausibleFrameLength(head, 0, { masked: true, allowRsv1: false })).toBe(14 + (1 << 20));
  });

  it('rejects non-minimal lengths and 64-bit lengths with the top bits set', () => {
    expect(plausibleFrameLength(buildFrame({ payload: 'x', lengthEncoding: 16 }), 0, opts)).toBe(-1);
    expect(plausibleFrameLength(buildFrame({ payload: 'x', lengthEncoding: 64 }), 0, opts)).toBe(-1);
    expect(plausibleFrameLength(Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 1, 0, 0), 0, opts)).toBe(-1);
  });
});

describe('plausibleFrameLength: only the minimal length form at each boundary (RFC 6455 §5.2)', () => {
  it.each(LENGTH_FORMS.map((f) => [f.length, f.encoding, f.mustUse ?? 'minimal', f] as const))(
    'length %i in the %i-bit form: %s',
    (_n, _e, _m, form) => {
      for (const masked of [false, true]) {
        const head = Uint8Array.from([...lengthHeader(form, masked), ...(masked ? [1, 2, 3, 4] : [])]);
        expect(plausibleFrameLength(head, 0, { masked: null, allowRsv1: false })).toBe(
          form.mustUse === null ? head.length + form.length : -1,
        );
      }
    },
  );
});
