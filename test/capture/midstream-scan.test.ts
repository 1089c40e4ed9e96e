// A capture that begins inside a frame far longer than the detection window: midstream.pcap
// rewritten so each direction first carries the end of a 1 MiB frame whose start was not
// captured. Detection must look past the window (bounded), find the run of frames after the
// long one, start decoding at that boundary and say how many bytes it skipped; payload that
// is not WebSocket (random bytes, zero bytes) must not be taken for frames.
import { describe, expect, it } from 'vitest';
import { FrameChainScanner } from '../../src/protocol/frame-chain-scanner.js';
import {
  MAX_SCAN_BYTES,
  SCAN_MIN_FRAMES,
  detectWebSocket,
  type DetectionSide,
} from '../../src/capture/websocket-detector.js';
import { buildFrame, concatBytes, seededRandom } from '../helpers/frame-builder.js';
import { byConnection, decode, expected, fixture, pcapOf, sha256, type ConnResult } from './helpers/capture-harness.js';
import { ACK, PSH, readTcpRecords, type TcpRecord } from './helpers/tcp-packets.js';

const records = readTcpRecords(fixture('midstream.pcap'));
const truth = expected('midstream.pcap').connections[0];
const SERVER = 18110;
const isC2s = (r: TcpRecord): boolean => r.dport === SERVER;
const MIB = 1024 * 1024;

function randomBytes(n: number, seed: number): Uint8Array {
  const rnd = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
}

/** The last `keep` bytes of a 1 MiB binary frame (masked for the client), its start cut off. */
function cutFrame(dir: 'c2s' | 's2c', keep: number, payload = randomBytes(MIB, 7)): Uint8Array {
  const frame = buildFrame({ opcode: 2, payload, maskingKey: dir === 'c2s' ? [0x11, 0x22, 0x33, 0x44] : undefined });
  return frame.subarray(frame.length - keep);
}

/** midstream.pcap with `bytes` sent in `dir` before its first segment that way, in MSS-sized segments. */
function prepend(rs: readonly TcpRecord[], dir: 'c2s' | 's2c', bytes: Uint8Array, mss = 1448): TcpRecord[] {
  const first = rs.find((r) => isC2s(r) === (dir === 'c2s') && r.payload.length > 0)!;
  const out: TcpRecord[] = [];
  for (let at = 0; at < bytes.length; at += mss) {
    const payload = bytes.slice(at, at + mss);
    out.push({
      ...first,
      flags: PSH | ACK,
      seq: (first.seq - bytes.length + at) >>> 0,
      payload,
      time: rs[0].time - 0.01 + at * 1e-9,
    });
  }
  return [...out, ...rs];
}

function only(rs: readonly TcpRecord[]): { conn: ConnResult; notes: string[] } {
  const events = decode(pcapOf(rs));
  const conns = [...byConnection(events).values()];
  expect(conns).toHaveLength(1);
  const notes = events.flatMap((e) =>
    e.kind === 'diagnostic' && e.conn !== null ? [`${e.diagnostic.code}: ${e.diagnostic.message}`] : [],
  );
  return { conn: conns[0], notes };
}

function expectTruth(conn: ConnResult): void {
  expect(conn.detectedBy).toBe('heuristic');
  expect(conn.server).toBe(`127.0.0.1:${SERVER}`);
  expect(sha256(conn.c2s)).toBe(truth.streams.c2s.sha256);
  expect(sha256(conn.s2c)).toBe(truth.streams.s2c.sha256);
}

describe('capture beginning inside a frame longer than the detection window', () => {
  it('server→client: the frames after the long one are found, decoding starts at the first of them', () => {
    const cut = cutFrame('s2c', 900_000);
    const { conn, notes } = only(prepend(records, 's2c', cut));
    expectTruth(conn);
    expect(notes.some((n) => n.startsWith('capture.heuristic:'))).toBe(true);
    expect(notes).toContain(
      `capture.midstream.skipped: s2c: decoding starts at the first frame boundary found, after skipping ${cut.length} byte(s) of a frame whose start was not captured`,
    );
    expect(conn.gaps).toEqual([]);
  });

  it('client→server (masked), in 64 KiB segments: found as well', () => {
    const cut = cutFrame('c2s', 700_001);
    const { conn, notes } = only(prepend(records, 'c2s', cut, 65483));
    expectTruth(conn);
    expect(notes).toContain(
      `capture.midstream.skipped: c2s: decoding starts at the first frame boundary found, after skipping ${cut.length} byte(s) of a frame whose start was not captured`,
    );
  });

  it('both directions inside long frames: each direction finds its own run', () => {
    const rs = prepend(
      prepend(records, 's2c', cutFrame('s2c', 500_000, randomBytes(MIB, 11))),
      'c2s',
      cutFrame('c2s', 600_000, randomBytes(MIB, 12)),
    );
    const { conn, notes } = only(rs);
    expectTruth(conn);
    expect(notes.filter((n) => n.startsWith('capture.midstream.skipped:')).sort()).toEqual([
      'capture.midstream.skipped: c2s: decoding starts at the first frame boundary found, after skipping 600000 byte(s) of a frame whose start was not captured',
      'capture.midstream.skipped: s2c: decoding starts at the first frame boundary found, after skipping 500000 byte(s) of a frame whose start was not captured',
    ]);
  });

  it('a long frame of zero bytes (endless empty continuation frames to a scanner) is not taken for frames', () => {
    const cut = cutFrame('s2c', 300_000, new Uint8Array(MIB));
    const { conn } = only(prepend(records, 's2c', cut));
    expectTruth(conn);
  });

  it('random bytes both ways for megabytes are not WebSocket', () => {
    // midstream.pcap's first segment each way, then random bytes in its place
    const firstOf = (c2s: boolean): TcpRecord => records.find((r) => isC2s(r) === c2s && r.payload.length > 0)!;
    const rs = [firstOf(true), firstOf(false)].map((r, i) => ({
      ...r,
      payload: randomBytes(r.payload.length, 30 + i),
    }));
    const noise = prepend(prepend(rs, 's2c', randomBytes(3 * MIB, 22)), 'c2s', randomBytes(3 * MIB, 21));
    expect(decode(pcapOf(noise))).toEqual([]);
  });
});

