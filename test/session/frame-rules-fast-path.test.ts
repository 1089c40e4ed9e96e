// checkFrame's shortcut (breaksNoRule) against the rule list it skips: for every combination of
// the header bits (FIN, RSV1–3, the 16 opcodes, MASK), payload lengths at the control-frame
// boundary, both directions, known or inferred, with and without deflate, before and after a
// Close, checkFrame must give exactly the diagnostics of checkEveryRule — so the shortcut may
// only ever answer for frames the rules have nothing to say about.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import type { Frame } from '../../src/protocol/frame.js';
import { breaksNoRule, checkEveryRule, checkFrame, type FrameContext } from '../../src/session/frame-rules.js';

function frameOf(bits: number, opcode: number, masked: boolean, payloadLength: number): Frame {
  return {
    offset: 0,
    fin: (bits & 1) !== 0,
    rsv1: (bits & 2) !== 0,
    rsv2: (bits & 4) !== 0,
    rsv3: (bits & 8) !== 0,
    opcode,
    masked,
    maskingKey: masked ? Uint8Array.of(1, 2, 3, 4) : null,
    lengthEncoding: payloadLength < 126 ? 7 : 16,
    payloadLength,
    headerLength: 2 + (payloadLength < 126 ? 0 : 2) + (masked ? 4 : 0),
    payload: new Uint8Array(Math.min(payloadLength, 200)),
    payloadSkipped: 0,
    truncated: false,
    diagnostics: [],
  };
}

const contexts: FrameContext[] = [];
for (const dir of ['c2s', 's2c'] as const)
  for (const directionKnown of [true, false])
    for (const deflate of [false, true])
      for (const closeSent of [false, true]) contexts.push({ dir, directionKnown, deflate, closeSent });

describe('frame rules: the shortcut gives the rule list’s diagnostics', () => {
  it('for every header bit combination, opcode, mask bit, control length boundary and context', () => {
    let cases = 0;
    let shortcut = 0;
    for (let bits = 0; bits < 16; bits++)
      for (let opcode = 0; opcode < 16; opcode++)
        for (const masked of [false, true])
          for (const payloadLength of [0, 1, 125, 126, 127, 65535, 65536])
            for (const ctx of contexts) {
              const frame = frameOf(bits, opcode, masked, payloadLength);
              const fast: Diagnostic[] = [];
              const full: Diagnostic[] = [];
              checkFrame(frame, ctx, fast);
              checkEveryRule(frame, ctx, full);
              expect(fast, JSON.stringify({ bits, opcode, masked, payloadLength, ctx })).toEqual(full);
              if (breaksNoRule(frame, ctx)) {
                shortcut++;
                expect(full).toEqual([]);
              }
              cases++;
            }
    expect(cases).toBe(16 * 16 * 2 * 7 * 16);
    // the shortcut does answer for the common frames (else it would be no shortcut at all)
    expect(shortcut).toBeGreaterThan(0);
    expect(breaksNoRule(frameOf(1, 1, true, 30), contexts[0])).toBe(true);
    expect(breaksNoRule(frameOf(1, 2, false, 3000), { ...contexts[0], dir: 's2c' })).toBe(true);
    expect(breaksNoRule(frameOf(3, 1, true, 30), { ...contexts[0], deflate: true })).toBe(true);
  });
});
