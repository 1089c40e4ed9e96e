// Every frame, message and handshake decoded from a capture says where it came from: the
// packets (Wireshark's frame.number, 1-based over every record) and records that carry its
// first and last byte, and its TCP stream offsets. tshark is the oracle for the packet
// numbers: it dissects a WebSocket frame in the packet that carries its last byte. The
// stream offsets are checked against the bytes the capture layer handed on.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectionDemux } from '../../src/session/connection-demux.js';
import type { CaptureOrigin, FrameEvent, InspectEvent, StreamEvent } from '../../src/session/events.js';
import { createCaptureDecoder } from '../../src/sources/capture-source.js';
import { runCli } from '../helpers/cli-run.js';
import { runTshark, tsharkVersion } from '../helpers/tshark-pdml.js';
import { describeWithTool, toolMissing } from '../helpers/tools.js';
import { expected, fixture, FIXTURES } from './helpers/capture-harness.js';

const FILES = readdirSync(FIXTURES)
  .filter((n) => /\.pcap(ng)?$/.test(n))
  .sort();

interface Decoded {
  readonly events: InspectEvent[];
  readonly stream: StreamEvent[];
}

function decodeFile(file: string, reader: 'builtin' | 'pcap-parser' = 'builtin', chunk = 1 << 20): Decoded {
  const bytes = fixture(file);
  const events: InspectEvent[] = [];
  const stream: StreamEvent[] = [];
  const demux = new ConnectionDemux({ onEvent: (e) => events.push(e) });
  const decoder = createCaptureDecoder(
    (e) => {
      stream.push(e);
      demux.handle(e);
    },
    { pcapReader: reader },
  );
  for (let at = 0; at < bytes.length; at += chunk) decoder.push(bytes.slice(at, at + chunk));
  decoder.end();
  demux.finish(null);
  return { events, stream };
}

const port = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

function frames(events: readonly InspectEvent[]): FrameEvent[] {
  return events.filter((e): e is FrameEvent => e.type === 'frame');
}

/** The bytes of one direction at TCP stream offsets [from, to], from the data events. */
function streamBytes(stream: readonly StreamEvent[], conn: number, dir: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (const e of stream) {
    if (e.kind !== 'data' || e.conn !== conn || e.dir !== dir || e.at === undefined) continue;
    for (let k = Math.max(from, e.at); k <= Math.min(to, e.at + e.bytes.length - 1); k++)
      out[k - from] = e.bytes[k - e.at];
  }
  return out;
}

describe('capture origin of events', () => {
  for (const file of FILES) {
    it(`${file}: every frame's stream offsets hold its header and payload; packets rise with the index`, () => {
      const { events, stream } = decodeFile(file);
      const list = frames(events);
      expect(list.length).toBeGreaterThan(0);
      const last = new Map<string, CaptureOrigin>();
      for (const f of list) {
        const c = f.capture;
        expect(c, `frame ${f.conn}:${f.index}`).toBeDefined();
        if (c === undefined) continue;
        expect(c.packet).toBeGreaterThan(0);
        expect(c.lastPacket).toBeGreaterThanOrEqual(c.packet);
        expect(c.record).toBeGreaterThan(0);
        expect(c.lastRecord).toBeGreaterThanOrEqual(c.record);
        const size = f.frame.headerLength + f.frame.payloadLength;
        expect(c.streamEnd - c.streamStart + 1).toBe(size);
        const wire = streamBytes(stream, f.conn, f.dir, c.streamStart, c.streamEnd);
        // first header byte: FIN, RSV1-3, opcode
        const b0 =
          (f.frame.fin ? 0x80 : 0) |
          (f.frame.rsv1 ? 0x40 : 0) |
          (f.frame.rsv2 ? 0x20 : 0) |
          (f.frame.rsv3 ? 0x10 : 0) |
          f.frame.opcode;
        expect(wire[0], `frame ${f.conn}:${f.index} first byte`).toBe(b0);
        expect(wire.length).toBe(size);
        const key = `${f.conn}:${f.dir}`;
        const before = last.get(key);
        if (before !== undefined) {
          expect(c.streamStart).toBeGreaterThan(before.streamEnd);
          expect(c.packet).toBeGreaterThanOrEqual(before.lastPacket);
        }
        last.set(key, c);
      }
    });
  }

  it('messages span their frames; handshakes start each direction', () => {
    const { events } = decodeFile('fragmented.pcap');
    const byIndex = new Map(frames(events).map((f) => [`${f.conn}:${f.index}`, f]));
    const messages = events.filter((e) => e.type === 'message');
    expect(messages.some((m) => m.frames > 1)).toBe(true);
    for (const m of messages) {
      const first = byIndex.get(`${m.conn}:${m.firstFrame}`)!.capture!;
      const lastFrame = byIndex.get(`${m.conn}:${m.lastFrame}`)!.capture!;
      expect(m.capture).toEqual({
        ...first,
        lastPacket: lastFrame.lastPacket,
        lastRecord: lastFrame.lastRecord,
        streamEnd: lastFrame.streamEnd,
      });
    }
    const handshakes = events.filter((e) => e.type === 'handshake');
    expect(handshakes).toHaveLength(2);
    for (const h of handshakes) {
      expect(h.capture?.streamStart).toBe(0);
      expect(h.capture?.streamEnd).toBe(h.handshake.headLength - 1);
    }
  });

  it('the pcap-parser reader and any chunk size give the same origins', () => {
    const origins = (d: Decoded) => frames(d.events).map((f) => f.capture);
    const ours = origins(decodeFile('interleaved.pcap'));
    expect(origins(decodeFile('interleaved.pcap', 'pcap-parser'))).toEqual(ours);
    expect(origins(decodeFile('interleaved.pcap', 'builtin', 7))).toEqual(ours);
  });
});