/** Byte reads a linear scan may make per byte (it makes 3). */
const READS_PER_BYTE = 8;

/** `bytes` behind a Proxy that counts index reads and throws past `limit`, so runaway work fails fast. */
function countingReads(bytes: Uint8Array, limit: number): { bytes: Uint8Array; reads: () => number } {
  let reads = 0;
  const view = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) {
        if (++reads > limit) throw new Error(`more than ${limit} byte reads for ${target.length} bytes`);
        return target[Number(key)];
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { bytes: view, reads: () => reads };
}

describe('FrameChainScanner', () => {
  const text = (n: number): Uint8Array => buildFrame({ opcode: 1, payload: 'x'.repeat(n) });

  it('follows a run across pushes, through a frame longer than anything kept', () => {
    const scanner = new FrameChainScanner(false, 0, MAX_SCAN_BYTES);
    const long = buildFrame({ opcode: 2, payload: new Uint8Array(60_000).fill(0x41) }); // 16-bit length
    const longer = buildFrame({ opcode: 2, payload: new Uint8Array(300_000).fill(0x42) }); // 64-bit length
    const stream = concatBytes(
      text(3),
      long,
      text(5),
      longer,
      text(0),
      buildFrame({ opcode: 9, payload: 'p' }),
      text(7),
      text(1),
    );
    // pushed in pieces, keeping only 64 bytes of tail between them, as the detection window does
    let base = 0;
    let held = new Uint8Array(0);
    for (let at = 0; at < stream.length; at += 5000) {
      const bytes = concatBytes(held, stream.subarray(at, at + 5000));
      scanner.scan(bytes, bytes.length, base);
      const keep = Math.min(64, bytes.length);
      base += bytes.length - keep;
      held = bytes.slice(bytes.length - keep);
    }
    const best = scanner.best(SCAN_MIN_FRAMES);
    expect(best).toMatchObject({ start: 0, frames: 8, masked: false, next: stream.length });
    expect(best!.last).toBe(stream.length - text(1).length);
  });

  it('a run of zero bytes is followed in linear time and never counts as evidence', () => {
    // work counted as byte reads, not timed (bench/bounds-bench.js times it): the same few
    // reads per byte for 64 KiB as for 1 MiB; a scan quadratic in the run stops at the budget
    const readsPerByte = (n: number): number => {
      const scanner = new FrameChainScanner(false, 0, MAX_SCAN_BYTES);
      const zeros = countingReads(new Uint8Array(n), READS_PER_BYTE * n);
      scanner.scan(zeros.bytes, n, 0);
      expect(scanner.best(1)).toBeNull();
      return zeros.reads() / n;
    };
    const small = readsPerByte(1 << 16);
    const large = readsPerByte(1 << 20);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeLessThanOrEqual(small * 1.01);
  });

  it('a gap breaks every run', () => {
    const scanner = new FrameChainScanner(false, 0, MAX_SCAN_BYTES);
    const stream = concatBytes(text(3), text(4), text(5), text(6), text(7), text(8));
    scanner.scan(stream, stream.length, 0);
    expect(scanner.best(SCAN_MIN_FRAMES)?.frames).toBe(6);
    scanner.reset(stream.length + 100);
    expect(scanner.best(1)).toBeNull();
  });
});

describe('how far detection scans', () => {
  const side = (skipped: number, full: boolean, scanner: FrameChainScanner | null): DetectionSide => {
    const bytes = randomBytes(8192, 3);
    return { bytes, length: bytes.length, full, resumeAt: 0, skipped, scanner };
  };
  const quiet: DetectionSide = {
    bytes: new Uint8Array(0),
    length: 0,
    full: false,
    resumeAt: 0,
    skipped: 0,
    scanner: null,
  };
  const judge = (s0: DetectionSide) =>
    detectWebSocket({ sides: [s0, quiet], synSide: -1, portClientSide: 0, forced: false, final: false });

  it('a full window with no frame chain slides on instead of giving up', () => {
    expect(judge(side(0, true, null))).toEqual({ kind: 'wait', scanFurther: true });
  });

  it(`past ${MAX_SCAN_BYTES / MIB} MiB without a run of frames the connection is not WebSocket`, () => {
    const scanner = new FrameChainScanner(null, 0, MAX_SCAN_BYTES);
    expect(judge(side(MAX_SCAN_BYTES - 8192, true, scanner)).kind).toBe('wait');
    expect(judge(side(MAX_SCAN_BYTES, true, scanner)).kind).toBe('ignore');
  });
});
