// IndexedStore's rows under a display filter against the memory pipeline's -Y: filters on
// index fields (evaluated over the columns) and filters that need payloads (a scan of the
// file), on fixtures with plain, fragmented, compressed and TLS-decrypted traffic.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/tls/key-log.js';
import { createDisplayFilter } from '../../src/filter/display-filter.js';
import { compileFilter } from '../../src/filter/compile.js';
import { IndexedStore, indexOnly } from '../../src/index/indexed-store.js';
import { readCapture } from '../../src/pipeline/read-capture.js';
import type { MessageEvent } from '../../src/session/events.js';
import { AppViewStage } from '../../src/views/view-stage.js';
import type { RowKind, RowList } from '../../src/ui/model.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const CASES = [
  'deflate.pcap',
  'fragmented.pcap',
  'interleaved.pcap',
  'views/jsonrpc.pcap',
  'tls/tls13.pcap',
  'lengths.pcap',
];
const FILTERS = [
  'opcode == text',
  'dir == s2c && len > 10',
  '!fin',
  'compressed',
  'diag',
  'time > 0.01',
  'masked && opcode == binary',
  'diag.severity == warning || opcode == close',
  'index > 3 && conn == 1',
  'text contains "e"',
  'json',
  'data[0:1] == 7b || close.code',
  'c2s && text contains "a"',
];

function keyLog(name: string) {
  try {
    return parseKeyLog(readFileSync(join(FIXTURES, name.replace(/\.pcap$/, '.keys')), 'latin1')).secrets;
  } catch {
    return undefined;
  }
}

/** What a listing with -Y shows: conn, kind, dir, index of each frame and message. */
async function memoryRows(path: string, expression: string, kind: RowKind, conn: number | null) {
  const filter = createDisplayFilter({ expression, ...(conn === null ? {} : { conns: [conn] }) });
  const out: string[] = [];
  for await (const ev of readCapture(path, { keyLog: keyLog(path.slice(FIXTURES.length + 1)) })) {
    if (filter.show(ev) && ev.type === kind)
      out.push(`${ev.conn} ${ev.dir} ${ev.type === 'frame' ? ev.index : ev.firstFrame}`);
  }
  return out;
}

async function complete(store: IndexedStore, list: RowList): Promise<void> {
  await store.indexed;
  for (let i = 0; i < 500 && !list.complete; i++) await new Promise((r) => setTimeout(r, 10));
  expect(list.complete).toBe(true);
}

