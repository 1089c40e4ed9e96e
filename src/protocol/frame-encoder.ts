// Frame encoding (RFC 6455 §5.2), the one place that writes frame headers: for the demo's
// peers, the debugger and replay, the test helpers and the hex dump's re-encoding. Checked
// frames follow the protocol's rules; raw frames may break them on purpose (reserved opcodes,
// long or fragmented control frames, non-minimal or lying lengths) but are always
// representable. Layer rule: protocol/ — pure (node:crypto for masking keys only).
import { randomFillSync } from 'node:crypto';
import { checkCloseCode } from './close-codes.js';
import { isControlOpcode, isReservedOpcode, Opcode, type LengthEncoding } from './frame.js';
import { unmaskInto } from './unmask.js';

/** RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;
/** RFC 6455 §5.5.1: a Close body is a 2-byte code and a reason, within the control limit. */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

export type FrameEncodeErrorCode =
  | 'encode.bad-opcode'
  | 'encode.reserved-opcode'
  | 'encode.control-too-long'
  | 'encode.control-fragmented'
  | 'encode.control-compressed'
  | 'encode.bad-masking-key'
  | 'encode.bad-length'
  | 'encode.bad-fragment-size'
  | 'encode.bad-close-code'
  | 'encode.bad-close-reason';

/** A frame or payload that cannot (or, for checked frames, must not) be written. */
export class FrameEncodeError extends Error {
  readonly code: FrameEncodeErrorCode;

  constructor(code: FrameEncodeErrorCode, message: string) {
    super(message);
    this.name = 'FrameEncodeError';
    this.code = code;
  }
}

/** The header fields exactly as they go on the wire. */
export interface FrameHeaderFields {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  /** 0–15. */
  readonly opcode: number;
  /** The MASK bit. */
  readonly masked: boolean;
  /** Written after the length when not null (4 bytes). */
  readonly maskingKey: Uint8Array | null;
  readonly lengthEncoding: LengthEncoding;
  /** The declared payload length; must fit the length form (the 64-bit form takes any 64-bit value). */
  readonly payloadLength: number | bigint;
}

/** The shortest length form for `length` bytes (RFC 6455 §5.2: "the minimal number of bytes MUST be used"). */
export function minimalLengthEncoding(length: number | bigint): LengthEncoding {
  return length < 126 ? 7 : length < 65536 ? 16 : 64;
}

/** Header bytes: 2, plus 2 or 8 for the extended length, plus 4 for a masking key. */
export function frameHeaderSize(lengthEncoding: LengthEncoding, withKey: boolean): number {
  return 2 + (lengthEncoding === 16 ? 2 : lengthEncoding === 64 ? 8 : 0) + (withKey ? 4 : 0);
}

const MAX_U64 = (1n << 64n) - 1n;

/**
 * Writes the header at out[at..] and returns the offset after it. Throws FrameEncodeError
 * only for what the header cannot represent: an opcode outside 0–15, a length that does
 * not fit its form, a key that is not 4 bytes. Protocol rules are the caller's business.
 */
export function writeFrameHeader(out: Uint8Array, at: number, h: FrameHeaderFields): number {
  checkOpcodeRange(h.opcode);
  const length = h.payloadLength;
  const big = typeof length === 'bigint';
  if (big ? length < 0n || length > MAX_U64 : !Number.isSafeInteger(length) || length < 0)
    throw new FrameEncodeError('encode.bad-length', `payload length ${length} is not a 64-bit unsigned integer`);
  if (h.lengthEncoding === 7 && length > 125)
    throw new FrameEncodeError('encode.bad-length', `payload length ${length} does not fit the 7-bit form (0–125)`);
  if (h.lengthEncoding === 16 && length > 0xffff)
    throw new FrameEncodeError('encode.bad-length', `payload length ${length} does not fit the 16-bit form`);
  if (h.maskingKey !== null) checkKey(h.maskingKey);
  out[at++] = (h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) | (h.rsv3 ? 0x10 : 0) | (h.opcode & 0x0f);
  const maskBit = h.masked ? 0x80 : 0;
  if (h.lengthEncoding === 7) {
    out[at++] = maskBit | Number(length);
  } else if (h.lengthEncoding === 16) {
    const n = Number(length);
    out[at++] = maskBit | 126;
    out[at++] = n >>> 8;
    out[at++] = n & 0xff;
  } else {
    out[at++] = maskBit | 127;
    if (big) {
      let rest = length;
      for (let i = 7; i >= 0; i--) {
        out[at + i] = Number(rest & 0xffn);
        rest >>= 8n;
      }
    } else {
      const high = Math.floor(length / 0x1_0000_0000);
      const low = length >>> 0;
      for (let i = 0; i < 4; i++) {
        out[at + 3 - i] = (high >>> (8 * i)) & 0xff;
        out[at + 7 - i] = (low >>> (8 * i)) & 0xff;
      }
    }
    at += 8;
  }
  if (h.maskingKey !== null) {
    out.set(h.maskingKey, at);
    at += 4;
  }
  return at;
}

