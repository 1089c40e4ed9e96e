import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/session/events.js';
import { StatsCollector } from '../../src/session/connection-stats.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { runSession } from '../helpers/session-run.js';

const KEY = [1, 2, 3, 4];
const data = (dir: 'c2s' | 's2c', bytes: Uint8Array, time: number): StreamEvent => ({
  kind: 'data',
  conn: 1,
  dir,
  bytes,
  time,
});

describe('connection statistics', () => {
  it('counts frames and messages by opcode, pairs ping with pong, and records who closed', () => {
    const events = runSession(
      [
        {
          kind: 'open',
          conn: 1,
          endpoints: { client: '127.0.0.1:5000', server: '127.0.0.1:80' },
          time: 10,
          detectedBy: 'heuristic',
        },
        data('c2s', buildFrame({ payload: 'hi', maskingKey: KEY }), 10),
        data('s2c', buildFrame({ opcode: 9, payload: 'abc' }), 10.5),
        data('c2s', buildFrame({ opcode: 10, payload: 'abc', maskingKey: KEY }), 10.75),
        data('s2c', buildFrame({ fin: false, payload: 'a' }), 11),
        data('s2c', buildFrame({ opcode: 0, payload: 'b' }), 11),
        data('s2c', buildFrame({ opcode: 8, payload: Uint8Array.of(3, 0xe8) }), 12),
        data('c2s', buildFrame({ opcode: 8, payload: Uint8Array.of(3, 0xe8), maskingKey: KEY }), 12.5),
        { kind: 'end', conn: 1, reason: 'tcp-fin', time: 13 },
      ],
      { expectHandshake: false },
    );
    const stats = new StatsCollector();
    const done = events.map((e) => stats.add(e)).filter((s) => s !== null);
    expect(done).toHaveLength(1);
    const s = done[0]!;
    expect(s.client).toBe('127.0.0.1:5000');
    expect(s.lastTime! - s.firstTime!).toBe(3);
    expect(s.dirs.c2s.framesByOpcode).toEqual({ text: 1, pong: 1, close: 1 });
    expect(s.dirs.s2c.framesByOpcode).toEqual({ ping: 1, text: 1, continuation: 1, close: 1 });
    expect(s.dirs.s2c.messagesByOpcode).toEqual({ text: 1 });
    expect([s.dirs.s2c.fragmentedMessages, s.dirs.s2c.fragmentFrames]).toEqual([1, 2]);
    expect(s.pingRtts).toEqual([0.25]);
    expect([s.closedBy, s.closeCode, s.closeEchoed, s.endReason, s.abnormalClose]).toEqual([
      's2c',
      1000,
      true,
      'close-handshake',
      false,
    ]);
    expect(s.dirs.c2s.wireBytes).toBe(8 + 9 + 8);
  });

  it('TCP FIN without a Close handshake is reported as abnormal (1006)', () => {
    const events = runSession(
      [
        data('c2s', buildFrame({ payload: 'x', maskingKey: KEY }), 1),
        { kind: 'end', conn: 1, reason: 'tcp-rst', time: 2 },
      ],
      { expectHandshake: false },
    );
    const stats = new StatsCollector();
    const s = events.map((e) => stats.add(e)).find((x) => x !== null)!;
    expect([s.closedBy, s.endReason, s.abnormalClose]).toEqual([null, 'tcp-rst', true]);
  });
});
