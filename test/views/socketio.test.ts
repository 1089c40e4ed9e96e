// The Socket.IO view: on the real fixture (socket.io 4.8.4 + socket.io-client 4.8.4 captured by
// fixtures/views/make-views.sh) every packet of the conversation is named, acks pair with
// their events, the binary attachment joins its event, heartbeats fold; and on packets written
// from the protocol documents (Engine.IO 3 and 4), malformed ones are diagnostics.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { socketIoView } from '../../src/views/socketio-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { ROOT } from '../helpers/cli-run.js';
import { messageMaker } from './view-messages.js';

const FIXTURE = join(ROOT, 'fixtures', 'views', 'socketio.pcap');

interface Json {
  type: string;
  [k: string]: unknown;
}

async function events(args: string[] = []): Promise<Json[]> {
  const run = await readInProcess([FIXTURE, '--json', ...args]);
  expect(run.error).toBeNull();
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Json);
}

describe('Socket.IO view on the real socket.io fixture', () => {
  it('is chosen by the request path, and says so', async () => {
    const notes = (await events()).filter((e) => e.code === 'app.view.selected');
    expect(notes.map((n) => n.message)).toEqual([
      'view socket.io (request path /socket.io/?EIO=4&transport=websocket)',
    ]);
  });

  it('names every packet: open, CONNECT, EVENT, ACK, BINARY_EVENT, attachment, ping/pong, DISCONNECT', async () => {
    const items = (await events())
      .filter((e) => e.type === 'message')
      .map((e) => (e.app as { protocol: string; items: { kind: string; type: string; event?: string }[] }).items[0]);
    expect(items.map((i) => i.type)).toEqual([
      'open',
      'CONNECT',
      'CONNECT',
      'EVENT',
      'EVENT',
      'ACK',
      'BINARY_EVENT',
      'attachment',
      'ACK',
      'EVENT',
      'EVENT',
      'ACK',
      'EVENT',
      'ping',
      'pong',
      'ping',
      'pong',
      'DISCONNECT',
    ]);
    expect(items.filter((i) => i.kind === 'event').map((i) => i.event)).toEqual([
      'welcome',
      'message',
      'upload',
      'ask',
      'question',
      'answer-was',
    ]);
  });

  it('pairs each ACK with its event (either direction), latency from the capture times', async () => {
    const all = await events();
    const messages = all.filter((e) => e.type === 'message');
    const acks = messages.filter((e) => e.pair !== undefined);
    expect(acks.map((a) => a.pair)).toEqual([
      { conn: 1, index: 5, latencyMs: expect.any(Number), request: 'message' },
      { conn: 1, index: 7, latencyMs: expect.any(Number), request: 'upload' },
      { conn: 1, index: 11, latencyMs: expect.any(Number), request: 'question' },
    ]);
    for (const ack of acks) {
      const request = messages.find((m) => m.firstFrame === (ack.pair as { index: number }).index)!;
      expect(request.dir).not.toBe(ack.dir);
      const expected = Math.round(((ack.ts as number) - (request.ts as number)) * 1e6) / 1e3;
      expect((ack.pair as { latencyMs: number }).latencyMs).toBeCloseTo(expected, 3);
    }
  });

  it('joins the binary attachment to its event: the placeholder becomes the bytes', async () => {
    const attachment = (await events()).find((e) => e.type === 'message' && e.opcode === 2)!;
    const item = (attachment.app as { items: Record<string, unknown>[] }).items[0];
    expect(item).toMatchObject({
      kind: 'attachment',
      event: 'upload',
      ackId: 1,
      num: 0,
      data: { hex: 'deadbeef00' },
      args: ['file.bin', { hex: 'deadbeef00' }],
    });
  });

  it('folds heartbeats in the listing unless --show-heartbeats', async () => {
    const folded = await readInProcess([FIXTURE]);
    expect(folded.stdout).not.toMatch(/ "2"$/m);
    expect(folded.stdout).toContain('4 keep-alive frames folded (--show-heartbeats lists them)');
    expect(folded.stdout).toContain('↳ socket.io EVENT /chat "message" ["hello",42] ack=0');
    const shown = await readInProcess([FIXTURE, '--show-heartbeats']);
    expect(shown.stdout.match(/ text FIN 1 byte "2"$/gm)).toHaveLength(2);
    expect(shown.stdout).toContain('↳ socket.io ping');
    expect(shown.stdout).not.toContain('folded');
  });

  it('--view raw turns it off: no app, no note, heartbeats listed', async () => {
    const all = await events(['--view', 'raw']);
    expect(all.some((e) => 'app' in e || e.code === 'app.view.selected')).toBe(false);
    const text = await readInProcess([FIXTURE, '--view', 'raw']);
    expect(text.stdout).not.toContain('↳');
  });
});

