import { describe, expect, it } from 'vitest';
import { renderUnmaskSteps } from '../../src/render/unmask-steps.js';
import { createStyle } from '../../src/render/style.js';
import { frameFromHex, frameFromWire, withCountingPayload } from './frames.js';

const plain = createStyle({ color: false });

describe('renderUnmaskSteps (RFC 6455 §5.3)', () => {
  it('works through each byte with the key index cycling', () => {
    const lines = renderUnmaskSteps(frameFromHex('c1 85 43 02 0a cf 71 36 3e cb 43'), plain).split('\n');
    expect(lines[0]).toBe('data[i] = masked[i] ⊕ key[i mod 4]   key = 43 02 0a cf');
    expect(lines[1]).toMatch(/^\[0\] masked 0x71 ⊕ key\[0\] 0x43 = 0x32 '2' +01110001 ⊕ 01000011 = 00110010$/);
    expect(lines[4]).toContain("masked 0xcb ⊕ key[3] 0xcf = 0x04 '\\x04'");
    expect(lines[5]).toContain("masked 0x43 ⊕ key[0] 0x43 = 0x00 '\\x00'");
    expect(lines[5]).toContain('← key index wraps to 0');
    expect(lines).toHaveLength(6);
  });

  it('stops after count bytes and says how many remain', () => {
    const wire = withCountingPayload('82 fe 01 00 01 02 03 04', 256);
    const lines = renderUnmaskSteps(frameFromWire(wire), plain, { count: 3 }).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('… 253 more bytes unmasked the same way');
  });

  it('says an unmasked frame is sent as is', () => {
    expect(renderUnmaskSteps(frameFromHex('81 02 68 69'), plain)).toContain('not masked');
  });
});
