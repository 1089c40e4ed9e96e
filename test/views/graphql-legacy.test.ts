// The legacy GraphQL over WebSocket protocol (sub-protocol graphql-ws) on real traffic of
// subscriptions-transport-ws 0.11.0 + graphql 15.10.1 (fixtures/gen/graphql-legacy.mjs, captured
// by fixtures/views/make-views.sh graphql-legacy): a query with variables, a subscription with
// three results, a query with a syntax error (an `error` message), a query whose resolver
// throws (`data` with errors), a subscription the client stops, a keep-alive, the terminate.
import { describe, expect, it } from 'vitest';
import type { InspectEvent, MessageEvent } from '../../src/session/events.js';
import { AppViewStage } from '../../src/views/view-stage.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

const FIXTURE = 'graphql-legacy.pcap';

describe('legacy graphql-ws on the real subscriptions-transport-ws fixture', () => {
  it('is chosen by Sec-WebSocket-Protocol: graphql-ws', async () => {
    const notes = (await jsonEvents(FIXTURE)).filter((e) => e.code === 'app.view.selected');
    expect(notes.map((n) => n.message)).toEqual(['view graphql-ws (Sec-WebSocket-Protocol: graphql-ws)']);
  });

  it('names every message, and every operation by its kind and name', async () => {
    const items = itemsOf(await jsonEvents(FIXTURE));
    expect(
      items.map((i) => `${i.message.dir as string} ${i.kind}${i.id === undefined ? '' : ` ${i.id as string}`}`),
    ).toEqual([
      'c2s connection_init',
      's2c connection_ack',
      's2c ka',
      'c2s start 1',
      's2c data 1',
      's2c complete 1',
      'c2s start 2',
      's2c data 2',
      's2c data 2',
      's2c data 2',
      's2c complete 2',
      'c2s start 3',
      's2c error 3',
      'c2s start 4',
      's2c data 4',
      's2c complete 4',
      'c2s start 5',
      's2c data 5',
      'c2s stop 5',
      'c2s connection_terminate',
    ]);
    expect(items.filter((i) => i.kind === 'start').map((i) => [i.operationName, i.summary])).toEqual([
      ['Hello', 'start id=1 query Hello {"name":"ws"}'],
      ['Countdown', 'start id=2 subscription Countdown'],
      ['Bad', 'start id=3 query Bad'],
      ['Broken', 'start id=4 query Broken'],
      ['Forever', 'start id=5 subscription Forever'],
    ]);
    expect(items.filter((i) => i.kind === 'data').map((i) => (i.payload as { data?: unknown }).data)).toEqual([
      { hello: 'hello ws' },
      { countdown: 3 },
      { countdown: 2 },
      { countdown: 1 },
      { broken: null },
      { forever: 1 },
    ]);
    const error = items.find((i) => i.kind === 'error')!;
    expect(error.summary).toMatch(
      /^error id=3 \(query Bad, [\d.]+ ms\) \{"message":"Syntax Error: Expected Name, found <EOF>\."\}$/,
    );
    // complete carries "payload":null: kept in the fields, not shown in the summary
    const complete = items.find((i) => i.kind === 'complete')!;
    expect(complete.payload).toBeNull();
    expect(complete.summary).toMatch(/^complete id=1 \(query Hello, [\d.]+ ms\)$/);
  });

  it('pairs every data, error and complete with its start; a stopped subscription is no orphan', async () => {
    const events = await jsonEvents(FIXTURE);
    const messages = events.filter((e) => e.type === 'message') as unknown as (MessageEvent & {
      ts: number;
      diagnostics: { code: string }[];
      pair?: { conn: number; index: number; latencyMs: number; request: string };
    })[];
    expect(messages.flatMap((m) => m.diagnostics.map((d) => d.code))).toEqual([]);
    expect(events.filter((e) => e.type === 'diagnostic').map((e) => e.code)).toEqual(['app.view.selected']);
    const starts = new Map(
      itemsOf(events)
        .filter((i) => i.kind === 'start')
        .map((i) => [i.id as string, i.message as unknown as { firstFrame: number; ts: number }]),
    );
    const answers = itemsOf(events).filter((i) => i.message.pair !== undefined);
    expect(answers.map((a) => [a.kind, a.id, (a.message.pair as { request: string }).request])).toEqual([
      ['data', '1', 'query Hello'],
      ['complete', '1', 'query Hello'],
      ['data', '2', 'subscription Countdown'],
      ['data', '2', 'subscription Countdown'],
      ['data', '2', 'subscription Countdown'],
      ['complete', '2', 'subscription Countdown'],
      ['error', '3', 'query Bad'],
      ['data', '4', 'query Broken'],
      ['complete', '4', 'query Broken'],
      ['data', '5', 'subscription Forever'],
    ]);
    for (const a of answers) {
      const start = starts.get(a.id as string)!;
      expect(a.message.pair).toEqual({
        conn: 1,
        index: start.firstFrame,
        latencyMs: Math.round(((a.message.ts as number) - start.ts) * 1e6) / 1e3,
        request: (a.message.pair as { request: string }).request,
      });
    }
  });

  it('lists one ↳ line per message, the keep-alive folded; --stats counts the failed operations', async () => {
    const listing = await readInProcess([fixture(FIXTURE), '-s', '--no-color']);
    expect(listing.error).toBeNull();
    const lines = listing.stdout.split('\n');
    const views = lines.filter((l) => l.includes(' ↳ ')).map((l) => l.slice(l.indexOf('↳ graphql-ws ') + 13));
    expect(views.map((v) => v.replace(/, [\d.]+ ms\)/, ', T ms)'))).toEqual([
      'connection_init {}',
      'connection_ack',
      'start id=1 query Hello {"name":"ws"}',
      'data id=1 (query Hello, T ms) {"data":{"hello":"hello ws"}}',
      'complete id=1 (query Hello, T ms)',
      'start id=2 subscription Countdown',
      'data id=2 (subscription Countdown, T ms) {"data":{"countdown":3}}',
      'data id=2 (subscription Countdown, T ms) {"data":{"countdown":2}}',
      'data id=2 (subscription Countdown, T ms) {"data":{"countdown":1}}',
      'complete id=2 (subscription Countdown, T ms)',
      'start id=3 query Bad',
      'error id=3 (query Bad, T ms) {"message":"Syntax Error: Expected Name, found <EOF>."}',
      'start id=4 query Broken',
      'data id=4 (query Broken, T ms) {"errors":[{"message":"resolver failed","locations":[{"line":1,"column":16}],"path":["broken"]}],"data":{"broken":null}}',
      'complete id=4 (query Broken, T ms)',
      'start id=5 subscription Forever',
      'data id=5 (subscription Forever, T ms) {"data":{"forever":1}}',
      'stop id=5',
      'connection_terminate',
    ]);
    expect(lines.find((l) => l.includes('connection 1 ended'))).toContain('1 keep-alive frame folded');
    const stats = await readInProcess([fixture(FIXTURE), '--stats', '--no-color']);
    const rows = stats.stdout
      .split('\n')
      .filter((l) => /^\s+(query|subscription) /.test(l))
      .map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(0, 3)
          .join(' | '),
      );
    expect(rows).toEqual([
      'query Hello | 1 | 0',
      'subscription Countdown | 1 | 0',
      'query Bad | 1 | 1',
      'query Broken | 1 | 1',
      'subscription Forever | 1 | 0',
    ]);
  });
});

