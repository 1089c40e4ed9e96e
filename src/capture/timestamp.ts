// Packet timestamps to seconds since the epoch with microsecond precision. pcapng gives
// 64-bit tick counts whose unit comes from if_tsresol (pcapng §4.2); nanosecond counts
// exceed 2^53, so the division is split to stay exact. Layer rule: capture/ — pure.

/** A timestamp resolution: ticks per second, split as 2^pow2 * odd for exact division. */
export interface TickResolution {
  readonly ticksPerSecond: number;
  readonly pow2: number;
  readonly odd: number;
  /** 2^(32 - pow2), 2^pow2 and the largest high word for which the exact split holds. */
  readonly highScale: number;
  readonly lowScale: number;
  readonly maxHigh: number;
}

export function tickResolution(ticksPerSecond: number): TickResolution {
  let pow2 = 0;
  let odd = ticksPerSecond;
  while (odd % 2 === 0 && pow2 < 32) {
    odd /= 2;
    pow2 += 1;
  }
  return { ticksPerSecond, pow2, odd, highScale: 2 ** (32 - pow2), lowScale: 2 ** pow2, maxHigh: 2 ** (21 + pow2) };
}

export const MICROSECONDS = tickResolution(1e6);
export const NANOSECONDS = tickResolution(1e9);

/**
 * if_tsresol option value (pcapng §4.2): high bit clear → 10^-v seconds, set → 2^-v.
 * Resolutions finer than 2^-52 or 10^-15 cannot be represented and fall back to µs.
 */
export function resolutionFromTsresol(v: number): TickResolution {
  const exp = v & 0x7f;
  if ((v & 0x80) !== 0) return exp <= 52 ? tickResolution(2 ** exp) : MICROSECONDS;
  return exp <= 15 ? tickResolution(10 ** exp) : MICROSECONDS;
}

/** Seconds + fraction (in ticks) → seconds since the epoch, rounded to the microsecond. */
export function secondsFrom(seconds: number, fractionTicks: number, ticksPerSecond: number): number {
  if (ticksPerSecond === 1e6) return seconds + fractionTicks / 1e6;
  return seconds + Math.round((fractionTicks * 1e6) / ticksPerSecond) / 1e6;
}

/** A 64-bit tick count (high, low 32-bit words) → seconds since the epoch. */
export function ticksToSeconds(high: number, low: number, res: TickResolution): number {
  if (high < 0x200000) {
    // Below 2^53 the count is exact as a double (microsecond counts until the year 2255).
    const ticks = high * 4294967296 + low;
    const whole = Math.floor(ticks / res.ticksPerSecond);
    return secondsFrom(whole, ticks - whole * res.ticksPerSecond, res.ticksPerSecond);
  }
  if (res.pow2 > 0 && high < res.maxHigh) {
    // hi * 2^(32-a) + (lo >> a) is exact below 2^53: divide that by the odd part exactly.
    const lowRest = low % res.lowScale;
    const shifted = high * res.highScale + (low - lowRest) / res.lowScale;
    const whole = Math.floor(shifted / res.odd);
    const fraction = (shifted - whole * res.odd) * res.lowScale + lowRest;
    return secondsFrom(whole, fraction, res.ticksPerSecond);
  }
  const ticks = high * 4294967296 + low;
  const whole = Math.floor(ticks / res.ticksPerSecond);
  return secondsFrom(whole, ticks - whole * res.ticksPerSecond, res.ticksPerSecond);
}
