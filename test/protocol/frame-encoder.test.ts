// The frame encoder: exact wire bytes (RFC 6455 §5.7's examples), minimal length forms at
// every boundary, masking that our decoder undoes, control-frame rules, fragmentation and
// Close bodies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/protocol/decode-frames.js';
import {
  closePayload,
  encodeFrame,
  encodeRawFrame,
  FrameEncodeError,
  fragmentMessage,
  frameHeaderBytes,
  frameRuleViolation,
  randomMaskingKey,
  type FrameSpec,
} from '../../src/protocol/frame-encoder.js';
import { Opcode } from '../../src/protocol/frame.js';
import { toHex } from '../helpers/frame-builder.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

function decodeOne(bytes: Uint8Array) {
  const { frames, partial } = decodeFrames(bytes);
  expect(partial).toBeNull();
  expect(frames).toHaveLength(1);
  expect(frames[0].diagnostics).toEqual([]);
  return frames[0];
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(FrameEncodeError);
    return (error as FrameEncodeError).code;
  }
  throw new Error('did not throw');
}

describe('encodeFrame: the examples of RFC 6455 §5.7', () => {
  it('writes an unmasked text "Hello"', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.text, payload: text('Hello') }))).toBe('810548656c6c6f');
  });

  it('writes a masked text "Hello" with the given key', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.text, payload: text('Hello'), mask: KEY }))).toBe(
      '818537fa213d7f9f4d5158',
    );
  });

  it('writes the two fragments of "Hel" + "lo"', () => {
    const frames = fragmentMessage(Opcode.text, text('Hello'), { fragmentSize: [3] });
    expect(frames.map((f) => toHex(encodeFrame(f)))).toEqual(['010348656c', '80026c6f']);
  });

  it('writes a ping and its pong', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.ping, payload: text('Hello') }))).toBe('890548656c6c6f');
    expect(toHex(encodeFrame({ opcode: Opcode.pong, payload: text('Hello'), mask: KEY }))).toBe(
      '8a8537fa213d7f9f4d5158',
    );
  });

  it('writes 256 bytes with the 16-bit length and 64 KiB with the 64-bit one', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.binary, payload: new Uint8Array(256) }).subarray(0, 4))).toBe('827e0100');
    expect(toHex(encodeFrame({ opcode: Opcode.binary, payload: new Uint8Array(65536) }).subarray(0, 10))).toBe(
      '827f0000000000010000',
    );
  });
});

describe('encodeFrame: length forms and masking', () => {
  const cases: [number, string, number][] = [
    [0, '00', 2],
    [1, '01', 2],
    [125, '7d', 2],
    [126, '7e007e', 4],
    [65535, '7effff', 4],
    [65536, '7f0000000000010000', 10],
    [70000, '7f0000000000011170', 10],
  ];
  for (const [length, lengthHex, headerLength] of cases) {
    it(`uses the minimal form for ${length} bytes, and our decoder reads it back`, () => {
      const payload = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
      const plain = encodeFrame({ opcode: Opcode.binary, payload });
      expect(toHex(plain.subarray(1, headerLength))).toBe(lengthHex);
      expect(plain.length).toBe(headerLength + length);
      const masked = encodeFrame({ opcode: Opcode.binary, payload, mask: KEY });
      expect(masked[1] & 0x80).toBe(0x80);
      expect(masked.length).toBe(headerLength + 4 + length);
      for (const bytes of [plain, masked]) {
        const frame = decodeOne(bytes);
        expect(frame.payloadLength).toBe(length);
        expect(frame.headerLength).toBe(bytes.length - length);
        expect(Buffer.from(frame.payload).equals(Buffer.from(payload))).toBe(true);
      }
      expect(decodeOne(masked).maskingKey).toEqual(KEY);
    });
  }

  it('round-trips every field and any payload through our decoder, masked or not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Opcode.continuation, Opcode.text, Opcode.binary),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        fc.oneof(fc.constant(false), fc.constant(true), fc.uint8Array({ minLength: 4, maxLength: 4 })),
        (opcode, fin, rsv1, rsv2, rsv3, payload, mask) => {
          const spec: FrameSpec = { opcode, fin, rsv1, rsv2, rsv3, payload, mask };
          const bytes = encodeFrame(spec);
          const frame = decodeOne(bytes);
          expect({ ...frame, payload: [...frame.payload] }).toMatchObject({
            fin,
            rsv1,
            rsv2,
            rsv3,
            opcode,
            masked: mask !== false,
            payload: [...payload],
          });
          if (mask instanceof Uint8Array) expect(frame.maskingKey).toEqual(mask);
          // a masked frame's payload bytes on the wire are the plain bytes XOR the key
          if (frame.maskingKey !== null) {
            const wire = bytes.subarray(bytes.length - payload.length);
            wire.forEach((b, i) => expect(b ^ frame.maskingKey![i & 3]).toBe(payload[i]));
          }
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });

  it('draws a fresh masking key from node:crypto for every masked frame', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) keys.add(toHex(decodeOne(encodeFrame({ opcode: 1, mask: true })).maskingKey!));
    // 2000 draws of 32 random bits: a repeat has probability below 0.05%, a stuck pool gives 1 key
    expect(keys.size).toBeGreaterThan(1990);
    expect(randomMaskingKey()).toHaveLength(4);
  });
});

