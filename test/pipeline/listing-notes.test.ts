// The hints of an empty listing as listingNotes words them: the cases the CLI tests do not
// reach with a small capture (many TLS connections, no TCP at all, one frame, a listing or
// --stats that showed something).
import { describe, expect, it } from 'vitest';
import { MAX_TLS_NAMED, type CaptureSummary } from '../../src/capture/capture-tally.js';
import { listingNotes, sumCounts } from '../../src/pipeline/listing-notes.js';

const capture = (o: Partial<CaptureSummary> = {}): CaptureSummary => ({
  packets: 10,
  tcpConnections: 2,
  busiestServerPort: 8080,
  tls: [],
  tlsCount: 0,
  ...o,
});
const none = { connections: 0, frames: 0, messages: 0, shown: 0 };

describe('listingNotes', () => {
  it('names the first TLS connections and counts the rest', () => {
    const tls = Array.from({ length: MAX_TLS_NAMED }, (_, i) => ({ client: `c${i}`, server: `s${i}` }));
    const notes = listingNotes(
      { filter: {} },
      capture({ tls, tlsCount: MAX_TLS_NAMED + 3, busiestServerPort: null }),
      none,
    );
    expect(notes).toEqual([
      'no WebSocket connection found among 2 TCP connections (10 packets)',
      `TLS: encrypted, not decodable without its keys: ${tls.map((t) => `${t.client} → ${t.server}`).join(', ')} and 3 more`,
    ]);
  });

  it('a capture without TCP, and one of a single packet', () => {
    expect(
      listingNotes({ filter: {} }, capture({ tcpConnections: 0, packets: 1, busiestServerPort: null }), none),
    ).toEqual(['no WebSocket connection found: no TCP connection among 1 packet']);
  });

  it('no capture bytes at all (a live stdin stopped before any): nothing to say', () => {
    expect(listingNotes({ filter: {} }, null, none)).toEqual([]);
  });

  it('a filter that matched nothing, in the singular; nothing when something was shown or there is no filter', () => {
    const one = { connections: 1, frames: 1, messages: 3, shown: 0 };
    expect(listingNotes({ filter: { dir: 'c2s', errorsOnly: true } }, capture(), one)).toEqual([
      'no frame matched the filters (--dir c2s --errors); 1 frame was read',
    ]);
    expect(listingNotes({ filter: { dir: 'c2s' } }, capture(), { ...one, shown: 1 })).toEqual([]);
    expect(listingNotes({ filter: {} }, capture(), one)).toEqual([]);
  });

  it('a listing of messages (--messages, or a HAR) counts messages, not frames', () => {
    const counts = { connections: 1, frames: 4, messages: 3, shown: 0 };
    const filter = { grep: /x/ };
    expect(listingNotes({ filter, printer: { messages: true } }, capture(), counts)).toEqual([
      'no message matched the filters (--grep "x"); 3 messages were read',
    ]);
    expect(listingNotes({ filter, source: 'messages' }, null, { ...counts, frames: 0 })).toEqual([
      'no message matched the filters (--grep "x"); 3 messages were read',
    ]);
  });

  it('--conn: the missing connections, and the filter note only if some asked-for one exists', () => {
    const three = { connections: 3, frames: 9, messages: 4, shown: 0 };
    expect(listingNotes({ filter: { conns: [4, 5] } }, capture(), three)).toEqual([
      'no connections 4, 5: the capture has 3 WebSocket connections',
    ]);
    expect(listingNotes({ filter: { conns: [2, 4], grep: /x/ } }, capture(), three)).toEqual([
      'no connection 4: the capture has 3 WebSocket connections',
      'no frame matched the filters (--conn 2,4 --grep "x"); 9 frames were read',
    ]);
    expect(listingNotes({ filter: {}, stats: { conns: [1] } }, capture(), { ...three, shown: null })).toEqual([]);
  });

  it("sums the counts of the parallel reader's workers", () => {
    expect(
      sumCounts([
        { connections: 1, frames: 4, messages: 2, shown: 0 },
        { connections: 2, frames: 5, messages: 5, shown: 3 },
      ]),
    ).toEqual({ connections: 3, frames: 9, messages: 7, shown: 3 });
    expect(sumCounts([{ connections: 1, frames: 0, messages: 0, shown: null }]).shown).toBeNull();
  });
});
