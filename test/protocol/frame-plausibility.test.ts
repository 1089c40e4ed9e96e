import { describe, expect, it } from 'vitest';
import { findFrameStart } from '../../src/protocol/frame-plausibility.js';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';

describe('findFrameStart', () => {
  const frames = concatBytes(buildFrame({ payload: 'first' }), buildFrame({ opcode: 2, payload: new Uint8Array(300) }), buildFrame({ opcode: 9, payload: 'p' }));

  it('finds the first frame after junk, confirmed by the next header', () => {
    const junk = new TextEncoder().encode('tail of a lost frame');
    expect(findFrameStart(concatBytes(junk, frames), 0, { masked: false, allowRsv1: false })).toEqual({ offset: junk.length, chain: 2 });
  });

  it('respects the direction\'s mask bit', () => {
    const masked = buildFrame({ payload: 'x', maskingKey: [1, 2, 3, 4] });
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(0);
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: true, allowRsv1: false })?.offset).toBe(0);
  });

  it('rejects reserved opcodes, RSV2/3, long or fragmented control frames', () => {
    for (const first of ['83 00', 'a1 00', '89 7e 00 7e', '09 00']) {
      const bytes = concatBytes(Uint8Array.from(first.split(' ').map((h) => parseInt(h, 16))), new Uint8Array(126));
      expect(findFrameStart(bytes, 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(0);
    }
  });
});
