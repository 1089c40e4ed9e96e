// The filter language on real captures: a table of expressions and the frames each must
// match, on the committed fixtures and on one capture made here (JSON texts, diagnostics, a
// subprotocol), every Wireshark alias included. Where tshark has the field, tshark is the
// oracle: `tshark -Y 'websocket && (EXPR)'` must pick the packets that carry the matching
// frames (each frame counted in the packet holding its last byte, where tshark shows it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDisplayFilter, FILTER_ALIASES } from '../../src/filter/index.js';
import { readCapture } from '../../src/pipeline/read-capture.js';
import { computeAccept } from '../../src/protocol/accept-key.js';
import type { FrameEvent, InspectEvent } from '../../src/session/events.js';
import { FIXTURES, pcapOf } from '../capture/helpers/capture-harness.js';
import { tcpConversation } from '../capture/helpers/tcp-packets.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { describeWithTool } from '../helpers/tools.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const key = [1, 2, 3, 4];

/** A capture with what the fixtures lack: JSON texts, diagnostics, a path, a subprotocol. */
function appCapture(): string {
  const wsKey = 'dGhlIHNhbXBsZSBub25jZQ==';
  const request = ascii(
    'GET /feed?room=7 HTTP/1.1\r\nHost: example.test:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${wsKey}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: feed.v1, feed.v2\r\nUser-Agent: filter-test/1.0\r\n\r\n`,
  );
  const response = ascii(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${computeAccept(wsKey)}\r\nSec-WebSocket-Protocol: feed.v2\r\n\r\n`,
  );
  const records = tcpConversation(
    [
      ['c2s', request],
      ['s2c', response],
      ['c2s', buildFrame({ payload: '{"op":"subscribe","topic":"prices"}', maskingKey: key })],
      ['s2c', buildFrame({ payload: '{"type":"tick","items":[{"id":4,"px":1.5},{"id":9}]}' })],
      ['s2c', buildFrame({ payload: '{"type":"error","error":{"code":42,"text":"Bad Topic"}}' })],
      ['c2s', buildFrame({ payload: 'oops, not masked' })],
      ['s2c', buildFrame({ payload: 'hello', lengthEncoding: 16 })],
      ['c2s', buildFrame({ opcode: 2, payload: new Uint8Array([0x0a, 0x0b, 0x0c, 0xff]), maskingKey: key })],
      ['c2s', buildFrame({ opcode: 8, payload: new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]), maskingKey: key })],
      ['s2c', buildFrame({ opcode: 8, payload: new Uint8Array([0x03, 0xe8]) })],
    ],
    { port: 8080, cport: 51000, t0: 1.7e9 },
  );
  const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-filter-')), 'app.pcap');
  writeFileSync(file, pcapOf(records));
  return file;
}

const APP = appCapture();
const path = (name: string): string => (name === 'app.pcap' ? APP : join(FIXTURES, name));

const events = new Map<string, InspectEvent[]>();
async function eventsOf(name: string): Promise<InspectEvent[]> {
  if (!events.has(name)) {
    const all: InspectEvent[] = [];
    for await (const ev of readCapture(path(name))) all.push(ev);
    events.set(name, all);
  }
  return events.get(name)!;
}

/** The frames of `name` the expression shows, as "conn#index", and the packets they end in. */
async function matching(name: string, expr: string): Promise<{ frames: string; packets: number[] }> {
  const filter = createDisplayFilter({ expression: expr });
  const all = await eventsOf(name);
  const firstTime = all.find((ev) => ev.time !== null)?.time;
  if (firstTime !== undefined && firstTime !== null) filter.setTimeOrigin(firstTime);
  const shown = all.filter((ev) => filter.show(ev) && ev.type === 'frame') as FrameEvent[];
  return {
    frames: shown.map((f) => `${f.conn}#${f.index}`).join(' '),
    packets: [...new Set(shown.map((f) => f.capture!.lastPacket))].sort((a, b) => a - b),
  };
}

interface Case {
  readonly file: string;
  readonly expr: string;
  /** The frames it must match, "conn#index" in order. */
  readonly frames: string;
  /** tshark's spelling when it differs (null: tshark has no such field). */
  readonly tshark?: string | null;
}

