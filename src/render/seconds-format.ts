// Timestamps as text, once per frame line or JSON object: whole microseconds written from a
// digit table instead of toFixed/String on a double (each costs more than the rest of a line).
// Layer rule: render/ — pure string building.

/** Three digits for 0–999, built once: microseconds are written as two of them. */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Beyond this (about year 2255) or below 0 the plain number conversions are used. */
const FAST_LIMIT = 9e9;

/** Seconds with six decimals, exactly as seconds.toFixed(6) prints them. */
export class SecondsFormat {
  private whole = -1;
  private wholeText = '';

  format(seconds: number): string {
    if (!(seconds >= 0 && seconds < FAST_LIMIT)) return seconds.toFixed(6);
    const scaled = seconds * 1e6;
    const micros = Math.round(scaled);
    // Near a tie the product's own rounding may decide differently from toFixed, which
    // rounds the exact binary value: let toFixed decide those (1e-15: a few units in the last place).
    if (Math.abs(Math.abs(scaled - micros) - 0.5) <= scaled * 1e-15 + 1e-12) return seconds.toFixed(6);
    const whole = Math.floor(micros / 1e6);
    // consecutive lines mostly share the whole-second part
    if (whole !== this.whole) {
      this.whole = whole;
      this.wholeText = String(whole) + '.';
    }
    const frac = micros - whole * 1e6;
    const ms = Math.floor(frac / 1000);
    return this.wholeText + DIGITS3[ms] + DIGITS3[frac - ms * 1000];
  }
}

/**
 * Below 2^33 s (year 2242) doubles are less than 1e-6 apart, so each whole microsecond has a
 * double of its own and the shortest form of micros / 1e6 is its six digits without trailing
 * zeros. Above it two microsecond values can share a double, whose shortest form may be either.
 */
const JSON_FAST_LIMIT = 2 ** 33;

/**
 * A timestamp as a JSON number with microsecond precision, exactly as
 * String(Math.round(time * 1e6) / 1e6) prints it (no trailing zeros).
 */
export function jsonSeconds(time: number): string {
  if (!(time >= 0 && time < JSON_FAST_LIMIT)) return String(Math.round(time * 1e6) / 1e6);
  const micros = Math.round(time * 1e6);
  const whole = Math.floor(micros / 1e6);
  const frac = micros - whole * 1e6;
  if (frac === 0) return String(whole);
  const ms = Math.floor(frac / 1000);
  const digits = DIGITS3[ms] + DIGITS3[frac - ms * 1000];
  let end = 6;
  while (digits.charCodeAt(end - 1) === 0x30) end--;
  return String(whole) + '.' + (end === 6 ? digits : digits.slice(0, end));
}
