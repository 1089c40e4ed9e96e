// What is left at the end of input comes out by connection number, never in a Map's insertion
// order: the parallel reader places each worker's ends and statistics by that number.
import { describe, expect, it } from 'vitest';
import { ConnectionDemux } from '../../src/session/connection-demux.js';
import { StatsCollector } from '../../src/session/connection-stats.js';
import type { InspectEvent, StreamEvent } from '../../src/session/events.js';

const open = (conn: number): StreamEvent => ({
  kind: 'open',
  conn,
  endpoints: { client: `127.0.0.1:${5000 + conn}`, server: '127.0.0.1:80' },
  time: conn,
  detectedBy: 'heuristic',
});

describe('end-of-input order', () => {
  it('ConnectionDemux.finish ends open connections by number, whatever order they opened in', () => {
    const events: InspectEvent[] = [];
    const demux = new ConnectionDemux({ onEvent: (e) => events.push(e) });
    for (const conn of [3, 1, 4, 2]) demux.handle(open(conn));
    events.length = 0;
    demux.finish(9);
    const ends = events.filter((e) => e.type === 'end').map((e) => e.conn);
    expect(ends).toEqual([1, 2, 3, 4]);
    expect(demux.openConnections).toBe(0);
  });

  it('StatsCollector.remaining lists connections by number, not by their first event', () => {
    const stats = new StatsCollector();
    for (const conn of [2, 5, 1])
      stats.add({ type: 'connection', conn, time: conn, client: 'c', server: 's', detectedBy: 'heuristic' });
    expect(stats.remaining().map((s) => s.conn)).toEqual([1, 2, 5]);
    expect(stats.remaining()).toEqual([]);
  });
});
