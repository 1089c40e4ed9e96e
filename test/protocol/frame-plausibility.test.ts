import { describe, expect, it } from 'vitest';
import { FrameChainScanner } from '../../src/protocol/frame-chain-scanner.js';
import {
  findFrameBoundary,
  findFrameStart,
  measureFrameChain,
  nextFrameOfRun,
  plausibleFrameLength,
} from '../../src/protocol/frame-plausibility.js';
import { buildFrame, concatBytes } from '../helpers/frame-builder.js';
import { LENGTH_FORMS, lengthHeader } from '../helpers/length-forms.js';

describe('findFrameStart', () => {
  const frames = concatBytes(
    buildFrame({ payload: 'first' }),
    buildFrame({ opcode: 2, payload: new Uint8Array(300) }),
    buildFrame({ opcode: 9, payload: 'p' }),
  );

  it('finds the first frame after junk, confirmed by the next header', () => {
    const junk = new TextEncoder().encode('tail of a lost frame');
    expect(findFrameStart(concatBytes(junk, frames), 0, { masked: false, allowRsv1: false })).toEqual({
      offset: junk.length,
      chain: 2,
    });
  });

  it("respects the direction's mask bit", () => {
    const masked = buildFrame({ payload: 'x', maskingKey: [1, 2, 3, 4] });
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(
      0,
    );
    expect(findFrameStart(concatBytes(masked, masked), 0, { masked: true, allowRsv1: false })?.offset).toBe(0);
  });

  it('rejects reserved opcodes, RSV2/3, long or fragmented control frames', () => {
    for (const first of ['83 00', 'a1 00', '89 7e 00 7e', '09 00']) {
      const bytes = concatBytes(Uint8Array.from(first.split(' ').map((h) => parseInt(h, 16))), new Uint8Array(126));
      expect(findFrameStart(bytes, 0, { masked: false, allowRsv1: false })?.offset ?? -1).not.toBe(0);
    }
  });
});

describe('plausibleFrameLength', () => {
  const opts = { masked: null, allowRsv1: false };
  it.each([0, 5, 125, 126, 65535, 65536, 70000, 200000, 16 * 1024 * 1024, 2 ** 32 + 7])(
    'reads a %i-byte payload in its minimal length form',
    (n) => {
      const head = buildFrame({ opcode: 2, payload: new Uint8Array(Math.min(n, 16)), declaredLength: n }).subarray(
        0,
        n < 126 ? 2 : n < 65536 ? 4 : 10,
      );
      expect(plausibleFrameLength(head, 0, opts)).toBe(head.length + n);
    },
  );

  it('also with a masking key after a 64-bit length', () => {
    const head = buildFrame({
      opcode: 2,
      payload: new Uint8Array(0),
      declaredLength: 1 << 20,
      maskingKey: [1, 2, 3, 4],
    }).subarray(0, 14);
    expect(plausibleFrameLength(head, 0, { masked: true, allowRsv1: false })).toBe(14 + (1 << 20));
  });

  it('rejects non-minimal lengths and 64-bit lengths with the top bits set', () => {
    expect(plausibleFrameLength(buildFrame({ payload: 'x', lengthEncoding: 16 }), 0, opts)).toBe(-1);
    expect(plausibleFrameLength(buildFrame({ payload: 'x', lengthEncoding: 64 }), 0, opts)).toBe(-1);
    expect(plausibleFrameLength(Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 1, 0, 0), 0, opts)).toBe(-1);
  });
});

describe('plausibleFrameLength: only the minimal length form at each boundary (RFC 6455 §5.2)', () => {
  it.each(LENGTH_FORMS.map((f) => [f.length, f.encoding, f.mustUse ?? 'minimal', f] as const))(
    'length %i in the %i-bit form: %s',
    (_n, _e, _m, form) => {
      for (const masked of [false, true]) {
        const head = Uint8Array.from([...lengthHeader(form, masked), ...(masked ? [1, 2, 3, 4] : [])]);
        expect(plausibleFrameLength(head, 0, { masked: null, allowRsv1: false })).toBe(
          form.mustUse === null ? head.length + form.length : -1,
        );
      }
    },
  );
});