/** The header alone, as bytes (see writeFrameHeader). */
export function frameHeaderBytes(h: FrameHeaderFields): Uint8Array {
  const out = new Uint8Array(frameHeaderSize(h.lengthEncoding, h.maskingKey !== null));
  writeFrameHeader(out, 0, h);
  return out;
}

export interface FrameSpec {
  readonly opcode: number;
  /** Plain (unmasked) payload; empty when absent. */
  readonly payload?: Uint8Array;
  /** Default true. */
  readonly fin?: boolean;
  readonly rsv1?: boolean;
  readonly rsv2?: boolean;
  readonly rsv3?: boolean;
  /**
   * Clients mask every frame, servers never do (RFC 6455 §5.1). false or absent: unmasked;
   * true: a fresh key from node:crypto (RFC 6455 §5.3); 4 bytes: that key.
   */
  readonly mask?: boolean | Uint8Array;
}

/** A frame written as asked, whatever the protocol says: for traffic that breaks rules on purpose. */
export interface RawFrameSpec extends FrameSpec {
  /** The length form; the minimal one by default. */
  readonly lengthEncoding?: LengthEncoding;
  /** The length written in the header, when it should differ from the payload's (a lying frame). */
  readonly declaredLength?: number | bigint;
}

/**
 * The frame's wire bytes, after checking RFC 6455's rules for a frame on its own: a defined
 * opcode, control frames (§5.5) of at most 125 bytes, not fragmented, and not compressed
 * (RFC 7692 §6.1: RSV1 is for data messages). Throws FrameEncodeError with the rule broken.
 */
export function encodeFrame(spec: FrameSpec): Buffer {
  const problem = frameRuleViolation(spec);
  if (problem !== null) throw problem;
  return encodeRawFrame(spec);
}

/** What is wrong with `spec` as a frame on the wire, or null. */
export function frameRuleViolation(spec: FrameSpec): FrameEncodeError | null {
  const { opcode } = spec;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15)
    return new FrameEncodeError('encode.bad-opcode', `opcode ${opcode} is not a 4-bit value (0–15)`);
  if (isReservedOpcode(opcode))
    return new FrameEncodeError('encode.reserved-opcode', `opcode 0x${opcode.toString(16)} is reserved`);
  if (!isControlOpcode(opcode)) return null;
  const length = spec.payload?.length ?? 0;
  const name = controlName(opcode);
  if (length > MAX_CONTROL_PAYLOAD)
    return new FrameEncodeError(
      'encode.control-too-long',
      `a ${name} frame carries at most ${MAX_CONTROL_PAYLOAD} payload bytes, not ${length}`,
    );
  if (spec.fin === false)
    return new FrameEncodeError('encode.control-fragmented', `a ${name} frame cannot be fragmented: FIN must be set`);
  if (spec.rsv1 === true)
    return new FrameEncodeError(
      'encode.control-compressed',
      `a ${name} frame cannot be compressed: RSV1 must be clear`,
    );
  return null;
}

/** The frame's wire bytes as asked: no protocol rule is checked, only what the header can represent. */
export function encodeRawFrame(spec: RawFrameSpec): Buffer {
  const payload = spec.payload ?? EMPTY;
  const key = maskingKeyOf(spec.mask);
  const declared = spec.declaredLength ?? payload.length;
  const lengthEncoding = spec.lengthEncoding ?? minimalLengthEncoding(declared);
  const headerSize = frameHeaderSize(lengthEncoding, key !== null);
  checkOpcodeRange(spec.opcode);
  const out = Buffer.allocUnsafe(headerSize + payload.length);
  writeFrameHeader(out, 0, {
    fin: spec.fin ?? true,
    rsv1: spec.rsv1 ?? false,
    rsv2: spec.rsv2 ?? false,
    rsv3: spec.rsv3 ?? false,
    opcode: spec.opcode,
    masked: key !== null,
    maskingKey: key,
    lengthEncoding,
    payloadLength: declared,
  });
  if (key === null) out.set(payload, headerSize);
  else unmaskInto(out, payload, 0, payload.length, key, 0, headerSize);
  return out;
}

export interface FragmentOptions {
  /**
   * The most payload bytes per frame (default: the whole message in one frame), or the
   * payload size of each frame in turn (the last frame takes what is left; sizes past the
   * end of the message are ignored).
   */
  readonly fragmentSize?: number | readonly number[];
  /** RSV1 on the first frame: the message is compressed (RFC 7692 §6.1). */
  readonly compressed?: boolean;
  /** As FrameSpec.mask, for every frame (true draws a fresh key per frame). */
  readonly mask?: boolean | Uint8Array;
}

