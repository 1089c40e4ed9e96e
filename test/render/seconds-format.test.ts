import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonSeconds, SecondsFormat } from '../../src/render/seconds-format.js';

// capture-like times: whole seconds plus microseconds or nanoseconds, and raw doubles
const times = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999 }))
    .map(([s, us]) => s + us / 1e6),
  fc
    .tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }))
    .map(([s, ns]) => s + ns / 1e9),
  fc.double({ min: 0, max: 1e10, noNaN: true }),
  fc.constantFrom(0, 0.5, 1e-6, 123.000001, -1.25, Number.NaN, 1e12, 8681308632.45094, 2 ** 33 - 1e-6, 2 ** 33),
);

describe('seconds formats', () => {
  it('SecondsFormat prints what toFixed(6) prints, whatever came before', () => {
    const format = new SecondsFormat();
    fc.assert(
      fc.property(fc.array(times, { minLength: 1, maxLength: 8 }), (list) => {
        for (const t of list) expect(format.format(t)).toBe(t.toFixed(6));
      }),
      { numRuns: 5000 },
    );
  });

  it('jsonSeconds prints what String(Math.round(t * 1e6) / 1e6) prints', () => {
    fc.assert(
      fc.property(times, (t) => {
        expect(jsonSeconds(t)).toBe(String(Math.round(t * 1e6) / 1e6));
      }),
      { numRuns: 20000 },
    );
  });
});