// One set of rules for every frame-boundary search: the session's resync after lost data
// (findFrameStart, 'confirmed'), detection judging a window ('to-end') and the streaming
// FrameChainScanner. Each rule is checked on all three, so breaking it anywhere fails here.
describe('the rules every frame-boundary search shares', () => {
  const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
  const server = { masked: false, allowRsv1: false } as const;
  /** Where each search puts the first boundary in `bytes` (-1: none). */
  function boundaries(bytes: Uint8Array, minFrames = 2): { resync: number; window: number; stream: number } {
    const scanner = new FrameChainScanner(false, 0, Number.MAX_SAFE_INTEGER);
    scanner.scan(bytes, bytes.length, 0);
    return {
      resync: findFrameStart(bytes, 0, server, minFrames)?.offset ?? -1,
      window: findFrameBoundary(bytes, 0, { ...server, minFrames, until: 'to-end' })?.offset ?? -1,
      stream: scanner.best(minFrames)?.start ?? -1,
    };
  }
  const everywhere = (offset: number) => ({ resync: offset, window: offset, stream: offset });

  // payload bytes 0x33 (RSV2/RSV3 set) never read as a header, so each boundary is unambiguous
  it('a run of good frames is a boundary for every search', () => {
    expect(boundaries(hex('81 03 333333 89 00 82 03 333333'))).toEqual(everywhere(0));
  });

  it('rule 1: a header a peer never sends (here a reserved opcode) is no frame', () => {
    expect(boundaries(hex('83 03 333333 81 03 333333 82 03 333333'))).toEqual(everywhere(5));
    // inside a run as well as at its start
    expect(boundaries(hex('81 03 333333 83 03 333333 81 03 333333 82 03 333333'))).toEqual(everywhere(10));
  });

  it("rule 2: a run keeps one mask bit, and the direction's when known", () => {
    const maskedText = hex('81 83 33333333 333333');
    expect(boundaries(concatBytes(maskedText, hex('81 03 333333 82 03 333333')))).toEqual(everywhere(9));
    const inside = concatBytes(hex('81 03 333333'), maskedText, hex('81 03 333333 82 03 333333'));
    expect(boundaries(inside)).toEqual(everywhere(14));
    const learnt = measureFrameChain(concatBytes(hex('81 03 333333'), maskedText), 0, null, false);
    expect(learnt).toMatchObject({ frames: 1, masked: false, reachesEnd: false });
  });

  it('rule 3: fragment order — a continuation needs an open message, a new message none', () => {
    // text (FIN) then a continuation: not a run; the continuation alone starts one
    expect(boundaries(hex('81 03 333333 80 03 333333 81 03 333333'))).toEqual(everywhere(5));
    // text without FIN then a new text: not a run
    expect(boundaries(hex('01 03 333333 81 03 333333 81 03 333333'))).toEqual(everywhere(5));
    expect(boundaries(hex('01 03 333333 80 03 333333 81 03 333333'))).toEqual(everywhere(0));
  });

  it('rule 4: no run starts with an empty fragment, none holds two in a row (zero bytes are no frames)', () => {
    expect(boundaries(new Uint8Array(64))).toEqual(everywhere(-1));
    expect(boundaries(hex('00 00 80 03 333333 81 03 333333'))).toEqual(everywhere(2));
    const tail = '80 03 333333 81 03 333333 82 03 333333';
    expect(boundaries(hex(`01 03 333333 00 00 00 00 ${tail}`), 3)).toEqual(everywhere(9));
    expect(boundaries(hex(`01 03 333333 00 00 ${tail}`), 3)).toEqual(everywhere(0));
  });

  it('rule 5: no frame longer than the search allows', () => {
    const long = concatBytes(hex('82 7e 01 00'), new Uint8Array(256), hex('81 01 61 82 02 0102'));
    const scanner = new FrameChainScanner(false, 0, 100);
    scanner.scan(long, long.length, 0);
    expect(scanner.best(2)?.start).not.toBe(0);
    expect(nextFrameOfRun(long, 0, server, { fragmentOpen: null, emptyFragment: false }, 100)).toBe(-1);
    expect(nextFrameOfRun(long, 0, server, { fragmentOpen: null, emptyFragment: false }, 260)).toBe(260);
  });

  it('resync confirms with fewer frames when the last runs off the bytes, unless implausibly long', () => {
    const open = concatBytes(hex('82 7e 01 00'), new Uint8Array(10));
    expect(findFrameStart(open, 0, server)?.offset).toBe(0);
    expect(findFrameStart(open, 0, { ...server, maxUnconfirmedLength: 100 })).toBeNull();
    expect(findFrameBoundary(open, 0, { ...server, minFrames: 2, until: 'to-end' })).toBeNull();
  });
});