/**
 * A data message as frames (RFC 6455 §5.4): the first carries the opcode (and RSV1 when
 * compressed), the rest are continuations, the last has FIN. An empty message is one frame.
 */
export function fragmentMessage(opcode: number, payload: Uint8Array, options: FragmentOptions = {}): FrameSpec[] {
  if (opcode !== Opcode.text && opcode !== Opcode.binary)
    throw new FrameEncodeError(
      isControlOpcode(opcode) ? 'encode.control-fragmented' : 'encode.bad-opcode',
      `only text and binary messages can be fragmented, not opcode 0x${opcode.toString(16)}`,
    );
  const sizes = options.fragmentSize ?? payload.length;
  const sizeAt = (i: number): number => (typeof sizes === 'number' ? sizes : (sizes[i] ?? payload.length));
  const frames: FrameSpec[] = [];
  let at = 0;
  do {
    const size = sizeAt(frames.length);
    if (!Number.isSafeInteger(size) || size < (typeof sizes === 'number' ? 1 : 0))
      throw new FrameEncodeError('encode.bad-fragment-size', `fragment size ${size} is not a usable byte count`);
    const end = Math.min(payload.length, at + size);
    frames.push({
      opcode: frames.length === 0 ? opcode : Opcode.continuation,
      payload: payload.subarray(at, end),
      fin: end === payload.length,
      rsv1: frames.length === 0 && options.compressed === true,
      mask: options.mask,
    });
    at = end;
  } while (at < payload.length);
  return frames;
}

/**
 * A Close frame's body (RFC 6455 §5.5.1): nothing, or a 2-byte status code followed by a
 * UTF-8 reason. The code must be one allowed on the wire (§7.4) and the reason well-formed
 * Unicode of at most 123 UTF-8 bytes; a reason needs a code.
 */
export function closePayload(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    if (reason !== '') throw new FrameEncodeError('encode.bad-close-reason', 'a close reason needs a status code');
    return Buffer.alloc(0);
  }
  if (!Number.isInteger(code) || code < 0 || code > 0xffff)
    throw new FrameEncodeError('encode.bad-close-code', `close code ${code} is not a 16-bit value`);
  const problem = checkCloseCode(code);
  if (problem !== null) throw new FrameEncodeError('encode.bad-close-code', problem.message);
  if (LONE_SURROGATE.test(reason))
    throw new FrameEncodeError(
      'encode.bad-close-reason',
      'the close reason has an unpaired surrogate: not valid UTF-8',
    );
  const bytes = Buffer.byteLength(reason, 'utf8');
  if (bytes > MAX_CLOSE_REASON_BYTES)
    throw new FrameEncodeError(
      'encode.bad-close-reason',
      `the close reason is ${bytes} UTF-8 bytes; at most ${MAX_CLOSE_REASON_BYTES} fit in a Close frame`,
    );
  const body = Buffer.allocUnsafe(2 + bytes);
  body.writeUInt16BE(code, 0);
  body.write(reason, 2, 'utf8');
  return body;
}

/** A fresh masking key from node:crypto, drawn from a pool refilled 1024 keys at a time. */
export function randomMaskingKey(): Uint8Array {
  if (keyPoolAt === KEY_POOL.length) {
    randomFillSync(KEY_POOL);
    keyPoolAt = 0;
  }
  const key = KEY_POOL.slice(keyPoolAt, keyPoolAt + 4);
  keyPoolAt += 4;
  return key;
}

const KEY_POOL = new Uint8Array(4096);
let keyPoolAt = KEY_POOL.length;
const EMPTY = new Uint8Array(0);
/** With the u flag a class of surrogates matches only unpaired ones (a pair is one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function maskingKeyOf(mask: boolean | Uint8Array | undefined): Uint8Array | null {
  if (mask === undefined || mask === false) return null;
  if (mask === true) return randomMaskingKey();
  checkKey(mask);
  return mask;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 4)
    throw new FrameEncodeError('encode.bad-masking-key', `a masking key is 4 bytes, not ${key.length}`);
}

function checkOpcodeRange(opcode: number): void {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15)
    throw new FrameEncodeError('encode.bad-opcode', `opcode ${opcode} is not a 4-bit value (0–15)`);
}

function controlName(opcode: number): string {
  return opcode === Opcode.close
    ? 'Close'
    : opcode === Opcode.ping
      ? 'Ping'
      : opcode === Opcode.pong
        ? 'Pong'
        : 'control';
}
