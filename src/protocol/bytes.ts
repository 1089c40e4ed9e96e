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
