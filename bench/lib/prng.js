// Seeded pseudo-random numbers (mulberry32) so every benchmark input is the same byte for
// byte on every run and machine; Math.random would make runs incomparable.
// Layer rule: bench/ — test tooling, imports nothing of ours.

export class Prng {
  /** @param {number} seed any 32-bit integer */
  constructor(seed) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  u32() {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float() {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  between(lo, hi) {
    return lo + (this.u32() % (hi - lo + 1));
  }

  /** Fills buf[start, start+length) with random bytes. */
  fill(buf, start, length) {
    const end = start + length;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const r = this.u32();
      buf[i] = r;
      buf[i + 1] = r >>> 8;
      buf[i + 2] = r >>> 16;
      buf[i + 3] = r >>> 24;
    }
    for (; i < end; i++) buf[i] = this.u32();
  }
}
