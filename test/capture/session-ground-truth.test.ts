// End to end below the renderer: every real fixture → CaptureDecoder → SessionDecoder,
// and the messages and control frames that come out must be what the generator sent
// (fixtures/*.expected.json): direction, opcode, payload, fragment count, compression.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import type { InspectEvent, StreamEvent } from '../../src/session/events.js';
import { decode, expected, fixture, FIXTURES, sha256, type ExpectedMessage } from './helpers/capture-harness.js';

const FILES = readdirSync(FIXTURES)
  .filter((n) => /\.pcap(ng)?$/.test(n))
  .sort();

interface Seen {
  dir: string;
  opcode: number;
  sha256: string;
  length: number;
  fragments?: number;
  compressed?: boolean;
}

function inspect(events: readonly StreamEvent[]): Map<number, InspectEvent[]> {
  const sessions = new Map<number, SessionDecoder>();
  const out = new Map<number, InspectEvent[]>();
  for (const e of events) {
    if (e.kind === 'open') {
      out.set(e.conn, []);
      sessions.set(
        e.conn,
        new SessionDecoder({
          conn: e.conn,
          expectHandshake: e.detectedBy === 'handshake',
          onEvent: (ie) => out.get(e.conn)!.push(ie),
        }),
      );
    }
    if (e.conn !== null) sessions.get(e.conn)?.handle(e);
  }
  return out;
}

function seen(events: readonly InspectEvent[]): Seen[] {
  return events.flatMap((e): Seen[] => {
    if (e.type === 'message') {
      return [
        {
          dir: e.dir,
          opcode: e.opcode,
          sha256: sha256(e.data),
          length: e.length,
          fragments: e.frames,
          compressed: e.compressed,
        },
      ];
    }
    if (e.type === 'frame' && e.frame.opcode >= 8) {
      return [{ dir: e.dir, opcode: e.frame.opcode, sha256: sha256(e.frame.payload), length: e.frame.payload.length }];
    }
    return [];
  });
}

function want(m: ExpectedMessage): Seen {
  const base = { dir: m.dir, opcode: m.opcode, sha256: m.sha256, length: m.length };
  return m.opcode >= 8 ? base : { ...base, fragments: m.fragments ?? 1, compressed: m.compressed ?? false };
}

const byDir = (list: readonly Seen[], dir: string): Seen[] => list.filter((s) => s.dir === dir);

describe('captures decoded to messages match what the generator sent', () => {
  for (const file of FILES) {
    it(file, () => {
      const truth = expected(file);
      const sessions = inspect(decode(fixture(file)));
      expect(sessions.size).toBe(truth.connections.length);
      truth.connections.forEach((conn, i) => {
        const events = sessions.get(i + 1)!;
        const got = seen(events);
        const wanted = conn.messages.map(want);
        // each direction in order (the two directions interleave by timing)
        for (const dir of ['c2s', 's2c']) expect(byDir(got, dir)).toEqual(byDir(wanted, dir));
        const errors = events
          .flatMap((e) => ('diagnostics' in e ? e.diagnostics : e.type === 'diagnostic' ? [e.diagnostic] : []))
          .filter((d) => d.severity === 'error');
        expect(errors).toEqual([]);
      });
    });
  }

  it('corked.pcap: each side sent a burst of frames in one TCP segment (same packet time), fragments and pings among them', () => {
    const events = inspect(decode(fixture('corked.pcap'))).get(1)!;
    for (const dir of ['c2s', 's2c']) {
      const frames = events.filter((e) => e.type === 'frame' && e.dir === dir);
      const perPacket = new Map<unknown, number[]>();
      for (const f of frames)
        if (f.type === 'frame') perPacket.set(f.time, [...(perPacket.get(f.time) ?? []), f.frame.opcode]);
      const burst = [...perPacket.values()].sort((a, b) => b.length - a.length)[0];
      expect(burst.length).toBeGreaterThanOrEqual(7);
      expect(new Set(burst)).toEqual(new Set([0, 1, 2, 9]));
    }
  });
});
