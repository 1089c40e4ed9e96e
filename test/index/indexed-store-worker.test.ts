// IndexedStore with its real worker threads (the compiled dist/, as the CLI runs it): the rows
// come in chunks while the worker indexes, a payload filter is scanned by a second worker,
// and the result equals the in-thread store's; dispose() ends the workers.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IndexedStore } from '../../dist/index/indexed-store.js';
import type { RowList } from '../../src/ui/model.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

async function rowsOf(store: IndexedStore, list: RowList): Promise<string[]> {
  for (let i = 0; i < 1000 && !list.complete; i++) await new Promise((r) => setTimeout(r, 10));
  expect(list.complete).toBe(true);
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list.row(i) ?? (await store.detail(list, i)).summary;
    out.push(`${s.kind} ${s.conn} ${s.dir} ${s.index} ${s.opcode} ${s.length}`);
  }
  return out;
}

describe('IndexedStore in worker threads', () => {
  for (const name of ['plain.pcap', 'deflate.pcap']) {
    it(`${name}: same rows as in-thread, under no filter, an index filter and a payload filter`, async () => {
      const path = join(FIXTURES, name);
      const threaded = await IndexedStore.open(path, { notifyMs: 1 });
      const inline = await IndexedStore.open(path, { mode: 'inline', notifyMs: 1 });
      let notified = 0;
      threaded.subscribe(() => notified++);
      try {
        await Promise.all([threaded.indexed, inline.indexed]);
        expect(threaded.status()).toMatchObject({ ended: true, frames: inline.status().frames });
        for (const [kind, filter] of [
          ['frame', null],
          ['message', 'dir == s2c'],
          ['frame', 'text contains "e"'],
          ['message', 'text contains "o"'],
        ] as const) {
          const a = await rowsOf(threaded, threaded.rows(kind, filter, null));
          const b = await rowsOf(inline, inline.rows(kind, filter, null));
          expect(a.length, `${kind} ${filter}`).toBeGreaterThan(0);
          expect(a).toEqual(b);
        }
        expect(notified).toBeGreaterThan(0);
        expect(threaded.connections().map((c) => c.connection.conn)).toEqual(
          inline.connections().map((c) => c.connection.conn),
        );
      } finally {
        threaded.dispose();
        inline.dispose();
      }
    });
  }
});
