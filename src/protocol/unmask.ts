// XOR masking of RFC 6455 §5.3: transformed-octet-i = original-octet-i XOR key[i mod 4].
// The same operation masks and unmasks. Long runs go through a 147-byte WebAssembly SIMD
// kernel (16 bytes per XOR), short ones through a JS 32-bit word loop.
// Layer rule: protocol/ — pure (the kernel is compiled once, synchronously, from inline bytes).

/** Below this many bytes a byte loop beats copying and setting up a 32-bit view. */
const WORD_PATH_MIN = 32;
/** From this many bytes the SIMD kernel's two copies cost less than the JS word loop. */
const SIMD_PATH_MIN = 128;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes `length` bytes of src (from srcStart) XOR the key into out[outStart..outStart+length),
 * where the first byte is payload byte number `payloadIndex` (so the key phase continues
 * across chunks).
 */
export function unmaskInto(
  out: Uint8Array,
  src: Uint8Array,
  srcStart: number,
  length: number,
  key: Uint8Array,
  payloadIndex: number,
  outStart = 0,
): void {
  const phase = payloadIndex & 3;
  if (length < WORD_PATH_MIN) {
    for (let i = 0; i < length; i++) out[outStart + i] = src[srcStart + i] ^ key[(phase + i) & 3];
  } else if (length >= SIMD_PATH_MIN && simd !== null) {
    unmaskSimd(simd, out, src, srcStart, length, key, phase, outStart);
  } else {
    unmaskWords(out, src, srcStart, length, key, phase, outStart);
  }
}

/** Copy (memcpy), then XOR in place a 32-bit word at a time: faster than a byte loop in V8 (figures: bench/README.md). */
function unmaskWords(
  out: Uint8Array,
  src: Uint8Array,
  srcStart: number,
  length: number,
  key: Uint8Array,
  phase: number,
  outStart: number,
): void {
  // a plain view: src.subarray on a Buffer goes through Buffer's slower species path
  out.set(new Uint8Array(src.buffer, src.byteOffset + srcStart, length), outStart);
  const base = out.byteOffset + outStart;
  const head = (4 - (base & 3)) & 3;
  for (let i = 0; i < head; i++) out[outStart + i] ^= key[(phase + i) & 3];
  const words = (length - head) >>> 2;
  const word = keyWord(key, (phase + head) & 3, LITTLE_ENDIAN);
  const view = new Int32Array(out.buffer, base + head, words);
  // unrolled: V8 keeps the bounds checks per access, but fewer loop tests still gain (bench/README.md)
  let i = 0;
  for (; i + 4 <= words; i += 4) {
    view[i] ^= word;
    view[i + 1] ^= word;
    view[i + 2] ^= word;
    view[i + 3] ^= word;
  }
  for (; i < words; i++) view[i] ^= word;
  for (let j = head + words * 4; j < length; j++) out[outStart + j] ^= key[(phase + j) & 3];
}

/**
 * The WebAssembly kernel works only on its own memory: each block is copied in, XORed 16
 * bytes at a time, and copied out. Two memcpys and a SIMD pass still cost less than the JS
 * word loop from SIMD_PATH_MIN bytes up (figures: bench/README.md).
 */
function unmaskSimd(
  k: SimdKernel,
  out: Uint8Array,
  src: Uint8Array,
  srcStart: number,
  length: number,
  key: Uint8Array,
  phase: number,
  outStart: number,
): void {
  // blocks are multiples of 4 bytes, so every block starts at the same key phase
  const word = keyWord(key, phase, true);
  const mem = k.memory;
  for (let done = 0; done < length; done += SIMD_BLOCK) {
    const n = Math.min(SIMD_BLOCK, length - done);
    mem.set(new Uint8Array(src.buffer, src.byteOffset + srcStart + done, n), 0);
    // the kernel XORs whole 64-byte strides; the bytes past n are scratch
    k.xor(0, (n + 63) & ~63, word);
    out.set(new Uint8Array(mem.buffer, 0, n), outStart + done);
  }
}