describe('IndexedStore', () => {
  it('tells index filters from payload filters', () => {
    expect(indexOnly(compileFilter('opcode == text && len > 3'))).toBe(true);
    expect(indexOnly(compileFilter('text contains "x"'))).toBe(false);
    expect(indexOnly(compileFilter('json.a == 1'))).toBe(false);
  });

  for (const name of CASES) {
    it(`${name}: rows under every filter equal the memory pipeline's -Y`, async () => {
      const path = join(FIXTURES, name);
      const store = await IndexedStore.open(path, { mode: 'inline', keyLog: keyLog(name), notifyMs: 1 });
      let matched = 0;
      try {
        await store.indexed;
        for (const filter of FILTERS) {
          for (const kind of ['frame', 'message'] as const) {
            for (const conn of [null, 1]) {
              const list = store.rows(kind, filter, conn);
              await complete(store, list);
              const got: string[] = [];
              for (let i = 0; i < list.length; i++) {
                const s = list.row(i) ?? (await store.detail(list, i)).summary;
                got.push(`${s.conn} ${s.dir} ${s.index}`);
              }
              expect(got, `${kind} ${filter} conn ${conn}`).toEqual(await memoryRows(path, filter, kind, conn));
              matched += got.length;
            }
          }
        }
      } finally {
        store.dispose();
      }
      expect(matched).toBeGreaterThan(10);
    });
  }

  it("a message's detail carries the application view, chosen from its connection's handshake as the listing chooses", async () => {
    const views = join(FIXTURES, 'views');
    for (const [name, protocol] of [
      ['socketio.pcap', 'socket.io'],
      ['graphql.pcap', 'graphql-transport-ws'],
      ['stomp.pcap', 'stomp'],
    ] as const) {
      for (const view of ['auto', 'raw'] as const) {
        const store = await IndexedStore.open(join(views, name), { mode: 'inline', notifyMs: 1, view });
        try {
          await store.indexed;
          const list = store.rows('message', null, null);
          expect(list.length).toBeGreaterThan(2);
          const d = await store.detail(list, 2);
          expect(d.event.type).toBe('message');
          const app = (d.event as MessageEvent).app;
          if (view === 'raw') expect(app).toBeUndefined();
          else expect(app?.protocol, name).toBe(protocol);
        } finally {
          store.dispose();
        }
      }
    }
  });

  /** What the listing's view stage makes of each message: key → app protocol, pair, app diagnostics. */
  async function listedViews(path: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const push = new AppViewStage('auto').connect((e) => {
      if (e.type === 'message') out.set(`${e.conn} ${e.dir} ${e.firstFrame}`, viewOf(e));
    });
    for await (const ev of readCapture(path)) push(ev);
    return out;
  }

  function viewOf(e: MessageEvent): string {
    return JSON.stringify([e.app?.protocol, e.app?.items.length, e.pair, e.diagnostics.map((d) => d.code)]);
  }

  it("every message's detail has the listing's view: chosen alike, paired with its request (earlier messages replayed)", async () => {
    const views = join(FIXTURES, 'views');
    let paired = 0;
    for (const name of readdirSync(views).filter((f) => f.endsWith('.pcap'))) {
      const path = join(views, name);
      const listed = await listedViews(path);
      const store = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1 });
      try {
        await store.indexed;
        const list = store.rows('message', null, null);
        expect(list.length, name).toBe(listed.size);
        for (let i = 0; i < list.length; i++) {
          const e = (await store.detail(list, i)).event as MessageEvent;
          expect(viewOf(e), `${name} message ${i}`).toBe(listed.get(`${e.conn} ${e.dir} ${e.firstFrame}`));
          if (e.pair !== undefined) paired++;
        }
      } finally {
        store.dispose();
      }
    }
    expect(paired).toBeGreaterThan(20);
  });

  it('a response whose request is further back than the replay is not called an orphan', async () => {
    const path = join(FIXTURES, 'views', 'graphql.pcap');
    const listed = await listedViews(path);
    for (const viewReplay of [0, 1]) {
      const store = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1, viewReplay });
      try {
        await store.indexed;
        const list = store.rows('message', null, null);
        let notReplayed = 0;
        for (let i = 0; i < list.length; i++) {
          const e = (await store.detail(list, i)).event as MessageEvent;
          const codes = e.diagnostics.map((d) => d.code);
          const inListing = listed.get(`${e.conn} ${e.dir} ${e.firstFrame}`)!;
          expect(codes).not.toContain('graphql.id.unknown'); // the fixture has no orphan
          expect(inListing).not.toContain('graphql.id.unknown');
          if (codes.includes('app.pair.not-replayed')) {
            notReplayed++;
            expect(JSON.parse(inListing)[2], `message ${i}: paired in the listing`).toBeTruthy();
            expect(e.pair).toBeUndefined();
          }
        }
        expect(notReplayed, `viewReplay ${viewReplay}`).toBeGreaterThan(0);
      } finally {
        store.dispose();
      }
    }
  });

  it('decodes previews on demand and notifies; detail decodes by offset', async () => {
    const store = await IndexedStore.open(join(FIXTURES, 'deflate.pcap'), { mode: 'inline', notifyMs: 1 });
    try {
      await store.indexed;
      const list = store.rows('message', null, null);
      expect(list.length).toBeGreaterThan(0);
      let notified = 0;
      store.subscribe(() => notified++);
      const texts: string[] = [];
      for (let i = 0; i < list.length; i++) {
        let row = list.row(i);
        for (let t = 0; row === undefined && t < 200; t++) {
          await new Promise((r) => setTimeout(r, 5));
          row = list.row(i);
        }
        texts.push(row!.preview);
      }
      expect(notified).toBeGreaterThan(0);
      const events = [];
      for await (const ev of readCapture(join(FIXTURES, 'deflate.pcap'))) if (ev.type === 'message') events.push(ev);
      expect(texts).toEqual(events.map((e) => (e.text !== undefined ? e.text.slice(0, 200) : expect.any(String))));
      const d = await store.detail(list, list.length - 1);
      expect(d.event.type).toBe('message');
      expect(d.handshake.length).toBe(2);
      expect(store.status()).toMatchObject({ ended: true, frames: expect.any(Number) });
      expect(store.status().indexing).toBeUndefined();
    } finally {
      store.dispose();
    }
  });

  it('saves a finished index in its cache directory and opens the capture from it the next time', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'wsinspect-store-cache-'));
    const path = join(FIXTURES, 'interleaved.pcap');
    const rowsOf = async (store: IndexedStore) => {
      const list = store.rows('frame', 'dir == s2c', null);
      const out = [];
      for (let i = 0; i < list.length; i++) {
        let row = list.row(i);
        for (let t = 0; row === undefined && t < 200; t++) {
          await new Promise((r) => setTimeout(r, 5));
          row = list.row(i);
        }
        out.push(row);
      }
      return { out, detail: (await store.detail(list, list.length - 1)).event };
    };
    try {
      const first = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1, cacheDir });
      await first.indexed;
      const a = await rowsOf(first);
      expect(first.status().note).toBeUndefined();
      first.dispose();
      expect(readdirSync(cacheDir).filter((n) => n.endsWith('.wsidx'))).toHaveLength(1);
      const second = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1, cacheDir });
      await second.indexed;
      expect(second.status()).toMatchObject({
        ended: true,
        note: expect.stringMatching(/^opened from the index saved /),
      });
      const b = await rowsOf(second);
      expect(b).toEqual(a);
      expect(a.out.length).toBeGreaterThan(3);
      second.dispose();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('a file that cannot be read: one-line WsinspectError', async () => {
    await expect(IndexedStore.open(join(FIXTURES, 'no-such.pcap'), { mode: 'inline' })).rejects.toMatchObject({
      code: 'input.unreadable',
      message: expect.stringMatching(/^cannot read .*no-such\.pcap: ENOENT/),
    });
    await expect(IndexedStore.open(FIXTURES, { mode: 'inline' })).rejects.toMatchObject({ code: 'input.unreadable' });
  });

  it('says why the list is empty, and what went wrong with a file that is no capture', async () => {
    const store = await IndexedStore.open(join(FIXTURES, 'http-beside.pcap.expected.json'), { mode: 'inline' });
    await store.indexed;
    expect(store.status().note).toMatch(/not a pcap or pcapng capture/);
    expect(store.status().ended).toBe(true);
    store.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-store-test-'));
    try {
      // the first 300 bytes of plain.pcap: the SYNs, no WebSocket yet
      const path = join(dir, 'head.pcap');
      writeFileSync(path, readFileSync(join(FIXTURES, 'plain.pcap')).subarray(0, 300));
      const empty = await IndexedStore.open(path, { mode: 'inline' });
      await empty.indexed;
      expect(empty.status()).toMatchObject({
        ended: true,
        frames: 0,
        emptyReason: 'no WebSocket connection in the capture',
      });
      expect(empty.rows('frame', null, null)).toMatchObject({ length: 0, complete: true });
      empty.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
