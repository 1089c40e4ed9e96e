// Every real fixture decodes to the TCP byte streams the generator's server actually read
// and wrote (ground truth in FILE.expected.json), whole and in chunks of any size.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_LIMITS } from '../../src/capture/capture-limits.js';
import { sniffCaptureFormat } from '../../src/capture/capture-format.js';
import type { RecordReader } from '../../src/capture/record-reader.js';
import type { PacketSink } from '../../src/capture/packet-decoder.js';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { PcapReader } from '../../src/capture/pcap-reader.js';
import { createPcapParserReader } from '../../src/sources/pcap-parser-reader.js';
import { tsharkPacketMicros } from '../helpers/tshark-pdml.js';
import { describeWithTool } from '../helpers/tools.js';
import { byConnection, decode, expected, fixture, FIXTURES, globalCodes, sha256 } from './helpers/capture-harness.js';

const FILES = readdirSync(FIXTURES)
  .filter((n) => /\.pcap(ng)?$/.test(n))
  .sort();

describe('real captures → StreamEvents', () => {
  it('has the fixtures the issue lists', () => {
    expect(FILES).toEqual(
      expect.arrayContaining([
        'plain.pcap',
        'deflate.pcap',
        'deflate-no-context.pcap',
        'fragmented.pcap',
        'lengths.pcap',
        'ping-pong.pcap',
        'close-reason.pcap',
        'ipv6.pcap',
        'interleaved.pcap',
        'midstream.pcap',
        'http-beside.pcap',
        'any-sll2.pcap',
        'plain.pcapng',
        'nanosecond.pcap',
        'corked.pcap',
      ]),
    );
  });

  for (const file of FILES) {
    it(`${file}: each connection's bytes equal what was sent, both directions`, () => {
      const truth = expected(file);
      const events = decode(fixture(file));
      const conns = byConnection(events);
      expect(globalCodes(events)).toEqual([]);
      expect([...conns.keys()]).toEqual(truth.connections.map((_, i) => i + 1));
      for (const [n, got] of conns) {
        const want = truth.connections[n - 1];
        expect(got.client).toMatch(new RegExp(`:${want.clientPort}$`));
        expect(got.server).toMatch(new RegExp(`:${want.serverPort}$`));
        expect({ length: got.c2s.length, sha256: sha256(got.c2s) }).toEqual({
          length: want.streams.c2s.length,
          sha256: want.streams.c2s.sha256,
        });
        expect({ length: got.s2c.length, sha256: sha256(got.s2c) }).toEqual({
          length: want.streams.s2c.length,
          sha256: want.streams.s2c.sha256,
        });
        expect(got.gaps).toEqual([]);
        expect(got.end?.reason).toBe('tcp-fin');
        expect(got.detectedBy).toBe(file === 'midstream.pcap' ? 'heuristic' : 'handshake');
      }
    });

    it(`${file}: the same events whatever the chunk sizes`, () => {
      const bytes = fixture(file);
      const whole = JSON.stringify(summary(decode(bytes)));
      for (const chunks of [1, 3, 17, 4096, [5, 1, 200, 33, 64 * 1024]]) {
        expect(JSON.stringify(summary(decode(bytes, { chunks })))).toBe(whole);
      }
    });
  }

  it('ipv6.pcap names endpoints in brackets', () => {
    const [conn] = byConnection(decode(fixture('ipv6.pcap'))).values();
    expect(conn.server).toBe('[::1]:18094');
    expect(conn.client).toMatch(/^\[::1\]:\d+$/);
  });

  it('http-beside.pcap reports only the WebSocket connection, not the plain HTTP one', () => {
    const events = decode(fixture('http-beside.pcap'));
    expect(events.filter((e) => e.kind === 'open').map((e) => e.kind === 'open' && e.endpoints.server)).toEqual([
      '127.0.0.1:18098',
    ]);
  });

  it('midstream.pcap says how sure the heuristic is', () => {
    const events = decode(fixture('midstream.pcap'));
    const note = events.find((e) => e.kind === 'diagnostic' && e.diagnostic.code === 'capture.heuristic');
    expect(note?.kind === 'diagnostic' && note.diagnostic.message).toMatch(
      /\d+ consecutive plausible frame\(s\).*confidence (high|medium)/,
    );
  });

  it('times are seconds since the epoch from the packets, in order', () => {
    for (const file of ['plain.pcap', 'nanosecond.pcap', 'plain.pcapng']) {
      const times = decode(fixture(file)).flatMap((e) => (e.time === null ? [] : [e.time]));
      expect(times.length).toBeGreaterThan(5);
      for (const t of times) expect(t).toBeGreaterThan(1.6e9);
      // data events come in capture order
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
  });
});

/** Each packet's time in µs, as the record reader for the file's format hands it on. */
function readerMicros(bytes: Uint8Array, pcapReader: 'builtin' | 'pcap-parser'): number[] {
  const micros: number[] = [];
  const sink: PacketSink = {
    addInterface: () => 0,
    packet: (_iface, time) => micros.push(time === null ? NaN : Math.round(time * 1e6)),
    fileDiagnostic: (d) => expect.fail(`file diagnostic ${d.code}: ${d.message}`),
  };
  const format = sniffCaptureFormat(bytes)!;
  const reader: RecordReader =
    format.kind === 'pcapng'
      ? new PcapngReader(sink, DEFAULT_CAPTURE_LIMITS.maxRecordBytes)
      : pcapReader === 'builtin'
        ? new PcapReader(format, sink, DEFAULT_CAPTURE_LIMITS)
        : createPcapParserReader(format, sink, DEFAULT_CAPTURE_LIMITS);
  reader.push(bytes);
  reader.end();
  return micros;
}

// tshark is the oracle: a unit mistake (if_tsresol ignored, nanoseconds read as µs) shows
// as every time off by a factor, which a range check on the epoch does not catch.
describeWithTool('tshark', "fixture timestamps equal tshark's", () => {
  for (const file of FILES) {
    it(`${file}: every packet's time, to the microsecond, and every event's time is one of them`, () => {
      const theirs = tsharkPacketMicros(join(FIXTURES, file));
      expect(theirs.length).toBeGreaterThan(10);
      const bytes = fixture(file);
      expect(readerMicros(bytes, 'builtin')).toEqual(theirs);
      if (sniffCaptureFormat(bytes)?.kind === 'pcap') expect(readerMicros(bytes, 'pcap-parser')).toEqual(theirs);
      const packetTimes = new Set(theirs);
      const events = decode(bytes).flatMap((e) => (e.time === null ? [] : [Math.round(e.time * 1e6)]));
      expect(events.length).toBeGreaterThan(5);
      expect(events.filter((t) => !packetTimes.has(t))).toEqual([]);
    });
  }
});

/** Events with data joined per connection and direction (chunking may split deliveries differently). */
function summary(events: ReturnType<typeof decode>): unknown {
  const conns = byConnection(events);
  return {
    kinds: events.filter((e) => e.kind !== 'data').map((e) => `${e.kind}:${'conn' in e ? e.conn : ''}`),
    conns: [...conns.values()].map((c) => ({ ...c, c2s: sha256(c.c2s), s2c: sha256(c.s2c) })),
  };
}
