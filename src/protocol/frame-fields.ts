// The frame header as a declarative table (RFC 6455 §5.2): each field's name, width, meaning
// of its values, the rule it must satisfy and where the RFC says so; plus the layout of one
// decoded frame (bit offsets and values) and the re-encoding of its header bytes. The bit
// diagram, field table and annotated hex dump are all driven from here.
// Layer rule: protocol/ — pure data and functions, imports nothing outside protocol/.
import { opcodeName, type Frame } from './frame.js';
import { frameHeaderBytes } from './frame-encoder.js';

export type FrameFieldKey =
  | 'fin'
  | 'rsv1'
  | 'rsv2'
  | 'rsv3'
  | 'opcode'
  | 'mask'
  | 'payloadLen'
  | 'extendedPayloadLength'
  | 'maskingKey'
  | 'payload';

/** A field's value: a number (bits, opcode, 7/16-bit length), a bigint (64-bit length) or bytes. */
export type FrameFieldValue = number | bigint | Uint8Array;

export interface FrameFieldSpec {
  readonly key: FrameFieldKey;
  readonly name: string;
  /** Width in bits, or 'variable' when it depends on the frame (extended length, payload). */
  readonly bits: number | 'variable';
  /** What a value of this field means, in words. */
  readonly meaning: (value: FrameFieldValue) => string;
  /** The rule the field must satisfy. */
  readonly rule: string;
  readonly rfc: string;
}

const bit = (v: FrameFieldValue): number => Number(v) & 1;

const rsvSpec = (n: 1 | 2 | 3, extra: string): FrameFieldSpec => ({
  key: `rsv${n}`,
  name: `RSV${n}`,
  bits: 1,
  meaning: (v) => (bit(v) === 1 ? `set: meaning defined by a negotiated extension${extra}` : 'clear'),
  rule:
    'must be 0 unless a negotiated extension defines a meaning for it' +
    (n === 1 ? ' (permessage-deflate: set on the first frame of a compressed message, RFC 7692 §6)' : ''),
  rfc: 'RFC 6455 §5.2',
});

export const FRAME_FIELDS: readonly FrameFieldSpec[] = [
  {
    key: 'fin',
    name: 'FIN',
    bits: 1,
    meaning: (v) => (bit(v) === 1 ? 'final fragment of the message' : 'more fragments follow'),
    rule: 'must be 1 on control frames (control frames are never fragmented, §5.5); 0 on all but the last frame of a fragmented message (§5.4)',
    rfc: 'RFC 6455 §5.2',
  },
  rsvSpec(1, ' (permessage-deflate: compressed)'),
  rsvSpec(2, ''),
  rsvSpec(3, ''),
  {
    key: 'opcode',
    name: 'opcode',
    bits: 4,
    meaning: (v) => opcodeMeaning(Number(v)),
    rule: '0x0 continuation, 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong; 0x3–0x7 and 0xB–0xF are reserved and must not be used',
    rfc: 'RFC 6455 §5.2',
  },
  {
    key: 'mask',
    name: 'MASK',
    bits: 1,
    meaning: (v) => (bit(v) === 1 ? 'payload is masked (masking key follows)' : 'payload is not masked'),
    rule:
      'must be 1 on every client-to-server frame and 0 on every server-to-client frame; clients mask with a ' +
      'key the page cannot predict so that script-chosen bytes never cross the wire as they were written: ' +
      'an intermediary that misreads the stream as HTTP cannot be fed a forged response to cache (§10.3)',
    rfc: 'RFC 6455 §5.1',
  },
  {
    key: 'payloadLen',
    name: 'Payload len',
    bits: 7,
    meaning: (v) => payloadLenMeaning(Number(v)),
    rule: '0–125 is the length; 126 means a 16-bit length follows, 127 a 64-bit one; the minimal form must be used; control frames are at most 125 bytes (§5.5)',
    rfc: 'RFC 6455 §5.2',
  },
  {
    key: 'extendedPayloadLength',
    name: 'Extended payload length',
    bits: 'variable',
    meaning: (v) => `payload length: ${String(v)} bytes`,
    rule: '16-bit form only for lengths 126–65535, 64-bit form only above 65535; the most significant bit of the 64-bit form must be 0 (network byte order)',
    rfc: 'RFC 6455 §5.2',
  },
  {
    key: 'maskingKey',
    name: 'Masking-key',
    bits: 32,
    meaning: () => 'XORed with the payload: data[i] = masked[i] ⊕ key[i mod 4]',
    rule: 'present exactly when MASK is 1; the client must pick a fresh, unpredictable key for every frame',
    rfc: 'RFC 6455 §5.3',
  },
  {
    key: 'payload',
    name: 'Payload data',
    bits: 'variable',
    meaning: () => 'extension data + application data',
    rule: 'exactly the declared length; text messages must be valid UTF-8 once reassembled (§8.1); a close body is empty or a 2-byte code plus UTF-8 reason (§5.5.1)',
    rfc: 'RFC 6455 §5.2',
  },
];

