// IP fragment reassembly on real traffic: the TCP packets of plain.pcap (IPv4) and ipv6.pcap
// rewritten into IP fragments (in order, reversed, duplicated, overlapping, one missing)
// must decode to the same WebSocket frames and messages as the original capture, or give
// the diagnostics the case implies. tshark must see the same frames in a fragmented capture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpReassembler } from '../../src/capture/ip-reassembler.js';
import { ParseStatus, TcpSegment, parseTcpIp } from '../../src/capture/tcp-ip-parser.js';
import type { Diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import type { FrameEvent, InspectEvent, StreamEvent } from '../../src/session/events.js';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import { runTshark, type TsharkFrame } from '../helpers/tshark-pdml.js';
import { describeWithTool } from '../helpers/tools.js';
import { byConnection, decode, fixture, type DecodeOptions } from './helpers/capture-harness.js';
import { writePcap, type WrittenPacket } from './helpers/capture-writer.js';
import { readPcapFrames } from './helpers/tcp-packets.js';

const ETH = 14;
const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

interface IpLayout {
  readonly v6: boolean;
  readonly header: number;
  readonly payload: Uint8Array;
  readonly next: number;
}

/** Where the IP payload of an Ethernet frame is (IPv6: no extension headers, as on loopback). */
function ipLayout(frame: Uint8Array): IpLayout | null {
  const type = u16(frame, 12);
  if (type === 0x0800) {
    const header = ETH + (frame[ETH] & 15) * 4;
    return { v6: false, header, payload: frame.subarray(header, ETH + u16(frame, ETH + 2)), next: frame[ETH + 9] };
  }
  if (type !== 0x86dd) return null;
  return {
    v6: true,
    header: ETH + 40,
    payload: frame.subarray(ETH + 40, ETH + 40 + u16(frame, ETH + 4)),
    next: frame[ETH + 6],
  };
}

function ipv4Checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += u16(h, i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** One fragment carrying payload bytes [start, end) of the frame's datagram (zeros past its end). */
function fragment(
  frame: Uint8Array,
  id: number,
  start: number,
  end: number,
  more: boolean,
  patch?: (data: Uint8Array) => void,
): Uint8Array {
  if (start % 8 !== 0) throw new Error(`fragment offset ${start} is not a multiple of 8`);
  const l = ipLayout(frame)!;
  const data = new Uint8Array(end - start);
  data.set(l.payload.subarray(start, end));
  patch?.(data);
  const extra = l.v6 ? 8 : 0;
  const out = new Uint8Array(l.header + extra + data.length);
  out.set(frame.subarray(0, l.header));
  out.set(data, l.header + extra);
  const dv = new DataView(out.buffer);
  if (l.v6) {
    dv.setUint16(ETH + 4, 8 + data.length);
    out[ETH + 6] = 44;
    out[l.header] = l.next;
    dv.setUint16(l.header + 2, start | (more ? 1 : 0));
    dv.setUint32(l.header + 4, id);
  } else {
    dv.setUint16(ETH + 2, l.header - ETH + data.length);
    dv.setUint16(ETH + 4, id);
    dv.setUint16(ETH + 6, (more ? 0x2000 : 0) | (start / 8));
    dv.setUint16(ETH + 10, 0);
    dv.setUint16(ETH + 10, ipv4Checksum(out.subarray(ETH, l.header)));
  }
  return out;
}

/** The datagram in `size`-byte fragments, in order. */
function split(frame: Uint8Array, id: number, size: number): Uint8Array[] {
  const n = ipLayout(frame)!.payload.length;
  const out: Uint8Array[] = [];
  for (let at = 0; at < n; at += size) out.push(fragment(frame, id, at, Math.min(n, at + size), at + size < n));
  return out;
}

type Frame = { time: number; data: Uint8Array };
/** Turns one packet's fragments (in order) into what the capture holds instead of the packet. */
type Plan = (pieces: Uint8Array[], frame: Uint8Array, id: number) => Uint8Array[];

/** Every IP packet of `frames` (or those `which` picks) replaced by fragments arranged by `plan`. */
function rewrite(
  frames: readonly Frame[],
  plan: Plan,
  which: (i: number) => boolean = () => true,
  size = 24,
): WrittenPacket[] {
  return frames.flatMap((f, i) => {
    if (ipLayout(f.data) === null || !which(i)) return [f];
    const id = 0x100 + i;
    return plan(split(f.data, id, size), f.data, id).map((data) => ({ time: f.time, data }));
  });
}

interface Run {
  readonly stream: StreamEvent[];
  readonly sessions: InspectEvent[][];
  readonly diagnostics: Diagnostic[];
}

function withoutOrigin(ie: InspectEvent): InspectEvent {
  if ('capture' in ie) (ie as { capture?: unknown }).capture = undefined;
  return ie;
}

function run(packets: readonly WrittenPacket[], o: DecodeOptions = {}): Run {
  const stream = decode(writePcap(packets, { linkType: 1 }), o);
  const sessions = new Map<number, { decoder: SessionDecoder; events: InspectEvent[] }>();
  for (const e of stream) {
    if (e.kind === 'open') {
      const events: InspectEvent[] = [];
      sessions.set(e.conn, {
        events,
        decoder: new SessionDecoder({
          conn: e.conn,
          expectHandshake: e.detectedBy === 'handshake',
          // where an event came from differs between a capture and its rewrite: compared apart
          onEvent: (ie) => events.push(withoutOrigin(ie)),
        }),
      });
    }
    if (e.conn !== null) sessions.get(e.conn)?.decoder.handle(e);
  }
  const diagnostics = stream.flatMap((e) => (e.kind === 'diagnostic' && e.conn === null ? [e.diagnostic] : []));
  return { stream, sessions: [...sessions.values()].map((s) => s.events), diagnostics };
}

const frameEvents = (r: Run): FrameEvent[] => r.sessions.flat().filter((e): e is FrameEvent => e.type === 'frame');

const asIs: Plan = (pieces) => pieces;
const reversed: Plan = (pieces) => [...pieces].reverse();
const twice: Plan = (pieces) => pieces.flatMap((p) => [p, p]);
/** Index of the first packet with more than `min` bytes of WebSocket frames (not HTTP) from `port`. */
function dataPacket(frames: readonly Frame[], port: number, min: number): number {
  return frames.findIndex((f) => {
    const l = ipLayout(f.data);
    if (l === null || u16(l.payload, 0) !== port) return false;
    const data = (l.payload[12] >> 4) * 4;
    return l.payload.length - data > min && l.payload[data] !== 0x47; // not "GET …"
  });
}
const only =
  (index: number) =>
  (i: number): boolean =>
    i === index;

for (const [name, file] of [
  ['IPv4', 'plain.pcap'],
  ['IPv6', 'ipv6.pcap'],
] as const) {
  const frames = readPcapFrames(fixture(file));
  const original = run(frames);
  const clientPort = u16(ipLayout(frames[0].data)!.payload, 0);
  /** A c2s packet with a WebSocket frame of more than 60 bytes. */
  const BIG = dataPacket(frames, clientPort, 60);
  const bigLength = ipLayout(frames[BIG].data)!.payload.length;
  const bigData = bigLength - (ipLayout(frames[BIG].data)!.payload[12] >> 4) * 4;

  describe(`${name} fragments (${file} rewritten, every TCP packet in 24-byte fragments)`, () => {
    it('the original decodes to frames and messages, without diagnostics', () => {
      expect(frameEvents(original).length).toBeGreaterThan(8);
      expect(original.diagnostics).toEqual([]);
      expect(BIG).toBeGreaterThan(0);
    });

    for (const [order, plan] of [
      ['in order', asIs],
      ['reversed', reversed],
      ['each twice (as captured on two interfaces)', twice],
    ] as const) {
      it(`${order}: the same frames, messages and times as the original, no diagnostics`, () => {
        const r = run(rewrite(frames, plan));
        expect(r.sessions).toEqual(original.sessions);
        expect(r.diagnostics).toEqual([]);
      });
    }

    it('the same events whatever the chunk sizes', () => {
      const packets = rewrite(frames, reversed);
      const whole = run(packets).sessions;
      for (const chunks of [1, 7, [3, 100, 1]]) expect(run(packets, { chunks }).sessions).toEqual(whole);
    });

    it('one fragment missing: at the end ip.fragment says how many bytes, and TCP sees a gap', () => {
      const r = run(rewrite(frames, (p) => [p[0], ...p.slice(2)], only(BIG)));
      expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment']);
      expect(r.diagnostics[0].message).toMatch(
        new RegExp(
          `^IPv${name.at(-1)} datagram .+ \\(id 0x${(0x100 + BIG).toString(16)}\\): the capture ended before it was complete; 24 of its ${bigLength} bytes missing; its TCP segment is lost$`,
        ),
      );
      const [conn] = byConnection(r.stream).values();
      expect(conn.gaps).toEqual([{ dir: 'c2s', length: bigData }]);
    });

    it('a datagram still incomplete 30 s after its first fragment expires then, in capture time', () => {
      const later = rewrite(frames, (p) => [p[0], ...p.slice(2)], only(BIG)).map((p, i, all) => {
        const first = all.findIndex((q) => q.time > frames[BIG].time);
        return first >= 0 && i >= first ? { ...p, time: p.time + 40 } : p;
      });
      const r = run(later);
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0].message).toMatch(
        /still incomplete 30 s \(capture time\) after its first fragment; 24 of its \d+ bytes missing/,
      );
      const event = r.stream.find((e) => e.kind === 'diagnostic' && e.conn === null)!;
      expect(event.time).toBeCloseTo(frames[BIG].time + 30, 6);
      // reported when the capture passed that time, before the connection ended
      expect(r.stream.indexOf(event)).toBeLessThan(r.stream.findIndex((e) => e.kind === 'end'));
    });

    it('over the fragment byte budget, the oldest incomplete datagram is dropped with one diagnostic; the rest reassemble', () => {
      // every packet fragmented, so later datagrams need room; the one missing a piece waits
      const packets = rewrite(frames, (p, _f, id) => (id === 0x100 + BIG ? [p[0], ...p.slice(2)] : p));
      const r = run(packets, { limits: { maxFragmentBytesTotal: 600 } });
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0].message).toMatch(
        /dropped while incomplete: fragments held for reassembly passed 600 bytes \(the oldest go first\); 24 of its \d+ bytes missing/,
      );
      expect(r.sessions).toEqual(run(packets).sessions);
    });

    it('a fragment cut by the snap length is not used; the diagnostic says so', () => {
      const packets = rewrite(frames, asIs, only(BIG)).map((p, i) =>
        i === BIG + 1 ? { ...p, data: p.data.subarray(0, p.data.length - 8), originalLength: p.data.length } : p,
      );
      const r = run(packets);
      expect(r.diagnostics.map((d) => d.message)).toEqual([
        expect.stringMatching(
          /24 of its \d+ bytes missing \(1 fragment\(s\) cut by the snap length could not be used\)/,
        ),
      ]);
    });

    it('a fragment past the 65535-byte limit discards the datagram; its other fragments are absorbed quietly', () => {
      const r = run(
        rewrite(frames, (p, f, id) => [p[0], fragment(f, id, 65528, 65544, true), ...p.slice(1)], only(BIG)),
      );
      expect(r.diagnostics.map((d) => d.message)).toEqual([
        expect.stringMatching(
          /the fragment at bytes 65528–65544 ends past the 65535-byte limit of a datagram; the datagram is discarded/,
        ),
      ]);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment.invalid']);
      expect(byConnection(r.stream).values().next().value!.gaps).toEqual([{ dir: 'c2s', length: bigData }]);
    });

    it('two last fragments that disagree on the length discard the datagram', () => {
      const r = run(rewrite(frames, (p, f, id) => [p.at(-1)!, fragment(f, id, 8, 16, false), ...p], only(BIG)));
      expect(r.diagnostics.map((d) => d.message)).toEqual([
        expect.stringMatching(
          new RegExp(
            `the fragment at bytes 8–16 does not fit the ${bigLength}-byte length its last fragment gave; the datagram is discarded`,
          ),
        ),
      ]);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment.invalid']);
    });

    it('fragments of a UDP datagram are not ours: ignored without a word', () => {
      const udp = fragment(frames[BIG].data, 0x7777, 0, 24, true);
      if (name === 'IPv4') {
        udp[ETH + 9] = 17;
      } else udp[ETH + 40] = 17;
      expect(run([...frames, { time: frames.at(-1)!.time, data: udp }])).toEqual({
        ...original,
        stream: expect.anything(),
      });
    });
  });
}

