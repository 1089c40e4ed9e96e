// RFC 6455 §8.1 (text must be UTF-8) and §5.5.1 (so must a close reason), checked with the
// Table 3-7 classes and the Autobahn testsuite 6.x tables: in the MessageAssembler directly,
// then through the session decoder as `wsinspect hex` runs it, from a server (unmasked) and a
// client (masked). Whole messages and messages cut into two frames at every split point
// report the start of the ill-formed sequence, on the frame where it becomes ill-formed.
import { deflateRawSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { InspectEvent } from '../../src/session/events.js';
import { assemble } from '../helpers/assemble.js';
import { buildFrame, concatBytes, hex } from '../helpers/frame-builder.js';
import { ofType, runHex } from '../helpers/session-run.js';
import { ALL_UTF8_CASES, AUTOBAHN_6_4, utf8Oracle, type Utf8Case } from '../helpers/utf8-cases.js';

interface WithDiagnostics {
  readonly diagnostics: readonly { code: string; message: string }[];
}

/** The offsets named by the UTF-8 diagnostics of one code ("offset 12)" at the end of the message). */
function offsets(e: WithDiagnostics, code = 'message.text.invalid-utf8'): number[] {
  return e.diagnostics
    .filter((d) => d.code === code)
    .map((d) => {
      const m = /offset (-?\d+)\)$/.exec(d.message);
      return m === null ? NaN : Number(m[1]);
    });
}

const expected = (c: Utf8Case): number[] => (c.invalidAt === null ? [] : [c.invalidAt]);
const decoded = (b: Uint8Array) => new TextDecoder().decode(b);

