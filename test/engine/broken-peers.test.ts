// A peer that breaks the protocol after the 101 never takes the terminating proxy down:
// random bytes, reserved opcodes, stray continuations, broken compressed data, a frame cut
// off by the end of the connection. Each case runs on its own connection; afterwards a
// well-behaved client still gets its echo through the same proxy.
import { connect, type Socket } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseRule, RuleDecider } from '../../src/engine/rules.js';
import { terminatingRelay } from '../../src/engine/terminating-relay.js';
import { encodeRawFrame } from '../../src/protocol/frame-encoder.js';
import {
  changed,
  nextMessage,
  openClient,
  sha,
  startEchoServer,
  startProxy,
  until,
} from '../sources/proxy/proxy-harness.js';
import { prng } from './engine-peers.js';

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n';

/** Opens a raw connection, upgrades, sends `bytes`, then ends; resolves when the proxy closes it. */
function misbehave(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: '127.0.0.1', port });
    let head = '';
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.write(UPGRADE);
    s.on('data', (d: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) s.end(bytes);
    });
  });
}

const masked = (spec: Parameters<typeof encodeRawFrame>[0]): Buffer => encodeRawFrame({ mask: true, ...spec });

describe('the terminating proxy with peers that break the protocol', () => {
  it('survives every case, and still serves a good client', async () => {
    // the server refuses the broken frames the proxy passes on: its errors are expected here
    const echo = await startEchoServer({ threshold: 0 });
    echo.server.on('connection', (ws) => ws.on('error', () => {}));
    const notes: string[] = [];
    const decider = new RuleDecider([parseRule('text contains "x" => replace /x/g "y"')]);
    const options = { decider: () => decider, holdTimeoutMs: 1000, note: (_c: number, t: string) => notes.push(t) };
    const h = await startProxy({
      target: { host: '127.0.0.1', port: echo.port, tls: false, label: 'echo' },
      relay: (conn, client, server, observer, first) =>
        terminatingRelay(options, conn, client, server, observer, first),
    });
    try {
      const rand = prng(7);
      const random = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
      const cases: Buffer[] = [
        random(300),
        masked({ opcode: 3, payload: Buffer.from('reserved data opcode') }),
        masked({ opcode: 0xb, payload: Buffer.from('reserved control opcode') }),
        masked({ opcode: 0, payload: Buffer.from('a continuation with nothing to continue') }),
        masked({ opcode: 1, rsv1: true, payload: random(40) }), // not DEFLATE data
        masked({ opcode: 1, fin: false, payload: Buffer.from('x start') }),
        Buffer.concat([
          masked({ opcode: 1, fin: false, payload: Buffer.from('x') }),
          masked({ opcode: 2, payload: Buffer.from('y') }),
        ]),
        masked({ opcode: 9, fin: false, payload: Buffer.from('fragmented ping') }),
        masked({ opcode: 8, payload: Buffer.from([0x03]) }), // a one-byte close body
        masked({ opcode: 1, payload: Buffer.from('cut off here') }).subarray(0, 9),
        masked({ opcode: 1, payload: Buffer.from([0xff, 0xfe, 0x78]) }), // not UTF-8
      ];
      for (let i = 0; i < 20; i++)
        cases.push(
          Buffer.concat([masked({ opcode: 1, payload: Buffer.from('x') }), random(1 + Math.floor(rand() * 200))]),
        );
      for (const bytes of cases) await misbehave(h.port, bytes);
      const ws = await openClient(`ws://127.0.0.1:${h.port}/`, { perMessageDeflate: { threshold: 0 } });
      ws.send('x marks the spot');
      expect((await nextMessage(ws)).toString()).toBe('y marks the spot');
      ws.close();
      expect(notes.filter((n) => n.startsWith('internal error'))).toEqual([]);
    } finally {
      await h.close();
      await echo.close();
    }
  });

  it('a broken compressed message goes on as it came, also once the leg deflates itself (context takeover)', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const serverErrors: string[] = [];
    echo.server.on('connection', (ws) => {
      ws.on('message', () => setImmediate(changed)); // once the echo server has recorded it
      ws.on('error', (err) => {
        serverErrors.push(err.message);
        changed();
      });
    });
    const decider = new RuleDecider([parseRule('c2s && text == "hello" => replace /hello/ "HELLO!"')]);
    const options = { decider: () => decider, holdTimeoutMs: 1000 };
    const h = await startProxy({
      target: { host: '127.0.0.1', port: echo.port, tls: false, label: 'echo' },
      relay: (conn, client, server, observer, first) =>
        terminatingRelay(options, conn, client, server, observer, first),
    });
    /** A message compressed alone (RFC 7692 §7.2.1: the final empty block's 4 bytes left off). */
    const deflated = (text: string): Buffer => deflateRawSync(Buffer.from(text), { finishFlush: 2 }).subarray(0, -4);
    try {
      // the first message is changed: from then on the proxy deflates what goes to the server
      // itself; then a message that starts as good DEFLATE data and breaks off
      await misbehave(
        h.port,
        Buffer.concat([
          masked({ opcode: 1, rsv1: true, payload: deflated('hello') }),
          masked({
            opcode: 1,
            rsv1: true,
            payload: Buffer.concat([deflated('half of a message'), Buffer.from([0xff, 0xff, 0xff, 0xee, 0x12])]),
          }),
        ]),
      );
      // the server got the change, and then what the client sent, which it cannot inflate either:
      // not the part the proxy could inflate, deflated again into a valid message
      await until(() => serverErrors.length > 0 || echo.received.length > 1, 'the second message or its error');
      expect(echo.received).toEqual([sha('HELLO!')]);
      expect(serverErrors).toHaveLength(1);
    } finally {
      await h.close();
      await echo.close();
    }
  });
});