/** The key rotated to start at `phase`, as one 32-bit word in the given byte order. */
function keyWord(key: Uint8Array, phase: number, littleEndian: boolean): number {
  const k0 = key[phase];
  const k1 = key[(phase + 1) & 3];
  const k2 = key[(phase + 2) & 3];
  const k3 = key[(phase + 3) & 3];
  return littleEndian ? k0 | (k1 << 8) | (k2 << 16) | (k3 << 24) : (k0 << 24) | (k1 << 16) | (k2 << 8) | k3;
}

/** Returns a masked (or unmasked) copy of `data` with `key`, starting at key phase 0. */
export function applyMask(data: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  unmaskInto(out, data, 0, data.length, key, 0);
  return out;
}

interface SimdKernel {
  readonly memory: Uint8Array;
  readonly xor: (at: number, length: number, word: number) => void;
}

/** One 64 KiB wasm page: the kernel's whole memory and the largest block. */
const SIMD_BLOCK = 65536;

/**
 * The kernel, as the WebAssembly binary format spells it (one line per construct):
 * (func (export "x") (param $p i32) (param $n i32) (param $k i32)
 *   $v = i32x4.splat($k); $e = $p + $n
 *   loop: while $p < $e: 4 × (v128.store at $p+o (v128.xor (v128.load at $p+o) $v)), o = 0,16,32,48; $p += 64)
 * with (memory (export "m") 1). Wasm memory is little-endian on every platform.
 */
const XOR_AT = (offset: number): number[] => [
  0x20,
  0x00,
  0x20,
  0x00,
  0xfd,
  0x00,
  0x04,
  offset, // local.get $p; local.get $p; v128.load align=16 offset
  0x20,
  0x03,
  0xfd,
  0x51, //                           local.get $v; v128.xor
  0xfd,
  0x0b,
  0x04,
  offset, //                         v128.store align=16 offset
];
const BODY = [
  0x02,
  0x01,
  0x7b,
  0x01,
  0x7f, //                     locals: $v v128, $e i32
  0x20,
  0x02,
  0xfd,
  0x11,
  0x21,
  0x03, //               $v = i32x4.splat($k)
  0x20,
  0x00,
  0x20,
  0x01,
  0x6a,
  0x21,
  0x04, //         $e = $p + $n
  0x02,
  0x40,
  0x03,
  0x40, //                           block, loop
  0x20,
  0x00,
  0x20,
  0x04,
  0x4f,
  0x0d,
  0x01, //         br_if (exit) $p >= $e (unsigned)
  ...XOR_AT(0x00),
  ...XOR_AT(0x10),
  ...XOR_AT(0x20),
  ...XOR_AT(0x30),
  0x20,
  0x00,
  0x41,
  0xc0,
  0x00,
  0x6a,
  0x21,
  0x00, //   $p += 64
  0x0c,
  0x00,
  0x0b,
  0x0b,
  0x0b, //                     br (loop); end loop, block, func
];
const KERNEL = Uint8Array.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, //   "\0asm", version 1
  0x01,
  0x07,
  0x01,
  0x60,
  0x03,
  0x7f,
  0x7f,
  0x7f,
  0x00, // type section: (i32, i32, i32) -> ()
  0x03,
  0x02,
  0x01,
  0x00, //                           function section: one function of that type
  0x05,
  0x03,
  0x01,
  0x00,
  0x01, //                     memory section: one memory of 1 page
  0x07,
  0x09,
  0x02,
  0x01,
  0x6d,
  0x02,
  0x00,
  0x01,
  0x78,
  0x00,
  0x00, // exports "m" (memory 0), "x" (func 0)
  0x0a,
  BODY.length + 2,
  0x01,
  BODY.length,
  ...BODY, // code section: one body
]);

/** The engine's WebAssembly global, as far as it is used here (lib ES2022 does not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { m: { buffer: ArrayBuffer }; x: SimdKernel['xor'] } };
};

function loadKernel(): SimdKernel | null {
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(KERNEL));
    return { memory: new Uint8Array(exports.m.buffer), xor: exports.x };
  } catch {
    // no WebAssembly SIMD on this engine or CPU: the JS word loop does all the work
    return null;
  }
}

const simd = loadKernel();

/** True when the WebAssembly kernel loaded (Node 16.4+ on any CPU: V8 lowers SIMD to scalar code where needed). */
export const SIMD_UNMASK = simd !== null;