/** permessage-deflate body (RFC 7692 §7.2.1: sync flush, 00 00 ff ff removed). */
function deflated(b: Uint8Array): Uint8Array {
  const out = deflateRawSync(b, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

const cases = ALL_UTF8_CASES.map((c) => [c.id, c] as const);

describe('MessageAssembler: text messages (RFC 6455 §8.1)', () => {
  it.each(cases)('%s in one frame, plain and compressed', (_id, c) => {
    const plain = assemble([buildFrame({ payload: c.bytes })]);
    expect(plain.messages).toHaveLength(1);
    expect(offsets(plain.messages[0])).toEqual(expected(c));
    expect(offsets(plain.frames[0])).toEqual(expected(c));
    expect(plain.frames[0].text).toBe(decoded(c.bytes));

    const compressed = assemble([buildFrame({ rsv1: true, payload: deflated(c.bytes) })], { deflate: true });
    expect(Buffer.from(compressed.messages[0].data).equals(Buffer.from(c.bytes))).toBe(true);
    expect(offsets(compressed.messages[0])).toEqual(expected(c));
  });

  it.each(cases)('%s in two frames, at every split point', (_id, c) => {
    const failAt = utf8Oracle(c.bytes)?.failAt ?? -1;
    for (let k = 0; k <= c.bytes.length; k++) {
      const { frames, messages } = assemble([
        buildFrame({ fin: false, payload: c.bytes.subarray(0, k) }),
        buildFrame({ opcode: 0, payload: c.bytes.subarray(k) }),
      ]);
      expect([messages.length, messages[0].complete, messages[0].frames]).toEqual([1, true, 2]);
      expect(offsets(messages[0])).toEqual(expected(c));
      // reported once, on the frame that holds the byte that makes the text ill-formed
      const where = failAt < 0 ? [[], []] : failAt < k ? [expected(c), []] : [[], expected(c)];
      expect(frames.map((f) => offsets(f))).toEqual(where);
      expect(messages[0].text).toBe(decoded(c.bytes));

      // compressed, the deflate stream cut at the same place: checked once inflated
      const z = deflated(c.bytes);
      const cut = Math.min(k, z.length);
      const inflated = assemble(
        [
          buildFrame({ fin: false, rsv1: true, payload: z.subarray(0, cut) }),
          buildFrame({ opcode: 0, payload: z.subarray(cut) }),
        ],
        { deflate: true },
      );
      expect(offsets(inflated.messages[0])).toEqual(expected(c));
      expect(offsets(inflated.frames[1])).toEqual(expected(c));
    }
  });

  it.each(cases)('%s cut off by the end of the input: only what is there is judged', (_id, c) => {
    // the frame declares 3 more bytes than arrive: a sequence cut off by the end is no error yet
    const oracle = utf8Oracle(c.bytes);
    const want = oracle === null || oracle.failAt === c.bytes.length ? [] : [oracle.offset];
    const wire = buildFrame({ payload: c.bytes, declaredLength: c.bytes.length + 3 });
    const truncated = assemble([wire]);
    expect(truncated.messages[0].complete).toBe(false);
    expect(offsets(truncated.messages[0])).toEqual(want);
    const open = assemble([buildFrame({ fin: false, payload: c.bytes })]);
    expect(open.messages[0].complete).toBe(false);
    expect(offsets(open.messages[0])).toEqual(want);
  });
});

/** Text frames as `wsinspect hex` sees them: unmasked from the server, masked from the client. */
function session(payloads: Uint8Array[], from: 'server' | 'client', chunks?: number[]): InspectEvent[] {
  const key = from === 'client' ? [0x37, 0xfa, 0x21, 0x3d] : undefined;
  const wire = concatBytes(
    ...payloads.map((p, i) =>
      buildFrame({ fin: i === payloads.length - 1, opcode: i === 0 ? 1 : 0, payload: p, maskingKey: key }),
    ),
  );
  if (chunks === undefined) return runHex(wire);
  const at = [0, ...chunks, wire.length];
  return runHex(wire, { chunks: at.slice(1).map((end, i) => wire.subarray(at[i], end)) });
}

describe.each(['server', 'client'] as const)('session from the %s: text and close reasons', (from) => {
  const dir = from === 'server' ? 's2c' : 'c2s';

  it.each(cases)('%s', (_id, c) => {
    const [whole] = ofType(session([c.bytes], from), 'message');
    expect([whole.dir, whole.frames, offsets(whole)]).toEqual([dir, 1, expected(c)]);
    const failAt = utf8Oracle(c.bytes)?.failAt ?? -1;
    for (let k = 0; k <= c.bytes.length; k++) {
      const events = session([c.bytes.subarray(0, k), c.bytes.subarray(k)], from);
      const [message] = ofType(events, 'message');
      expect([message.frames, offsets(message)]).toEqual([2, expected(c)]);
      const where = failAt < 0 ? [[], []] : failAt < k ? [expected(c), []] : [[], expected(c)];
      expect(ofType(events, 'frame').map((f) => offsets(f))).toEqual(where);
    }
    // a close reason: 1000, then the bytes
    const body = concatBytes(Uint8Array.of(0x03, 0xe8), c.bytes);
    const key = from === 'client' ? [1, 2, 3, 4] : undefined;
    const [close] = ofType(runHex(buildFrame({ opcode: 8, payload: body, maskingKey: key })), 'frame');
    expect(close.dir).toBe(dir);
    expect(offsets(close, 'close.reason.invalid-utf8')).toEqual(expected(c));
    expect(close.close).toEqual({
      code: 1000,
      codeName: 'Normal Closure',
      reason: c.bytes.length === 0 ? null : decoded(c.bytes),
    });
  });

  it('Autobahn 6.3.2: the 6.3.1 payload one octet per frame fails on the frame of A0, at offset 11', () => {
    const payload = ALL_UTF8_CASES.find((c) => c.id === '6.3.1')!.bytes;
    const events = session(
      Array.from(payload, (_, i) => payload.subarray(i, i + 1)),
      from,
    );
    const frames = ofType(events, 'frame');
    expect(frames.map((f, i) => [i, offsets(f)]).filter(([, o]) => (o as number[]).length > 0)).toEqual([[12, [11]]]);
    expect(offsets(ofType(events, 'message')[0])).toEqual([11]);
  });

  it('Autobahn 6.4.1/6.4.2: the fragment with F4 90 is flagged (fail fast), offset 11', () => {
    const { part1, part2, part3, invalidAt } = AUTOBAHN_6_4;
    const e1 = session([part1, part2, part3], from);
    expect(ofType(e1, 'frame').map((f) => offsets(f))).toEqual([[], [invalidAt], []]);
    const whole = concatBytes(part1, part2, part3);
    const e2 = session([whole.subarray(0, 12), whole.subarray(12, 13), whole.subarray(13)], from);
    expect(ofType(e2, 'frame').map((f) => offsets(f))).toEqual([[], [invalidAt], []]);
    expect(offsets(ofType(e2, 'message')[0])).toEqual([invalidAt]);
  });

  it('Autobahn 6.4.3/6.4.4: one frame arriving in three chops, offset 11', () => {
    const { part1, part2, part3, invalidAt } = AUTOBAHN_6_4;
    const payload = concatBytes(part1, part2, part3);
    const head = from === 'server' ? 2 : 6;
    for (const cuts of [
      [head + 11, head + 15],
      [head + 12, head + 13],
    ]) {
      const events = session([payload], from, cuts);
      expect(ofType(events, 'frame').map((f) => offsets(f))).toEqual([[invalidAt]]);
    }
  });
});

describe('the diagnostics say which byte', () => {
  it('c0 af: the hex example from the issue', () => {
    const [frame] = ofType(runHex('81 03 41 c0 af'), 'frame');
    expect(frame.diagnostics.map((d) => d.message)).toEqual([
      'text message is not valid UTF-8 (first invalid byte at offset 1)',
    ]);
    const [close] = ofType(runHex('88 04 03 e8 c0 af'), 'frame');
    expect(close.diagnostics.map((d) => d.message)).toEqual([
      'close reason is not valid UTF-8 (first invalid byte at reason offset 0)',
    ]);
    expect(offsets(ofType(runHex(hex('01 02 41 c0 80 01 af')), 'message')[0])).toEqual([1]);
  });
});
