// The Socket.IO view's byte path (EVENT and ACK packets read without JSON.parse, their summary
// written as bytes) against the general path, on random conversations: random namespaces, ack
// ids (leading zeros, huge), JSON arguments of every kind (escapes, non-ASCII, controls, big and
// odd numbers, deep nesting, long strings cut at 200 characters) and mutated bytes. A space put
// right after the arguments' '[' sends the same packet the general way (compact() drops it);
// whenever the byte path took a packet, every unit must be equal, summary bytes included, and
// whichever path took it, the diagnostics must be the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appJsonFields } from '../../src/render/app-view.js';
import type { AppItem, MessageEvent } from '../../src/session/events.js';
import { socketIoView } from '../../src/views/socketio-view.js';
import { messageMaker } from './view-messages.js';

interface Packet {
  /** The packet as sent. */
  readonly text: string;
  /** Where the arguments' JSON starts (its '['), or -1 when a mutation cut it away. */
  readonly json: number;
  readonly dir: 'c2s' | 's2c';
}

const nsChar = fc.constantFrom(...'abcXYZ09-_.~é\\/ \u007f%'.split(''));
const namespace = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ unit: nsChar, minLength: 1, maxLength: 6 }).map((s) => `/${s},`) },
);
const ackId = fc.oneof(
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.nat({ max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('007', '0', '9007199254740993', '123456789012345678901234567890') },
);
const strChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'ab yz09{}[]:,"\\/'.split('')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\n', '\t', '\u0000', '\u001b', '\u007f', 'é', '€', '😀', '\u2028', '\u200b'),
  },
);
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: strChar, maxLength: 12 }),
    fc.string({ unit: strChar, minLength: 190, maxLength: 260 }),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(true, false, null, 12345678901234567, 1e21, -0, 0.1),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: strChar, maxLength: 5 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;
/** What most apps send, and what the byte path reads: printable ASCII, no escapes, integers. */
const plainValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: fc.constantFrom(...'abc xyz019-_{}[]:,'.split('')), maxLength: 12 }),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.constantFrom(true, false, null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ unit: fc.constantFrom('a', 'b', 'k'), maxLength: 3 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;
/** Raw JSON text too: numbers JSON.stringify never writes, and texts that are not JSON. */
const rawArg = fc.oneof(
  { weight: 6, arbitrary: plainValue.map((v) => JSON.stringify(v)) },
  { weight: 4, arbitrary: jsonValue.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.constantFrom('1.50', '-0', '1E+2', '12345678901234567890', '"\\u00e9"', '"\\ud83d"') },
  { weight: 1, arbitrary: fc.constantFrom('01', '+1', '.5', "'x'", 'undefined', '"a', '[1,]', '{"a"}', 'nul', '"\t"') },
);
const packet: fc.Arbitrary<Packet> = fc
  .record({
    ack: fc.boolean(),
    namespace,
    ackId,
    event: fc
      .oneof(
        { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...'abcz09 -_:'.split('')), maxLength: 10 }) },
        { weight: 1, arbitrary: fc.string({ unit: strChar, maxLength: 10 }) },
      )
      .map((s) => JSON.stringify(s)),
    eventRaw: fc.option(rawArg, { freq: 6 }),
    args: fc.oneof(
      fc.array(
        plainValue.map((v) => JSON.stringify(v)),
        { maxLength: 4 },
      ),
      fc.array(rawArg, { maxLength: 4 }),
    ),
    dir: fc.constantFrom('c2s' as const, 's2c' as const),
    mutation: fc.option(fc.record({ at: fc.nat(), cut: fc.boolean(), byte: fc.integer({ min: 0, max: 127 }) }), {
      freq: 4,
    }),
  })
  .map((r) => {
    const head = `4${r.ack ? 3 : 2}${r.namespace}${r.ackId}`;
    const items = r.ack ? r.args : [r.eventRaw ?? r.event, ...r.args];
    let text = `${head}[${items.join(',')}]`;
    let json = head.length;
    if (r.mutation !== null) {
      const at = r.mutation.at % (text.length + 1);
      text = r.mutation.cut
        ? text.slice(0, at)
        : text.slice(0, at) + String.fromCharCode(r.mutation.byte) + text.slice(at);
      if (at <= json) json = -1; // the '[' moved or went: no general twin to build
    }
    return { text, json, dir: r.dir };
  });

interface Unit {
  readonly item: AppItem | undefined;
  readonly pair: unknown;
  readonly diagnostics: string[];
}

function units(texts: readonly (readonly [string, 'c2s' | 's2c'])[]): Unit[] {
  const view = socketIoView({ conn: 1, path: '/socket.io/?EIO=4&transport=websocket', strict: true });
  const make = messageMaker();
  return texts.map(([text, dir], i) => {
    const d = view.decode({ ...make(text, dir, i), text: undefined } as MessageEvent);
    return { item: d.app?.items[0], pair: d.pair, diagnostics: d.diagnostics.map((x) => x.code) };
  });
}

function summaryBytes(item: AppItem): string | null {
  if (item.writeSummary === undefined) return null;
  const out = new Uint8Array(item.summaryRoom!);
  const end = item.writeSummary(out, 0);
  return end < 0 ? null : new TextDecoder().decode(out.subarray(0, end));
}

describe('Socket.IO byte path on random packets', () => {
  it('says what the general path says', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 12 }), (packets) => {
        const kept = packets.filter((p) => p.json >= 0);
        if (kept.length === 0) return;
        const fast = units(kept.map((p) => [p.text, p.dir] as const));
        const general = units(kept.map((p) => [p.text.slice(0, p.json + 1) + ' ' + p.text.slice(p.json + 1), p.dir]));
        for (let i = 0; i < kept.length; i++) {
          const f = fast[i];
          const g = general[i];
          const label = JSON.stringify(kept.slice(0, i + 1).map((p) => p.text));
          expect(g.item?.writeSummary, label).toBeUndefined();
          expect(f.diagnostics, label).toEqual(g.diagnostics);
          if (f.item === undefined || f.item.writeSummary === undefined) continue;
          taken++;
          expect(g.item, label).toBeDefined();
          expect(f.item.summary, label).toBe(g.item!.summary);
          expect(appJsonFields({ protocol: 'socket.io', items: [f.item] }, undefined, 100), label).toBe(
            appJsonFields({ protocol: 'socket.io', items: [g.item!] }, undefined, 100),
          );
          expect([f.item.kind, f.item.request, f.item.awaits, f.item.error, f.item.pair], label).toEqual([
            g.item!.kind,
            g.item!.request,
            g.item!.awaits,
            g.item!.error,
            g.item!.pair,
          ]);
          expect(f.pair, label).toEqual(g.pair);
          const bytes = summaryBytes(f.item);
          if (bytes !== null) expect(bytes, label).toBe(f.item.summary);
        }
      }),
      { numRuns: 1000 },
    );
    // the byte path must really have been exercised, not declined every time
    expect(taken).toBeGreaterThan(400);
  });
});
