// DisplayFilter.showsAll: a printer skips show() when it is true, so it must be true only when
// show() would pass every event — no flag filter and no -Y expression.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDisplayFilter } from '../../src/filter/index.js';
import { readCapture } from '../../src/pipeline/read-capture.js';
import type { FilterSpec } from '../../src/session/event-filter.js';
import { FIXTURES } from '../capture/helpers/capture-harness.js';

describe('DisplayFilter.showsAll', () => {
  it('is true with no criteria (an empty conns list is none), false with any', () => {
    expect(createDisplayFilter({}).showsAll).toBe(true);
    expect(createDisplayFilter({ conns: [] }).showsAll).toBe(true);
    const some: FilterSpec[] = [
      { conns: [1] },
      { dir: 'c2s' },
      { opcodes: ['text'] },
      { grep: /x/ },
      { errorsOnly: true },
      { expression: 'websocket' },
      { expression: 'websocket.payload_length >= 0' },
    ];
    for (const spec of some) expect(createDisplayFilter(spec).showsAll, JSON.stringify(spec)).toBe(false);
  });

  it('with no criteria, show() passes every event of every capture fixture', async () => {
    const filter = createDisplayFilter({});
    let seen = 0;
    for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng')))
      for await (const ev of readCapture(join(FIXTURES, name))) {
        expect(filter.show(ev), `${name}: ${ev.type}`).toBe(true);
        seen++;
      }
    expect(seen).toBeGreaterThan(100);
  });
});
