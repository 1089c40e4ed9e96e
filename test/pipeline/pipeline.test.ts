// The pipeline's wiring: the keep limit is the largest need of its consumers (a consumer that
// wants whole payloads gets them beside a printer that shows a few bytes), and stages run in
// their places: stream stages before the session stage, views after it, recorders first.
import { describe, expect, it } from 'vitest';
import type { EventConsumer } from '../../src/pipeline/consumer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { FrameEvent, InspectEvent, StreamEvent } from '../../src/session/events.js';
import { buildFrame } from '../helpers/frame-builder.js';

const PAYLOAD = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
const STREAM: StreamEvent[] = [
  { kind: 'open', conn: 1, endpoints: { client: 'a:1', server: 'b:2' }, time: 1, detectedBy: 'heuristic' },
  { kind: 'data', conn: 1, dir: 's2c', bytes: buildFrame({ opcode: 2, payload: PAYLOAD }), time: 2 },
  { kind: 'end', conn: 1, reason: 'tcp-fin', time: 3 },
];

function collecting(keepPayload: number): EventConsumer & { events: InspectEvent[] } {
  const events: InspectEvent[] = [];
  return { keepPayload, events, event: (ev) => events.push(ev) };
}

const frameOf = (events: InspectEvent[]): FrameEvent => events.find((e): e is FrameEvent => e.type === 'frame')!;

describe('Pipeline', () => {
  it('keeps the largest payload prefix any consumer asks for', () => {
    const shows8 = collecting(9);
    const alone = new Pipeline({ consumers: [shows8] });
    for (const ev of STREAM) alone.stream(ev);
    expect(alone.keepPayload).toBe(9);
    expect(frameOf(shows8.events).frame.payload).toHaveLength(9);
    expect(frameOf(shows8.events).frame.payloadLength).toBe(1000);

    for (const first of [true, false]) {
      const whole = collecting(Infinity);
      const printer = collecting(9);
      const both = new Pipeline({ consumers: first ? [whole, printer] : [printer, whole] });
      for (const ev of STREAM) both.stream(ev);
      expect(both.keepPayload).toBe(Infinity);
      expect(frameOf(whole.events).frame.payload).toEqual(PAYLOAD);
    }
  });

  it('runs recorders first, stream stages before the session stage, views after it', () => {
    const order: string[] = [];
    const out = collecting(0);
    const pipeline = new Pipeline({
      consumers: [out],
      recorders: [{ stream: (ev) => order.push(`record ${ev.kind}`) }],
      tls: { connect: (next) => (ev) => (order.push(`tls ${ev.kind}`), next(ev)) },
      streamStages: [{ connect: (next) => (ev) => (order.push(`stage ${ev.kind}`), next(ev)) }],
      views: [
        {
          connect: (next) => (ev) => {
            order.push(`view ${ev.type}`);
            next(ev);
          },
        },
      ],
    });
    pipeline.stream(STREAM[0]);
    expect(order).toEqual(['record open', 'tls open', 'stage open', 'view connection']);
    expect(out.events.map((e) => e.type)).toEqual(['connection']);
  });

  it('decoded events of a message-only source skip frame decoding but pass the views', () => {
    const seen: string[] = [];
    const out = collecting(0);
    const pipeline = new Pipeline({
      consumers: [out],
      views: [{ connect: (next) => (ev) => (seen.push(ev.type), next(ev)) }],
    });
    pipeline.message({ type: 'connection', conn: 7, time: 5, client: 'a', server: 'b', detectedBy: 'handshake' });
    expect(seen).toEqual(['connection']);
    expect(out.events).toHaveLength(1);
    expect(pipeline.lastTime).toBe(5);
  });
});
