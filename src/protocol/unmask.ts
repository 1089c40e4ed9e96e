// XOR masking of RFC 6455 §5.3: transformed-octet-i = original-octet-i XOR key[i mod 4].
// The same operation masks and unmasks. Layer rule: protocol/ — pure.

/**
 * Writes `length` bytes of src (from srcStart) XOR the key into out[0..length), where the
 * first byte is payload byte number `payloadIndex` (so the key phase continues across chunks).
 */
export function unmaskInto(
  out: Uint8Array, src: Uint8Array, srcStart: number, length: number,
  key: Uint8Array, payloadIndex: number,
): void {
  const phase = payloadIndex & 3;
  const k0 = key[phase];
  const k1 = key[(phase + 1) & 3];
  const k2 = key[(phase + 2) & 3];
  const k3 = key[(phase + 3) & 3];
  const whole = length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    const s = srcStart + i;
    out[i] = src[s] ^ k0;
    out[i + 1] = src[s + 1] ^ k1;
    out[i + 2] = src[s + 2] ^ k2;
    out[i + 3] = src[s + 3] ^ k3;
  }
  for (; i < length; i++) out[i] = src[srcStart + i] ^ key[(phase + i) & 3];
}

/** Returns a masked (or unmasked) copy of `data` with `key`, starting at key phase 0. */
export function applyMask(data: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  unmaskInto(out, data, 0, data.length, key, 0);
  return out;
}
