import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/session/events.js';
import { StatsCollector } from '../../src/session/connection-stats.js';
import { renderStats } from '../../src/render/stats-view.js';
import { createStyle } from '../../src/render/style.js';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
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

  it('counts the handshake’s problems in its direction, and a message’s own once (not again when its frame had it)', () => {
    const request =
      'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    // a wrong Sec-WebSocket-Accept: one error on the server's side
    const response =
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n';
    const events = runSession([
      data('c2s', new TextEncoder().encode(request), 1),
      data('s2c', new TextEncoder().encode(response), 1.1),
      // a fragmented text message that is not UTF-8: the error is on its frame and on the message
      data('s2c', buildFrame({ fin: false, payload: Uint8Array.of(0xc3, 0x28) }), 1.2),
      data('s2c', buildFrame({ opcode: 0, payload: 'A' }), 1.2),
      data('c2s', buildFrame({ payload: 'hi', maskingKey: KEY }), 1.3),
      { kind: 'end', conn: 1, reason: 'tcp-fin', time: 2 },
    ]);
    // an application view's warning, on the client's message only (as jsonrpc.request.unanswered…)
    const withOwn = events.map((e) =>
      e.type === 'message' && e.dir === 'c2s'
        ? { ...e, diagnostics: [...e.diagnostics, diagnostic('jsonrpc.message.invalid', 'not JSON-RPC')] }
        : e,
    );
    const stats = new StatsCollector();
    const s = withOwn.map((e) => stats.add(e)).find((x) => x !== null)!;
    expect(s.dirs.s2c.diagnostics).toEqual({ error: 2, warning: 0, note: 0 });
    expect(s.dirs.c2s.diagnostics.error).toBe(1);
    const text = renderStats(s, createStyle({ color: false }));
    expect(text).toContain('problems   2 errors, 0 warnings, 0 notes');
    expect(text).toMatch(/problems {3}1 error, \d+ warnings?, \d+ notes?/);
  });
});