describe('capture origin in the output', () => {
  it('--json: frames, messages and handshakes name the packets of their first and last byte; -V shows them', () => {
    const file = join(FIXTURES, 'lengths.pcap');
    const { events } = decodeFile('lengths.pcap');
    const lines = runCli([file, '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const origins = lines.filter((e) => e.type === 'frame' || e.type === 'message' || e.type === 'handshake');
    const ours = events.filter((e) => e.type === 'frame' || e.type === 'message' || e.type === 'handshake');
    expect(origins.map((e) => [e.packet, e.lastPacket])).toEqual(
      ours.map((e) => [e.capture!.packet, e.capture!.lastPacket]),
    );
    const spanning = frames(events).find((f) => f.capture!.lastPacket > f.capture!.packet)!;
    const { packet, lastPacket } = spanning.capture!;
    const view = runCli([file, '-V']).stdout;
    expect(view).toContain(
      `Wire bytes (frame at stream offset ${spanning.frame.offset}, packets ${packet}–${lastPacket})`,
    );
    // hex input has no packets: no packet fields
    expect(runCli(['hex', '--json', '81 00']).stdout).not.toContain('"packet"');
  });
});

describeWithTool(
  'tshark',
  `capture origin against tshark (${toolMissing('tshark') === null ? tsharkVersion() : 'no tshark'})`,
  () => {
    for (const file of FILES) {
      it(`${file}: each frame's last byte is in the packet where tshark dissects it`, () => {
        const truth = expected(file);
        const midstream = truth.connections.some((c) => c.streams.c2s.skipped > 0 || c.streams.s2c.skipped > 0);
        const theirs = runTshark(join(FIXTURES, file), {
          decompress: false,
          decodeAsPort: midstream ? truth.serverPort : undefined,
        });
        const { events } = decodeFile(file);
        const clientOf = new Map<number, number>();
        for (const e of events) if (e.type === 'connection') clientOf.set(e.conn, port(e.client));
        const ours = new Map<string, number[]>();
        for (const f of frames(events)) {
          const key = `${clientOf.get(f.conn)}:${f.dir}`;
          ours.set(key, [...(ours.get(key) ?? []), f.capture!.lastPacket]);
        }
        const tshark = new Map<string, number[]>();
        for (const t of theirs) {
          const c2s = t.dstPort === truth.serverPort;
          const key = `${c2s ? t.srcPort : t.dstPort}:${c2s ? 'c2s' : 's2c'}`;
          tshark.set(key, [...(tshark.get(key) ?? []), t.packet]);
        }
        expect(theirs.length).toBeGreaterThan(0);
        expect(ours).toEqual(tshark);
      });
    }
  },
);
