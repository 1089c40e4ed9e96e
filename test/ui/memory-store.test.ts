// The UI's memory store over real captures and recordings: rows of frames and messages, the
// -Y display filter as the listing applies it, connections, growth while events arrive (the
// proxy feeds it live), change marks, throttled notifications, and the first screen of a file.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../helpers/cli-run.js';
import { loadFile } from '../../src/ui/file-load.js';
import { MemoryStore } from '../../src/ui/memory-store.js';
import type { InspectEvent, MessageEvent } from '../../src/session/events.js';
import type { RowList, RowSummary } from '../../src/ui/model.js';
import { WsinspectError } from '../../src/errors.js';

const fixture = (name: string): string => join(ROOT, 'fixtures', name);

async function load(name: string): Promise<MemoryStore> {
  const l = loadFile(fixture(name));
  await l.firstScreen;
  await l.done;
  return l.store;
}

const all = (list: RowList): RowSummary[] => Array.from({ length: list.length }, (_, i) => list.row(i)!);

/** Every event the store was told, in order (to feed another store). */
function eventsOf(store: MemoryStore): InspectEvent[] {
  return (store as unknown as { events: InspectEvent[] }).events;
}

describe('MemoryStore', () => {
  it('keeps every frame and message of a capture, as the listing counts them', async () => {
    const store = await load('interleaved.pcap');
    const status = store.status();
    expect(status).toMatchObject({ frames: 30, messages: 24, connections: 3, ended: true, errors: 0 });
    expect(status.emptyReason).toBeUndefined();
    const frames = all(store.rows('frame', null, null));
    expect(frames).toHaveLength(30);
    // the same frames, in the same order, as `wsinspect FILE --json` lists them
    const listed = runCli([fixture('interleaved.pcap'), '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; conn: number; index: number; dir: string })
      .filter((e) => e.type === 'frame');
    expect(frames.map((f) => [f.conn, f.index, f.dir])).toEqual(listed.map((e) => [e.conn, e.index, e.dir]));
    expect(frames[0]).toMatchObject({ kind: 'frame', opcode: 1, fin: true, compressed: false });
    expect(frames[0].preview).toMatch(/^client 1 round 1/);
    const conns = store.connections();
    expect(conns.map((c) => [c.connection.conn, c.frames, c.messages, c.end?.reason])).toEqual([
      [1, 10, 8, 'close-handshake'],
      [2, 10, 8, 'close-handshake'],
      [3, 10, 8, 'close-handshake'],
    ]);
    expect(conns[0].handshake.map((h) => h.handshake.side)).toEqual(['request', 'response']);
  });

  it('filters rows with the -Y language exactly as `wsinspect FILE -Y` does, per connection too', async () => {
    const store = await load('interleaved.pcap');
    for (const expr of [
      'opcode == close',
      'dir == s2c && text contains "round 2"',
      'tcp.srcport == 18096',
      'len > 59',
    ]) {
      const cli = runCli([fixture('interleaved.pcap'), '--json', '-Y', expr])
        .stdout.trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { type: string; conn: number; index: number })
        .filter((e) => e.type === 'frame');
      const rows = all(store.rows('frame', expr, null));
      expect(
        rows.map((r) => [r.conn, r.index]),
        expr,
      ).toEqual(cli.map((e) => [e.conn, e.index]));
      expect(rows.length, expr).toBeGreaterThan(0);
    }
    const conn2 = all(store.rows('frame', 'opcode == text', 2));
    expect(conn2.length).toBe(8);
    expect(conn2.every((r) => r.conn === 2 && r.opcode === 1)).toBe(true);
    const messages = all(store.rows('message', 'opcode == binary', null));
    expect(messages.length).toBe(0);
    expect(all(store.rows('message', null, 3))).toHaveLength(8);
  });

  it('gives the detail of a row: its event and its connection handshake', async () => {
    const store = await load('plain.pcap');
    const list = store.rows('frame', 'opcode == binary', null);
    const d = await store.detail(list, 1);
    expect(d.event.type).toBe('frame');
    expect(d.summary).toMatchObject({ conn: 1, index: 4, dir: 's2c', opcode: 2, length: 20 });
    expect(d.handshake).toHaveLength(2);
    await expect(store.detail(list, 5)).rejects.toThrow(/no row 5/);
  });

  it('follows new events: a list made earlier grows, filtered or not, and subscribers are told (throttled)', async () => {
    const source = await load('interleaved.pcap');
    const events = eventsOf(source);
    const live = new MemoryStore({ throttleMs: 30 });
    let told = 0;
    live.subscribe(() => told++);
    const half = Math.floor(events.length / 2);
    for (const ev of events.slice(0, half)) live.event(ev);
    const everything = live.rows('frame', null, null);
    const texts = live.rows('frame', 'opcode == text && dir == c2s', null);
    const before = [everything.length, texts.length];
    await new Promise((r) => setTimeout(r, 100));
    // a burst of events is one notification
    expect(told).toBe(1);
    for (const ev of events.slice(half)) live.event(ev);
    expect(everything.length).toBe(30);
    expect(everything.length).toBeGreaterThan(before[0]);
    expect(texts.length).toBeGreaterThan(before[1]);
    expect(all(texts)).toEqual(all(source.rows('frame', 'opcode == text && dir == c2s', null)));
    await new Promise((r) => setTimeout(r, 100));
    expect(told).toBe(2);
    expect(live.status().ended).toBe(false);
    live.finish();
    await new Promise((r) => setTimeout(r, 100));
    expect(live.status().ended).toBe(true);
    live.dispose();
  });

  it('marks rows a proxy changed: modified, injected, dropped', async () => {
    const source = await load('plain.pcap');
    const events = eventsOf(source);
    const store = new MemoryStore();
    const msg = events.find((e): e is MessageEvent => e.type === 'message')!;
    for (const ev of events.filter((e) => e.type === 'connection' || e.type === 'handshake')) store.event(ev);
    store.event({ ...msg, change: { origin: 'wire' } });
    store.event({ ...msg, change: { origin: 'modified', original: { opcode: 1, data: new Uint8Array([104]) } } });
    store.event({ ...msg, change: { origin: 'injected' } });
    store.event({ ...msg, change: { origin: 'wire', dropped: 'dropped by the user' } });
    expect(all(store.rows('message', null, null)).map((r) => r.change)).toEqual([
      undefined,
      'modified',
      'injected',
      'dropped',
    ]);
    store.dispose();
  });

  it('reads a HAR: messages, no frames', async () => {
    const har = await load('chromium.har');
    expect(har.status().frames).toBe(0);
    expect(har.status().messages).toBeGreaterThan(0);
    expect(all(har.rows('message', null, null)).length).toBe(har.status().messages);
  });

  it('fails the first screen with the one line `wsinspect FILE` prints for a bad file', async () => {
    const missing = loadFile(join(ROOT, 'no-such.pcap'));
    await expect(missing.firstScreen).rejects.toBeInstanceOf(WsinspectError);
    const notCapture = loadFile(join(ROOT, 'README.md'));
    const err = await notCapture.firstScreen.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(`wsinspect: ${err?.message}\n`).toBe(runCli([join(ROOT, 'README.md')]).stderr);
  });
});