describe('encodeFrame: the rules for control frames (RFC 6455 §5.5)', () => {
  for (const opcode of [Opcode.close, Opcode.ping, Opcode.pong]) {
    it(`opcode ${opcode}: at most 125 bytes, FIN set, RSV1 clear`, () => {
      expect(encodeFrame({ opcode, payload: new Uint8Array(125) })).toHaveLength(127);
      expect(codeOf(() => encodeFrame({ opcode, payload: new Uint8Array(126) }))).toBe('encode.control-too-long');
      expect(codeOf(() => encodeFrame({ opcode, fin: false }))).toBe('encode.control-fragmented');
      expect(codeOf(() => encodeFrame({ opcode, rsv1: true }))).toBe('encode.control-compressed');
    });
  }

  it('explains the rule broken in one line', () => {
    expect(() => encodeFrame({ opcode: Opcode.ping, payload: new Uint8Array(200) })).toThrow(
      'a Ping frame carries at most 125 payload bytes, not 200',
    );
  });

  it('refuses reserved and impossible opcodes and keys that are not 4 bytes', () => {
    for (const opcode of [3, 7, 0xb, 0xf]) expect(codeOf(() => encodeFrame({ opcode }))).toBe('encode.reserved-opcode');
    for (const opcode of [16, -1, 1.5]) expect(codeOf(() => encodeFrame({ opcode }))).toBe('encode.bad-opcode');
    expect(codeOf(() => encodeFrame({ opcode: 1, mask: new Uint8Array(3) }))).toBe('encode.bad-masking-key');
    expect(frameRuleViolation({ opcode: 2, payload: new Uint8Array(1000) })).toBeNull();
  });

  it('data frames may be long, fragmented and compressed', () => {
    expect(() => encodeFrame({ opcode: 1, fin: false, rsv1: true, payload: new Uint8Array(200) })).not.toThrow();
  });
});

describe('encodeRawFrame: rules broken on purpose, within what the header can hold', () => {
  it('writes long, fragmented and compressed control frames and reserved opcodes', () => {
    const ping = decodeFrames(
      encodeRawFrame({ opcode: Opcode.ping, fin: false, rsv1: true, payload: new Uint8Array(126) }),
    ).frames[0];
    expect(ping).toMatchObject({ opcode: 9, fin: false, rsv1: true, payloadLength: 126 });
    expect(toHex(encodeRawFrame({ opcode: 0xb }))).toBe('8b00');
  });

  it('writes non-minimal and lying lengths', () => {
    expect(toHex(encodeRawFrame({ opcode: 1, payload: text('abc'), lengthEncoding: 16 }))).toBe('817e0003616263');
    expect(toHex(encodeRawFrame({ opcode: 1, payload: text('abc'), lengthEncoding: 64 }))).toBe(
      '817f0000000000000003616263',
    );
    expect(toHex(encodeRawFrame({ opcode: 2, declaredLength: 2n ** 63n + 1n }))).toBe('827f8000000000000001');
    expect(toHex(encodeRawFrame({ opcode: 2, payload: text('ab'), declaredLength: 10 }))).toBe('820a6162');
  });

  it('refuses what the header cannot represent', () => {
    expect(codeOf(() => encodeRawFrame({ opcode: 1, payload: new Uint8Array(126), lengthEncoding: 7 }))).toBe(
      'encode.bad-length',
    );
    expect(codeOf(() => encodeRawFrame({ opcode: 1, declaredLength: 65536, lengthEncoding: 16 }))).toBe(
      'encode.bad-length',
    );
    expect(codeOf(() => encodeRawFrame({ opcode: 1, declaredLength: 2n ** 64n }))).toBe('encode.bad-length');
    expect(codeOf(() => encodeRawFrame({ opcode: 1, declaredLength: -1 }))).toBe('encode.bad-length');
    expect(codeOf(() => encodeRawFrame({ opcode: 16 }))).toBe('encode.bad-opcode');
  });

  it('re-encodes a header from its fields', () => {
    const fields = { fin: true, rsv1: false, rsv2: true, rsv3: false, opcode: 2, masked: true } as const;
    expect(toHex(frameHeaderBytes({ ...fields, maskingKey: KEY, lengthEncoding: 16, payloadLength: 5 }))).toBe(
      'a2fe000537fa213d',
    );
    // the MASK bit without a key (a header cut before its key)
    expect(toHex(frameHeaderBytes({ ...fields, maskingKey: null, lengthEncoding: 7, payloadLength: 5 }))).toBe('a285');
  });
});