const SPEC_BY_KEY = new Map<FrameFieldKey, FrameFieldSpec>(FRAME_FIELDS.map((f) => [f.key, f]));

export function frameFieldSpec(key: FrameFieldKey): FrameFieldSpec {
  return SPEC_BY_KEY.get(key) as FrameFieldSpec;
}

export function opcodeMeaning(opcode: number): string {
  const name = opcodeName(opcode);
  if (name !== 'reserved') return `${name} frame`;
  return opcode < 0x8 ? 'reserved (non-control) opcode' : 'reserved control opcode';
}

function payloadLenMeaning(len7: number): string {
  if (len7 === 126) return '126: a 16-bit extended payload length follows';
  if (len7 === 127) return '127: a 64-bit extended payload length follows';
  return `payload length: ${len7} bytes`;
}

/** One present field of one frame: where it sits and what it holds. */
export interface FrameFieldSlot {
  readonly spec: FrameFieldSpec;
  readonly key: FrameFieldKey;
  /** Bit offset from the frame's first bit (bit 0 is the most significant bit of byte 0). */
  readonly bitOffset: number;
  /** Width in bits (for a payload beyond 2^50 bytes only approximate: use declaredLength). */
  readonly bitLength: number;
  /** Header fields: the number/bigint read; masking key: its 4 bytes; payload: the unmasked bytes kept. */
  readonly value: FrameFieldValue;
  /** The value as usually written: "1", "0x1", "126", "0x37fa213d", "5 bytes". */
  readonly valueText: string;
  /** The value's meaning: "final fragment of the message", "text frame"... */
  readonly meaning: string;
  /** valueText and meaning together: "0x1 text frame". */
  readonly valueName: string;
  /** The field's bits as '0'/'1' (header fields; empty for the payload). */
  readonly binary: string;
}

/** The 7-bit Payload len as written for the frame's length encoding. */
export function payloadLen7(frame: Frame): number {
  if (frame.lengthEncoding === 16) return 126;
  if (frame.lengthEncoding === 64) return 127;
  return frame.payloadLength;
}

/** The declared length exactly, as a bigint (the 64-bit form may exceed 2^53). */
export function declaredLength(frame: Frame): bigint {
  return frame.payloadLengthBig ?? BigInt(frame.payloadLength);
}

/** `value` as `width` binary digits, most significant first. */
export function bitString(value: number | bigint, width: number): string {
  return value.toString(2).padStart(width, '0');
}

function keyBits(key: Uint8Array): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += bitString(key[i], 8);
  return s;
}

function keyHex(key: Uint8Array): string {
  let s = '0x';
  for (let i = 0; i < key.length; i++) s += key[i].toString(16).padStart(2, '0');
  return s;
}