describe('Socket.IO packets from the protocol documents', () => {
  const decodeAll = (path: string | null, packets: [string | Uint8Array, 'c2s' | 's2c'][]) => {
    const view = socketIoView({ conn: 1, path, strict: true });
    const make = messageMaker();
    return packets.map(([p, dir], i) => view.decode(make(p, dir, i)));
  };

  it('Engine.IO 3 (socket.io v2): ERROR is type 4, binary packets carry a leading 4', () => {
    const [err, event, bin] = decodeAll('/socket.io/?EIO=3&transport=websocket', [
      ['44"Not authorized"', 's2c'],
      ['451-["file",{"_placeholder":true,"num":0}]', 'c2s'],
      [new Uint8Array([4, 1, 2, 3]), 'c2s'],
    ]);
    expect(err.app?.items[0]).toMatchObject({
      kind: 'error',
      error: true,
      fields: { eio: 3, type: 'ERROR', data: 'Not authorized' },
    });
    expect(event.app?.items[0].fields).toMatchObject({ eio: 3, type: 'BINARY_EVENT', event: 'file', attachments: 1 });
    expect(bin.app?.items[0].fields.args).toEqual([new Uint8Array([1, 2, 3])]);
  });

  it('Engine.IO 4: CONNECT_ERROR is type 4; a default-namespace ack pairs with its event', () => {
    const [connErr, ev, ack] = decodeAll(null, [
      ['44{"message":"Not authorized"}', 's2c'],
      ['2', 's2c'],
      ['3', 'c2s'],
    ]);
    expect(connErr.app?.items[0].fields.type).toBe('CONNECT_ERROR');
    expect(ev.app?.items[0]).toMatchObject({ kind: 'ping', heartbeat: true });
    expect(ack.app?.items[0]).toMatchObject({ kind: 'pong', heartbeat: true });
    const [, reply] = decodeAll(null, [
      ['4212["hello",1]', 'c2s'],
      ['4312[2]', 's2c'],
    ]);
    expect(reply.pair).toEqual({ conn: 1, index: 1, latencyMs: 1000, request: 'hello' });
  });

  it('malformed packets are diagnostics, and decoding goes on', () => {
    const results = decodeAll(null, [
      ['', 'c2s'],
      ['9', 'c2s'],
      ['4', 'c2s'],
      ['47', 'c2s'],
      ['42["unterminated"', 'c2s'],
      ['42{"not":"an array"}', 'c2s'],
      ['45["no count"]', 'c2s'],
      ['43["no ack id"]', 'c2s'],
      [new Uint8Array([1, 2]), 'c2s'],
      ['42["fine"]', 'c2s'],
    ]);
    expect(results.map((r) => r.diagnostics.map((d) => d.code)[0] ?? null)).toEqual([
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.packet.malformed',
      'socketio.attachment.unexpected',
      null,
    ]);
    expect(results.at(-1)!.app?.items[0].fields.event).toBe('fine');
  });
});

describe('Socket.IO over Engine.IO 3 on real socket.io-client 2.5.0 traffic', () => {
  it('decodes EIO 3: the client pings, the binary attachment carries a leading 4, acks pair', async () => {
    const run = await readInProcess([join(ROOT, 'fixtures', 'views', 'socketio-eio3.pcap'), '--json']);
    expect(run.error).toBeNull();
    const messages = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Json)
      .filter((e) => e.type === 'message');
    const items = messages.map((m): Record<string, unknown> => ({
      dir: m.dir,
      ...(m.app as { items: Record<string, unknown>[] }).items[0],
    }));
    expect(items.every((i) => i.eio === 3)).toBe(true);
    expect(items.filter((i) => i.type === 'ping').map((i) => i.dir)).toEqual(['c2s', 'c2s']);
    const binary = messages.find((m) => m.opcode === 2)!;
    expect(binary.data).toBe('04010203');
    expect(items.find((i) => i.type === 'attachment')).toMatchObject({
      data: { hex: '010203' },
      args: ['f.bin', { hex: '010203' }],
    });
    expect(messages.filter((m) => m.pair !== undefined).map((m) => (m.pair as { request: string }).request)).toEqual([
      'message',
      'upload',
    ]);
  });
});