describe('overlaps', () => {
  const v4 = readPcapFrames(fixture('plain.pcap'));
  const v4Big = dataPacket(v4, u16(ipLayout(v4[0].data)!.payload, 0), 60);
  const v4Original = run(v4);
  const forge = (data: Uint8Array): void => {
    data.fill(0x58);
  };
  /** Payload bytes [0, 48) and [48, end) real, and bytes [40, 48) (TCP data 8–16) forged as 'X'. */
  const overlapPlan =
    (forgedFirst: boolean): Plan =>
    (_p, f, id) => {
      const n = ipLayout(f)!.payload.length;
      const [head, forged, tail] = [
        fragment(f, id, 0, 48, true),
        fragment(f, id, 40, 48, true, forge),
        fragment(f, id, 48, n, false),
      ];
      return forgedFirst ? [forged, head, tail] : [head, forged, tail];
    };

  it('IPv4, same bytes: quiet', () => {
    const plan: Plan = (_p, f, id) => [
      fragment(f, id, 16, ipLayout(f)!.payload.length, false),
      fragment(f, id, 0, 24, true),
      fragment(f, id, 8, 32, true),
    ];
    const r = run(rewrite(v4, plan));
    expect(r.sessions).toEqual(v4Original.sessions);
    expect(r.diagnostics).toEqual([]);
  });

  it('IPv4, different bytes over bytes already held: those seen first are kept, ip.fragment counts the differing bytes', () => {
    const r = run(rewrite(v4, overlapPlan(false), only(v4Big)));
    expect(r.sessions).toEqual(v4Original.sessions);
    const real = ipLayout(v4[v4Big].data)!.payload.subarray(40, 48);
    const differing = real.filter((b) => b !== 0x58).length;
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `the fragment at bytes 40–48 overlaps earlier ones with ${differing} different byte\\(s\\); the bytes seen first are kept$`,
        ),
      ),
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment.overlap']);
  });

  it('IPv4, the forged copy first: its bytes are the ones kept, and the real one is reported', () => {
    const r = run(rewrite(v4, overlapPlan(true), only(v4Big)));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(/the fragment at bytes 0–48 overlaps earlier ones with \d+ different byte/),
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment.overlap']);
    // the client's stream is the real one with (at most) 8 bytes forged
    const want = byConnection(v4Original.stream).get(1)!.c2s;
    const got = byConnection(r.stream).get(1)!.c2s;
    expect(got.length).toBe(want.length);
    const diff = [...got.keys()].filter((k) => got[k] !== want[k]);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.every((k) => got[k] === 0x58)).toBe(true);
    expect(diff.at(-1)! - diff[0]).toBeLessThan(8);
  });

  it('IPv6, any overlap (even of equal bytes) discards the datagram (RFC 5722), later fragments included', () => {
    const v6 = readPcapFrames(fixture('ipv6.pcap'));
    const big = dataPacket(v6, u16(ipLayout(v6[0].data)!.payload, 0), 60);
    const plan: Plan = (p, f, id) => [p[0], fragment(f, id, 16, 40, true), ...p.slice(1)];
    const r = run(rewrite(v6, plan, only(big)));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^IPv6 datagram ::1 → ::1 \(id 0x[0-9a-f]+\): the fragment at bytes 16–40 overlaps another fragment \(RFC 5722\); the datagram is discarded/,
      ),
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['ip.fragment.overlap']);
    const layout = ipLayout(v6[big].data)!;
    expect(byConnection(r.stream).get(1)!.gaps).toEqual([
      { dir: 'c2s', length: layout.payload.length - (layout.payload[12] >> 4) * 4 },
    ]);
  });
});

