// A request's answers in the UI's detail: the memory store (proxy --ui, small captures) and the
// indexed store (big captures, messages decoded again by offset and replayed through the view)
// find the same answers for every message of every views fixture, and --frame -V says the same.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexedStore } from '../../src/index/indexed-store.js';
import { answersText } from '../../src/render/app-view.js';
import type { InspectEvent, MessageEvent } from '../../src/session/events.js';
import { MemoryStore } from '../../src/ui/memory-store.js';
import { loadFile } from '../../src/ui/file-load.js';
import type { UiStore } from '../../src/ui/model.js';
import { ROOT } from '../helpers/cli-run.js';

const VIEWS = join(ROOT, 'fixtures', 'views');

async function answersOf(store: UiStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const list = store.rows('message', null, null);
  for (let i = 0; i < list.length; i++) {
    const e = (await store.detail(list, i)).event as MessageEvent;
    if (e.answers !== undefined) out.set(`${e.conn}:${e.firstFrame}`, answersText(e.answers));
  }
  return out;
}

describe('answers in the UI detail', () => {
  it('the memory store and the indexed store find the same answers on every views fixture', async () => {
    let answered = 0;
    for (const name of readdirSync(VIEWS).filter((f) => f.endsWith('.pcap'))) {
      const path = join(VIEWS, name);
      const loaded = loadFile(path);
      await loaded.done;
      const memory = await answersOf(loaded.store);
      const indexed = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1 });
      try {
        await indexed.indexed;
        expect(await answersOf(indexed), name).toEqual(memory);
      } finally {
        indexed.dispose();
        loaded.store.dispose();
      }
      answered += [...memory.values()].filter((t) => !t.startsWith('no answer')).length;
    }
    expect(answered).toBeGreaterThan(20);
  });

  it('a live store (a proxy): answers so far, "no answer yet", and the answer once it comes', async () => {
    const source = loadFile(join(VIEWS, 'jsonrpc.pcap'));
    await source.done;
    const events = (source.store as unknown as { events: InspectEvent[] }).events;
    const live = new MemoryStore({ throttleMs: 1 });
    // up to the first request (frame #1), not its answer (frame #2)
    const upTo = (pred: (e: InspectEvent) => boolean) => events.findIndex(pred) + 1;
    const request = upTo((e) => e.type === 'message' && e.firstFrame === 1);
    for (const ev of events.slice(0, request)) live.event(ev);
    expect((await answersOf(live)).get('1:1')).toBe('no answer yet');
    const answer = upTo((e) => e.type === 'message' && e.firstFrame === 2);
    for (const ev of events.slice(request, answer)) live.event(ev);
    expect((await answersOf(live)).get('1:1')).toBe('answered by frame #2 (12.118 ms later)');
    // a subscription still streaming says its answers are so far
    const graphql = loadFile(join(VIEWS, 'graphql.pcap'));
    await graphql.done;
    const gEvents = (graphql.store as unknown as { events: InspectEvent[] }).events;
    const gLive = new MemoryStore({ throttleMs: 1 });
    const firstNext = gEvents.findIndex((e) => e.type === 'message' && e.conn === 2 && e.firstFrame === 5) + 1;
    for (const ev of gEvents.slice(0, firstNext)) gLive.event(ev);
    expect((await answersOf(gLive)).get('2:3')).toBe(
      '2 answers: frame #4 (next, 2.257 ms later), #5 (next, 2.432 ms later) (so far)',
    );
    for (const s of [live, gLive, source.store, graphql.store]) s.dispose();
  });

  it('a GraphQL subscription and a JSON-RPC request never answered', async () => {
    const graphql = loadFile(join(VIEWS, 'graphql.pcap'));
    await graphql.done;
    expect((await answersOf(graphql.store)).get('2:3')).toBe(
      '4 answers: frame #4 (next, 2.257 ms later), #5 (next, 2.432 ms later), #6 (next, 2.549 ms later), #7 (complete, 2.599 ms later)',
    );
    const rpc = loadFile(join(VIEWS, 'jsonrpc.pcap'));
    await rpc.done;
    const answers = await answersOf(rpc.store);
    expect(answers.get('1:1')).toBe('answered by frame #2 (12.118 ms later)');
    expect(answers.get('1:12')).toBe('no answer (the connection ended)');
  });
});