describe('fragmentMessage', () => {
  it('puts the opcode and RSV1 on the first frame and FIN on the last', () => {
    const frames = fragmentMessage(Opcode.binary, new Uint8Array(10), {
      fragmentSize: 4,
      compressed: true,
      mask: true,
    });
    expect(frames.map((f) => [f.opcode, f.fin, f.rsv1, f.payload!.length, f.mask])).toEqual([
      [2, false, true, 4, true],
      [0, false, false, 4, true],
      [0, true, false, 2, true],
    ]);
  });

  it('sends an empty message as one frame, and takes explicit sizes (empty fragments too)', () => {
    expect(fragmentMessage(Opcode.text, new Uint8Array(0), { fragmentSize: 3 })).toHaveLength(1);
    const frames = fragmentMessage(Opcode.text, text('abcdef'), { fragmentSize: [0, 2] });
    expect(frames.map((f) => Buffer.from(f.payload!).toString())).toEqual(['', 'ab', 'cdef']);
    expect(frames.map((f) => f.fin)).toEqual([false, false, true]);
  });

  it('refuses control messages and unusable sizes', () => {
    expect(codeOf(() => fragmentMessage(Opcode.ping, text('x')))).toBe('encode.control-fragmented');
    expect(codeOf(() => fragmentMessage(Opcode.text, text('x'), { fragmentSize: 0 }))).toBe('encode.bad-fragment-size');
  });

  it('frames decode back to the message, for any payload and fragment size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 1, max: 600 }), (payload, size) => {
        const wire = Buffer.concat(
          fragmentMessage(Opcode.binary, payload, { fragmentSize: size, mask: true }).map(encodeFrame),
        );
        const { frames } = decodeFrames(wire);
        expect(frames).toHaveLength(Math.max(1, Math.ceil(payload.length / size)));
        expect(frames.every((f, i) => f.fin === (i === frames.length - 1) && f.diagnostics.length === 0)).toBe(true);
        expect([...Buffer.concat(frames.map((f) => f.payload))]).toEqual([...payload]);
      }),
      { seed: 12, numRuns: 200 },
    );
  });
});

describe('closePayload (RFC 6455 §5.5.1, §7.4)', () => {
  it('writes the code big-endian and the reason in UTF-8', () => {
    expect(toHex(closePayload(1000, 'demo finished'))).toBe('03e8' + toHex(text('demo finished')));
    expect(toHex(closePayload(4999, 'é'))).toBe('1387c3a9');
    expect(closePayload()).toHaveLength(0);
    expect(toHex(closePayload(1001))).toBe('03e9');
  });

  it('fits a Close frame: 123 bytes of reason at most, counted in UTF-8', () => {
    expect(encodeFrame({ opcode: Opcode.close, payload: closePayload(1000, 'x'.repeat(123)) })).toHaveLength(127);
    expect(codeOf(() => closePayload(1000, 'x'.repeat(124)))).toBe('encode.bad-close-reason');
    expect(codeOf(() => closePayload(1000, 'é'.repeat(62)))).toBe('encode.bad-close-reason');
    expect(closePayload(1000, 'é'.repeat(61))).toHaveLength(124);
  });

  it('refuses codes not allowed on the wire, a reason without a code and unpaired surrogates', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 70000])
      expect(
        codeOf(() => closePayload(code)),
        String(code),
      ).toBe('encode.bad-close-code');
    expect(codeOf(() => closePayload(undefined, 'why'))).toBe('encode.bad-close-reason');
    expect(codeOf(() => closePayload(1000, 'a\ud800b'))).toBe('encode.bad-close-reason');
    expect(toHex(closePayload(1000, '\u{1f600}'))).toBe('03e8f09f9880');
  });
});
