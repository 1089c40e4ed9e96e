// Test-only frame builder: writes frames exactly as specified, including ones that break
// the rules (non-minimal lengths, bogus 64-bit lengths, reserved opcodes), so decoder tests
// and property tests can state the wire bytes they mean.
import { encodeRawFrame } from '../../src/protocol/frame-encoder.js';

export interface FrameSpec {
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  opcode?: number;
  /** 4-byte masking key; omit for an unmasked frame. */
  maskingKey?: Uint8Array | number[];
  payload?: Uint8Array | string;
  /** Force a length form (for non-minimal encodings); default is minimal. */
  lengthEncoding?: 7 | 16 | 64;
  /** Override the declared length (for truncated or lying frames). */
  declaredLength?: number | bigint;
}

/** The frame as specified, through the project's encoder without its rule checks. */
export function buildFrame(spec: FrameSpec): Uint8Array {
  const payload =
    typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const bytes = encodeRawFrame({
    ...spec,
    opcode: spec.opcode ?? 1,
    payload,
    mask: spec.maskingKey === undefined ? false : Uint8Array.from(spec.maskingKey),
  });
  return new Uint8Array(bytes); // a copy with its own ArrayBuffer, not a view of Buffer's pool
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Deterministic PRNG (mulberry32) for seeded random splits. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into chunks: at every cut position given. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}

/** Chunkings to test invariance: whole, every single split point, every byte alone, seeded random. */
export function chunkings(bytes: Uint8Array, seeds = 5): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes]];
  const limit = Math.min(bytes.length, 300);
  for (let cut = 1; cut < limit; cut++) out.push(splitAt(bytes, [cut]));
  if (bytes.length <= 4096) out.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  for (let s = 1; s <= seeds; s++) {
    const rnd = seededRandom(s);
    const cuts = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * bytes.length));
    out.push(splitAt(bytes, cuts));
  }
  return out;
}
