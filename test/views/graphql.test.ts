// The GraphQL over WebSocket view on real graphql-ws 6.4.2 + graphql 17.1.0 traffic
// (fixtures/views/make-views.sh): chosen by the sub-protocol, operations named, every result
// paired with its subscribe, an id used twice and the server's 4409/4401 closes named; and
// the legacy graphql-ws protocol on messages written from its document.
import { describe, expect, it } from 'vitest';
import { graphqlView } from '../../src/views/graphql-view.js';
import { itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('graphql-transport-ws on the real fixture', () => {
  it('is chosen by Sec-WebSocket-Protocol on each of the five connections', async () => {
    const notes = (await jsonEvents('graphql.pcap')).filter((e) => e.code === 'app.view.selected');
    expect(notes.map((n) => n.message)).toEqual(
      Array(5).fill('view graphql-transport-ws (Sec-WebSocket-Protocol: graphql-transport-ws)'),
    );
  });

  it('names the operations and pairs every result with its subscribe', async () => {
    const events = await jsonEvents('graphql.pcap');
    const items = itemsOf(events);
    const subscribes = items.filter((i) => i.kind === 'subscribe');
    expect(subscribes.map((s) => s.operationName ?? null)).toEqual([
      'Hello',
      'Countdown',
      'Invalid',
      'Broken',
      null,
      null,
      null,
    ]);
    const countdown = items.filter((i) => i.conn === 2 && i.message.pair !== undefined);
    expect(countdown.map((i) => [i.kind, (i.payload as { data?: unknown } | undefined)?.data ?? null])).toEqual([
      ['next', { countdown: 3 }],
      ['next', { countdown: 2 }],
      ['next', { countdown: 1 }],
      ['complete', null],
    ]);
    const sub = subscribes[1].message;
    for (const r of countdown)
      expect(r.message.pair).toEqual({
        conn: 2,
        index: sub.firstFrame,
        latencyMs: Math.round(((r.message.ts as number) - (sub.ts as number)) * 1e6) / 1e3,
        request: 'subscription Countdown',
      });
    const error = items.find((i) => i.kind === 'error')!;
    expect(error.message.pair).toMatchObject({ request: 'query Invalid' });
  });

  it('reports the reused id, and names the close codes the server sent', async () => {
    const events = await jsonEvents('graphql.pcap');
    const reused = events.filter(
      (e) => e.type === 'message' && (e.diagnostics as { code: string }[]).some((d) => d.code === 'graphql.id.reused'),
    );
    expect(reused.map((e) => e.conn)).toEqual([4]);
    const closes = events.filter(
      (e) => e.type === 'frame' && e.closeCode !== undefined && (e.closeCode as number) >= 4400,
    );
    expect(closes.map((c) => [c.conn, c.closeCode, c.closeCodeName])).toEqual([
      [4, 4409, 'graphql-transport-ws: Subscriber for this id already exists'],
      [4, 4409, 'graphql-transport-ws: Subscriber for this id already exists'],
      [5, 4401, 'graphql-transport-ws: Unauthorized'],
      [5, 4401, 'graphql-transport-ws: Unauthorized'],
    ]);
  });

  it('folds ping/pong keep-alives', () => {
    const view = graphqlView('graphql-transport-ws', { conn: 1, path: null, strict: true });
    const ping = view.decode(messageMaker()('{"type":"ping"}', 's2c'));
    expect(ping.app?.items[0]).toMatchObject({ kind: 'ping', heartbeat: true });
  });
});

describe('legacy graphql-ws (subscriptions-transport-ws)', () => {
  it('start → data… → complete pairs by id; data for an unknown id is graphql.id.unknown', () => {
    const view = graphqlView('graphql-ws', { conn: 1, path: null, strict: true });
    const m = messageMaker();
    const out = [
      m('{"type":"connection_init","payload":{}}', 'c2s', 0),
      m('{"type":"connection_ack"}', 's2c', 0.001),
      m('{"type":"ka"}', 's2c', 0.002),
      m('{"id":"1","type":"start","payload":{"query":"subscription OnMsg { msg }","variables":{}}}', 'c2s', 0.01),
      m('{"id":"1","type":"data","payload":{"data":{"msg":"a"}}}', 's2c', 0.02),
      m('{"id":"9","type":"data","payload":{"data":{"msg":"b"}}}', 's2c', 0.03),
      m('{"id":"1","type":"stop"}', 'c2s', 0.04),
      m('{"id":"1","type":"complete"}', 's2c', 0.05),
      m('{"type":"subscribe","id":"2"}', 'c2s', 0.06),
    ].map((msg) => view.decode(msg));
    expect(out[2].app?.items[0].heartbeat).toBe(true);
    expect(out[3].app?.items[0]).toMatchObject({
      kind: 'start',
      request: 'subscription OnMsg',
      fields: { operationName: 'OnMsg' },
    });
    expect(out[4].pair).toEqual({ conn: 1, index: 4, latencyMs: 10, request: 'subscription OnMsg' });
    expect(out[5].diagnostics.map((d) => d.code)).toEqual(['graphql.id.unknown']);
    expect(out[7].diagnostics.map((d) => d.code)).toEqual(['graphql.id.unknown']);
    expect(out[8].diagnostics.map((d) => d.code)).toEqual(['graphql.message.malformed']);
    expect(view.closeName?.(4400)).toBeNull();
  });
});