const CASES: Case[] = [
  // Wireshark's names
  { file: 'plain.pcap', expr: 'websocket.opcode == 1', frames: '1#1 1#2 1#5 1#6 1#7 1#8 1#9 1#10' },
  {
    file: 'plain.pcap',
    expr: 'websocket.opcode == 1 && tcp.port == 18080',
    frames: '1#1 1#2 1#5 1#6 1#7 1#8 1#9 1#10',
  },
  { file: 'plain.pcap', expr: 'websocket.opcode == 2 && tcp.port == 8080', frames: '' },
  { file: 'plain.pcap', expr: 'websocket.opcode in {2, 8}', frames: '1#3 1#4 1#11 1#12' },
  { file: 'fragmented.pcap', expr: 'websocket.fin == 0', frames: '1#1 1#2 1#5 1#8 1#9 1#14' },
  {
    file: 'fragmented.pcap',
    expr: 'websocket.fin',
    frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#7 1#8 1#9 1#10 1#11 1#12 1#13 1#14 1#15 1#16 1#17 1#18',
  },
  { file: 'plain.pcap', expr: 'websocket.mask == 0', frames: '1#2 1#4 1#6 1#8 1#10 1#12' },
  { file: 'deflate.pcap', expr: 'websocket.rsv == 4', frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#7 1#8 1#9 1#10' },
  { file: 'deflate.pcap', expr: 'websocket.rsv == 0', frames: '1#11 1#12' },
  { file: 'lengths.pcap', expr: 'websocket.payload_length == 126', frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#7' },
  { file: 'lengths.pcap', expr: 'websocket.payload_length == 127', frames: '1#9' },
  { file: 'lengths.pcap', expr: 'websocket.payload_length < 126', frames: '1#8 1#10 1#11 1#12' },
  { file: 'lengths.pcap', expr: 'websocket.payload_length_ext_16 > 200', frames: '1#5 1#6 1#7' },
  { file: 'lengths.pcap', expr: 'websocket.payload_length_ext_64 == 70000', frames: '1#9' },
  { file: 'plain.pcap', expr: 'websocket.payload.text == "hello"', frames: '1#1 1#2' },
  {
    file: 'deflate.pcap',
    expr: 'websocket.payload.text contains "épsilon"',
    frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#9 1#10',
  },
  { file: 'plain.pcap', expr: 'websocket.payload.text matches "(?i)^HELLO$"', frames: '1#1 1#2' },
  { file: 'close-reason.pcap', expr: 'websocket.payload.close.status_code == 4001', frames: '1#3 1#4' },
  { file: 'close-reason.pcap', expr: 'websocket.payload.close.reason contains "custom"', frames: '1#3 1#4' },
  { file: 'interleaved.pcap', expr: 'tcp.stream == 1', frames: '2#1 2#2 2#3 2#4 2#5 2#6 2#7 2#8 2#9 2#10' },
  { file: 'interleaved.pcap', expr: 'tcp.srcport == 45616', frames: '3#1 3#3 3#5 3#7 3#9' },
  { file: 'interleaved.pcap', expr: 'tcp.dstport == 45596 && websocket.opcode == 8', frames: '1#10' },
  { file: 'interleaved.pcap', expr: 'tcp.port == 45612 && !(websocket.opcode == 1)', frames: '2#9 2#10' },
  { file: 'plain.pcap', expr: 'ip.addr == 127.0.0.1 && websocket.opcode == 8', frames: '1#11 1#12' },
  { file: 'plain.pcap', expr: 'ip.addr == 10.0.0.0/8', frames: '' },
  { file: 'app.pcap', expr: 'ip.src == 10.0.0.2', frames: '1#2 1#3 1#5 1#8' },
  { file: 'app.pcap', expr: 'ip.dst == 10.0.0.2 && websocket.opcode == 2', frames: '1#6' },
  { file: 'ipv6.pcap', expr: 'ipv6.addr == ::1 && websocket.opcode == 2', frames: '1#3 1#4' },
  { file: 'ipv6.pcap', expr: 'ipv6.src == ::1 && tcp.dstport == 18094 && websocket.opcode == 8', frames: '1#11' },
  { file: 'ipv6.pcap', expr: 'ipv6.dst == ::2', frames: '' },
  { file: 'ipv6.pcap', expr: 'ip.addr == 127.0.0.1', frames: '' },
  // matches: case-sensitive unless (?i); tshark's is any case unless (?-i)
  {
    file: 'plain.pcap',
    expr: 'websocket.payload.text matches "(?i)HELLO"',
    frames: '1#1 1#2',
    tshark: 'websocket.payload.text matches "HELLO"',
  },
  { file: 'plain.pcap', expr: 'websocket.payload.text matches "(?-i)HELLO"', frames: '' },
  { file: 'plain.pcap', expr: 'websocket.payload.text matches "HELLO"', frames: '', tshark: null },
  // packets and times, as tshark numbers them
  { file: 'corked.pcap', expr: 'frame.number == 8', frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#7 1#8 1#9' },
  { file: 'corked.pcap', expr: 'frame.number in {9, 13} && websocket.opcode == 9', frames: '1#13 1#16' },
  { file: 'corked.pcap', expr: 'packet > 14', frames: '1#19 1#20 1#21 1#22', tshark: 'frame.number > 14' },
  { file: 'interleaved.pcap', expr: 'frame.time_relative > 0.1', frames: '2#9 2#10 3#9 3#10' },
  // protocols, as tshark users write them
  { file: 'ping-pong.pcap', expr: 'websocket', frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#7 1#8 1#9' },
  { file: 'ipv6.pcap', expr: 'ipv6 && tcp && websocket.opcode == 8', frames: '1#11 1#12' },
  { file: 'ipv6.pcap', expr: 'ip', frames: '' },
  { file: 'close-reason.pcap', expr: 'ip && !ipv6 && websocket.opcode == 8', frames: '1#3 1#4' },
  // precedence as tshark 4: ! binds to the comparison, && before ||
  {
    file: 'plain.pcap',
    expr: 'websocket.opcode == 8 || websocket.opcode == 1 && websocket.mask == 1',
    frames: '1#1 1#5 1#7 1#9 1#11 1#12',
  },
  {
    file: 'plain.pcap',
    expr: '(websocket.opcode == 8 || websocket.opcode == 1) && websocket.mask == 1',
    frames: '1#1 1#5 1#7 1#9 1#11',
  },
  { file: 'plain.pcap', expr: '!websocket.opcode == 1 && websocket.mask == 1', frames: '1#3 1#11' },
  // wsinspect's names (tshark's spelling beside them)
  {
    file: 'plain.pcap',
    expr: 'opcode == text && len > 10',
    frames: '1#5 1#6 1#9 1#10',
    tshark: 'websocket.opcode == 1 && (websocket.payload_length > 10 && websocket.payload_length < 126)',
  },
  {
    file: 'ping-pong.pcap',
    expr: 'opcode in {ping pong} && len == 0',
    frames: '1#3 1#4',
    tshark: 'websocket.opcode in {9, 10} && websocket.payload_length == 0',
  },
  {
    file: 'plain.pcap',
    expr: 'dir == s2c && opcode == binary',
    frames: '1#4',
    tshark: 'tcp.srcport == 18080 && websocket.opcode == 2',
  },
  { file: 'plain.pcap', expr: 'c2s && !masked', frames: '', tshark: 'tcp.dstport == 18080 && websocket.mask == 0' },
  {
    file: 'interleaved.pcap',
    expr: 'conn == 3 && index > 8',
    frames: '3#9 3#10',
    tshark: 'tcp.stream == 2 && websocket.opcode == 8',
  },
  {
    file: 'fragmented.pcap',
    expr: 'opcode == continuation && fin',
    frames: '1#3 1#6 1#10 1#15',
    tshark: 'websocket.opcode == 0 && websocket.fin == 1',
  },
  {
    file: 'fragmented.pcap',
    expr: 'rsv1 && !fin',
    frames: '1#8 1#14',
    tshark: 'websocket.rsv == 4 && websocket.fin == 0',
  },
  { file: 'fragmented.pcap', expr: 'compressed', frames: '1#8 1#12 1#14', tshark: 'websocket.pmc == 1' },
  {
    file: 'deflate.pcap',
    expr: 'compressed && opcode == binary',
    frames: '1#7 1#8',
    tshark: 'websocket.pmc && websocket.opcode == 2',
  },
  {
    file: 'deflate-no-context.pcap',
    expr: 'rsv1 == 1 && c2s',
    frames: '1#1 1#3 1#5',
    tshark: 'websocket.rsv == 4 && tcp.dstport == 18084',
  },
  {
    file: 'lengths.pcap',
    expr: 'len >= 65535',
    frames: '1#7 1#9',
    tshark: 'websocket.payload_length_ext_16 == 65535 || websocket.payload_length_ext_64 >= 65535',
  },
  {
    file: 'ping-pong.pcap',
    expr: 'data[0:3] == 61:72:65',
    frames: '1#1 1#2',
    tshark: 'websocket.payload.ping[0:3] == 61:72:65 || websocket.payload.pong[0:3] == 61:72:65',
  },
  { file: 'plain.pcap', expr: 'data[0-1] == fd:44 && c2s', frames: '1#3', tshark: null },
  { file: 'plain.pcap', expr: 'data contains "ell"', frames: '1#1 1#2', tshark: null },
  {
    file: 'plain.pcap',
    expr: 'text matches /^καλη/',
    frames: '1#9 1#10',
    tshark: 'websocket.payload.text matches "^καλη"',
  },
  { file: 'plain.pcap', expr: 'text == ""', frames: '1#7 1#8', tshark: null },
  {
    file: 'close-reason.pcap',
    expr: 'close.code == 4001 && close.reason == "custom reason ✓ — done"',
    frames: '1#3 1#4',
    tshark: 'websocket.payload.close.reason == "custom reason ✓ — done"',
  },
  {
    file: 'ping-pong.pcap',
    expr: 'close.code && !close.reason',
    frames: '1#8 1#9',
    tshark: 'websocket.payload.close.status_code && !websocket.payload.close.reason',
  },
  { file: 'interleaved.pcap', expr: 'time > 0.1', frames: '2#9 2#10 3#9 3#10', tshark: 'frame.time_relative > 0.1' },
  { file: 'interleaved.pcap', expr: 'time < 0.0645', frames: '1#1 1#2', tshark: 'frame.time_relative < 0.0645' },
  {
    file: 'http-beside.pcap',
    expr: 'tcp.port == 18098 && opcode == close',
    frames: '1#5 1#6',
    tshark: 'tcp.port == 18098 && websocket.opcode == 8',
  },
  { file: 'corked.pcap', expr: 'opcode == ping', frames: '1#3 1#7 1#13 1#16', tshark: 'websocket.opcode == 9' },
  {
    file: 'corked.pcap',
    expr: 'websocket.opcode == 10 && c2s',
    frames: '1#19 1#20',
    tshark: 'websocket.opcode == 10 && tcp.dstport == 18112',
  },
  {
    file: 'deflate.pcap',
    expr: 'websocket.pmc == 1 && websocket.opcode == 1',
    frames: '1#1 1#2 1#3 1#4 1#5 1#6 1#9 1#10',
  },
  // what tshark has no field for
  { file: 'app.pcap', expr: 'json.op == "subscribe" && c2s', frames: '1#1', tshark: null },
  { file: 'app.pcap', expr: 'json.type == tick', frames: '1#2', tshark: null },
  { file: 'app.pcap', expr: 'json.items[0].id > 3', frames: '1#2', tshark: null },
  { file: 'app.pcap', expr: 'json.items[1].px', frames: '', tshark: null },
  { file: 'app.pcap', expr: 'json.error', frames: '1#3', tshark: null },
  { file: 'app.pcap', expr: 'json.error.text matches "(?i)bad topic"', frames: '1#3', tshark: null },
  { file: 'app.pcap', expr: 'json', frames: '1#1 1#2 1#3', tshark: null },
  { file: 'app.pcap', expr: 'diag', frames: '1#4 1#5', tshark: null },
  { file: 'app.pcap', expr: 'diag == "frame.mask.missing"', frames: '1#4', tshark: null },
  { file: 'app.pcap', expr: 'diag.severity == error', frames: '1#4', tshark: null },
  { file: 'app.pcap', expr: 'diag.severity == warning', frames: '1#5', tshark: null },
  { file: 'app.pcap', expr: 'handshake.path == "/feed?room=7" && opcode == close', frames: '1#7 1#8', tshark: null },
  { file: 'app.pcap', expr: 'handshake.protocol == feed.v2 && s2c && len < 3', frames: '1#8', tshark: null },
  {
    file: 'app.pcap',
    expr: 'handshake.header.user-agent contains "filter-test" && data[0] == 0a',
    frames: '1#6',
    tshark: null,
  },
  { file: 'app.pcap', expr: 'close.code == 1000 && close.reason == bye', frames: '1#7', tshark: null },
  { file: 'plain.pcap', expr: 'handshake.path == "/chat" && index == 1', frames: '1#1', tshark: null },
];

describe('filters on the fixtures', () => {
  it.each(CASES)('$file: $expr', async ({ file, expr, frames }) => {
    expect((await matching(file, expr)).frames).toBe(frames);
  });

  it('covers every Wireshark alias of the field table (a new alias needs a case)', () => {
    const used = CASES.map((c) => c.expr).join('\n');
    expect(FILTER_ALIASES.length).toBeGreaterThan(20);
    for (const { name } of FILTER_ALIASES)
      expect(used, name).toMatch(new RegExp(`(^|[ !(])${name.replace(/\./g, '\\.')}( |$)`, 'm'));
  });
});

function tsharkPackets(file: string, expr: string): number[] {
  const r = spawnSync(
    'tshark',
    ['-n', '-r', path(file), '-Y', `websocket && (${expr})`, '-T', 'fields', '-e', 'frame.number'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`tshark -Y ${JSON.stringify(expr)}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

describeWithTool('tshark', 'tshark -Y picks the same packets (the oracle)', () => {
  const checked = CASES.filter((c) => c.tshark !== null);
  it('checks most of the table', () => {
    expect(checked.length).toBeGreaterThan(40);
  });
  it.each(checked)('$file: $expr', async ({ file, expr, tshark }) => {
    const ours = await matching(file, expr);
    expect(ours.packets).toEqual(tsharkPackets(file, tshark ?? expr));
  });
});