describe('legacy graphql-ws without its handshake', () => {
  it('connection_init is a guess: a later legacy message (ka, start) moves the connection to graphql-ws', () => {
    const out: InspectEvent[] = [];
    const enter = new AppViewStage('auto').connect((e) => out.push(e));
    const m = messageMaker();
    for (const [text, dir] of [
      ['{"type":"connection_init","payload":{}}', 'c2s'],
      ['{"type":"connection_ack"}', 's2c'],
      ['{"type":"ka"}', 's2c'],
      ['{"id":"1","type":"start","payload":{"query":"query Q { a }"}}', 'c2s'],
      ['{"type":"data","id":"1","payload":{"data":{"a":1}}}', 's2c'],
    ] as const)
      enter(m(text, dir));
    const notes = out
      .filter((e) => e.type === 'diagnostic')
      .map((e) => (e.type === 'diagnostic' ? e.diagnostic.message : ''));
    expect(notes).toEqual([
      'view graphql-transport-ws (message of type "connection_init")',
      'view graphql-ws (message of type "ka")',
    ]);
    const messages = out.filter((e): e is MessageEvent => e.type === 'message');
    expect(messages.map((e) => [e.app?.protocol, e.app?.items[0].kind, e.diagnostics.length])).toEqual([
      ['graphql-transport-ws', 'connection_init', 0],
      ['graphql-transport-ws', 'connection_ack', 0],
      ['graphql-ws', 'ka', 0],
      ['graphql-ws', 'start', 0],
      ['graphql-ws', 'data', 0],
    ]);
    expect(messages[4].pair).toMatchObject({ request: 'query Q' });
  });
});