describe('IPv6 extension headers in the fragmentable part', () => {
  it('a destination options header after the fragment header is walked after reassembly', () => {
    const v6 = readPcapFrames(fixture('ipv6.pcap'));
    const withOptions = v6.map((f) => {
      const l = ipLayout(f.data)!;
      const out = new Uint8Array(f.data.length + 8);
      out.set(f.data.subarray(0, l.header));
      out.set([l.next, 0, 1, 4, 0, 0, 0, 0], l.header); // destination options → TCP; PadN
      out.set(f.data.subarray(l.header), l.header + 8);
      new DataView(out.buffer).setUint16(ETH + 4, l.payload.length + 8);
      out[ETH + 6] = 60;
      return { time: f.time, data: out };
    });
    const r = run(rewrite(withOptions, reversed));
    expect(r.sessions).toEqual(run(v6).sessions);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('random fragments into the reassembler', () => {
  /** A raw IPv4 (20-byte header) or IPv6 (40 + fragment header) fragment of `data` at `offset`. */
  function rawFragment(v6: boolean, id: number, offset: number, data: Uint8Array, more: boolean): Uint8Array {
    const header = v6 ? 48 : 20;
    const b = new Uint8Array(header + data.length);
    b.set(data, header);
    const dv = new DataView(b.buffer);
    if (v6) {
      b[0] = 0x60;
      dv.setUint16(4, 8 + data.length);
      b[6] = 44;
      b[40] = 6;
      dv.setUint16(42, offset | (more ? 1 : 0));
      dv.setUint32(44, id);
    } else {
      b[0] = 0x45;
      dv.setUint16(2, header + data.length);
      dv.setUint16(4, id);
      dv.setUint16(6, (more ? 0x2000 : 0) | (offset / 8));
      b[9] = 6;
    }
    return b;
  }

  /** Datagrams cut into pieces, some lost, repeated, forged, misplaced or reordered, interleaved. */
  function traffic(next: () => number, datagrams: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let k = 0; k < datagrams; k += 1) {
      const v6 = next() < 0.5;
      const id = Math.floor(next() * 40);
      const data = new Uint8Array(20 + Math.floor(next() * 400)).map(() => Math.floor(next() * 256));
      data[12] = 0x50; // a TCP header that parses
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < data.length;) {
        const end = Math.min(data.length, at + 8 * (1 + Math.floor(next() * 8)));
        const roll = next();
        const offset = roll < 0.02 ? 65528 : roll < 0.05 ? Math.max(0, at - 8) : at;
        const body = roll > 0.97 ? data.slice(at, end).fill(0x58) : data.subarray(at, end);
        const more = end < data.length && (roll < 0.05 || roll > 0.06); // sometimes cleared too early
        if (roll < 0.9 || roll > 0.95) pieces.push(rawFragment(v6, id, offset, body, more));
        if (roll > 0.85 && roll < 0.9) pieces.push(pieces.at(-1)!);
        at = end;
      }
      for (const piece of pieces) out.splice(out.length - Math.floor(next() * Math.min(out.length, 6)), 0, piece);
    }
    return out;
  }

  it('never throws, stays within the byte budget, and releases everything at the end', () => {
    let state = 0x5eed;
    const next = (): number => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const limit = 6000;
    const reports: Diagnostic[] = [];
    const reassembler = new IpReassembler({ maxFragmentBytesTotal: limit, fragmentTimeoutSeconds: 30 }, (d) =>
      reports.push(d),
    );
    const seg = new TcpSegment();
    let time = 0;
    let completed = 0;
    for (const b of traffic(next, 3000)) {
      time += next() * 0.2;
      if (time >= reassembler.nextExpiry) reassembler.expire(time);
      if (parseTcpIp(b, 0, b.length, seg) !== ParseStatus.fragment) continue;
      if (reassembler.fragment(seg, time)) completed += 1;
      expect(reassembler.heldBytes).toBeLessThanOrEqual(limit);
    }
    reassembler.end(time);
    expect({ size: reassembler.size, held: reassembler.heldBytes }).toEqual({ size: 0, held: 0 });
    expect(completed).toBeGreaterThan(1000);
    // every way a datagram can fail happened, and each report says which
    const kinds = reports.map((d) =>
      /: (still incomplete|dropped while|the capture ended)|the fragment at bytes \d+–\d+ (overlaps|ends past|does not fit|is a last)/.exec(
        d.message,
      ),
    );
    expect(kinds.every((m) => m !== null)).toBe(true);
    expect(new Set(kinds.map((m) => m![1] ?? m![2]))).toEqual(
      new Set([
        'still incomplete',
        'dropped while',
        'the capture ended',
        'overlaps',
        'ends past',
        'does not fit',
        'is a last',
      ]),
    );
  });
});

describeWithTool('tshark', 'tshark on a fragmented capture', () => {
  for (const file of ['plain.pcap', 'ipv6.pcap']) {
    it(`${file} in reversed 24-byte fragments: tshark reassembles the same WebSocket frames as ours`, () => {
      const packets = rewrite(readPcapFrames(fixture(file)), reversed);
      const dir = mkdtempSync(join(tmpdir(), 'wsinspect-fragments-'));
      try {
        const path = join(dir, 'fragmented.pcap');
        writeFileSync(path, writePcap(packets, { linkType: 1 }));
        const theirs = runTshark(path, { decompress: false });
        const r = run(packets);
        const conn = r.sessions[0].find((e) => e.type === 'connection')!;
        const ports = { c2s: port(conn.client), s2c: port(conn.server) };
        const ours = frameEvents(r);
        expect(theirs.map(tsharkView)).toEqual(ours.map((e) => ourView(e, ports[e.dir])));
        expect(ours.length).toBe(frameEvents(run(readPcapFrames(fixture(file)))).length);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const port = (endpoint: string): number => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

function tsharkView(t: TsharkFrame): unknown {
  const payload =
    t.opcode === 9 ? t.ping : t.opcode === 10 ? t.pong : t.opcode === 8 ? undefined : (t.text ?? t.data ?? '');
  return {
    src: t.srcPort,
    fin: t.fin,
    opcode: t.opcode,
    masked: t.masked,
    key: t.maskKey,
    length: t.payloadLength,
    payload,
  };
}

function ourView(e: FrameEvent, src: number): unknown {
  const f = e.frame;
  return {
    src,
    fin: f.fin,
    opcode: f.opcode,
    masked: f.masked,
    key: f.maskingKey === null ? null : hex(f.maskingKey),
    length: f.payloadLength,
    payload: f.opcode === 8 ? undefined : hex(f.payload),
  };
}