function slot(
  key: FrameFieldKey,
  bitOffset: number,
  bitLength: number,
  value: FrameFieldValue,
  valueText: string,
  binary: string,
): FrameFieldSlot {
  const spec = frameFieldSpec(key);
  const meaning = spec.meaning(value);
  return { spec, key, bitOffset, bitLength, value, valueText, meaning, valueName: `${valueText} ${meaning}`, binary };
}

function flag(key: FrameFieldKey, offset: number, on: boolean): FrameFieldSlot {
  const v = on ? 1 : 0;
  return slot(key, offset, 1, v, String(v), String(v));
}

/** The fields present in `frame`, in wire order, with bit positions and values (RFC 6455 §5.2). */
export function frameFieldLayout(frame: Frame): FrameFieldSlot[] {
  const len7 = payloadLen7(frame);
  const fields: FrameFieldSlot[] = [
    flag('fin', 0, frame.fin),
    flag('rsv1', 1, frame.rsv1),
    flag('rsv2', 2, frame.rsv2),
    flag('rsv3', 3, frame.rsv3),
    slot('opcode', 4, 4, frame.opcode, '0x' + frame.opcode.toString(16), bitString(frame.opcode, 4)),
    flag('mask', 8, frame.masked),
    slot('payloadLen', 9, 7, len7, String(len7), bitString(len7, 7)),
  ];
  let offset = 16;
  if (frame.lengthEncoding !== 7) {
    const width = frame.lengthEncoding;
    const value = width === 64 ? declaredLength(frame) : frame.payloadLength;
    fields.push(slot('extendedPayloadLength', offset, width, value, String(value), bitString(value, width)));
    offset += width;
  }
  if (frame.masked && frame.maskingKey !== null) {
    const key = frame.maskingKey;
    fields.push(slot('maskingKey', offset, 32, key, keyHex(key), keyBits(key)));
    offset += 32;
  }
  fields.push(payloadSlot(frame, offset));
  return fields;
}

/** The payload field: its value is the bytes kept, its text the declared length. */
function payloadSlot(frame: Frame, offset: number): FrameFieldSlot {
  const declared = declaredLength(frame);
  const p = slot('payload', offset, frame.payloadLength * 8, frame.payload, `${declared} bytes`, '');
  if (BigInt(frame.payload.length) >= declared) return p;
  const meaning = `${p.meaning} (${frame.payload.length} of ${declared} bytes present)`;
  return { ...p, meaning, valueName: `${p.valueText} ${meaning}` };
}

/** Header length implied by the fields (2 + 0/2/8 + 0/4 bytes). */
export function encodedHeaderLength(frame: Frame): number {
  const ext = frame.lengthEncoding === 16 ? 2 : frame.lengthEncoding === 64 ? 8 : 0;
  return 2 + ext + (frame.masked && frame.maskingKey !== null ? 4 : 0);
}

/**
 * The header bytes of `frame` re-encoded from its fields, exactly as they were on the wire:
 * the non-minimal length forms and a set MSB of the 64-bit length are kept as decoded.
 */
export function encodeFrameHeader(frame: Frame): Uint8Array {
  const key = frame.masked && frame.maskingKey !== null ? frame.maskingKey.subarray(0, 4) : null;
  return frameHeaderBytes({ ...frame, maskingKey: key, payloadLength: declaredLength(frame) });
}

/**
 * The first `max` payload bytes as they were on the wire: the kept (unmasked) payload XORed
 * with the masking key again (RFC 6455 §5.3 — masking is its own inverse).
 */
export function wirePayload(frame: Frame, max: number = frame.payload.length): Uint8Array {
  const n = Math.min(max, frame.payload.length);
  const out = frame.payload.slice(0, n);
  const key = frame.masked ? frame.maskingKey : null;
  if (key !== null) for (let i = 0; i < n; i++) out[i] ^= key[i & 3];
  return out;
}
