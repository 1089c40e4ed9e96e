// Byte helpers shared by every layer. Layer rule: protocol/ — pure.

/** One new array holding the pieces in order; `total` saves a pass when the caller knows it. */
export function concatBytes(pieces: readonly Uint8Array[], total = sumLengths(pieces)): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

function sumLengths(pieces: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}

/** A non-negative safe integer in decimal, written into `b` from `o`: the offset after it. */
export function putDecimal(b: Uint8Array, o: number, n: number): number {
  if (n < 10) {
    b[o] = 0x30 + n;
    return o + 1;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  let v = n;
  for (let i = digits - 1; i >= 0; i--) {
    const q = Math.floor(v / 10);
    b[o + i] = 0x30 + (v - q * 10);
    v = q;
  }
  return o + digits;
}
