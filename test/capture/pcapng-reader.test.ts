// pcapng blocks: SHB in both byte orders, several sections and interfaces, if_tsresol,
// EPB/SPB/OPB, unknown blocks, truncation and malformed lengths — built from the packets
// of a real capture (plain.pcap) and checked against its ground truth.
import { describe, expect, it } from 'vitest';
import { byConnection, decode, expected, fixture, globalCodes, sha256 } from './helpers/capture-harness.js';
import { writePcapng, type PcapngSection } from './helpers/capture-writer.js';
import { readPcapFrames } from './helpers/tcp-packets.js';

const frames = readPcapFrames(fixture('plain.pcap'));
const truth = expected('plain.pcap').connections[0];

function streamsOk(bytes: Uint8Array): void {
  const events = decode(bytes);
  const conns = [...byConnection(events).values()];
  expect(conns).toHaveLength(1);
  expect(sha256(conns[0].c2s)).toBe(truth.streams.c2s.sha256);
  expect(sha256(conns[0].s2c)).toBe(truth.streams.s2c.sha256);
}

const ETH = { linkType: 1 };

describe('pcapng reader', () => {
  it('reads the real dumpcap capture (plain.pcapng)', () => {
    const conns = byConnection(decode(fixture('plain.pcapng')));
    expect(conns.size).toBe(1);
  });

  for (const littleEndian of [true, false]) {
    it(`reads a ${littleEndian ? 'little' : 'big'}-endian section`, () => {
      streamsOk(writePcapng([{ littleEndian, interfaces: [ETH], packets: frames }]));
    });
  }

  it('reads several sections of different byte orders, interface ids restarting per section', () => {
    const half = Math.floor(frames.length / 2);
    const sections: PcapngSection[] = [
      { littleEndian: true, interfaces: [ETH], packets: frames.slice(0, half) },
      // the second section's interface 0 is a different link type; 1 is Ethernet
      {
        littleEndian: false,
        interfaces: [{ linkType: 113 }, ETH],
        packets: frames.slice(half).map((f) => ({ ...f, iface: 1 })),
      },
    ];
    streamsOk(writePcapng(sections));
  });

  it('skips unknown blocks and uses obsolete packet blocks', () => {
    streamsOk(
      writePcapng([
        { interfaces: [ETH], unknownBlocks: 3, packets: frames.map((f) => ({ ...f, block: 'opb' as const })) },
      ]),
    );
  });

  it('reads simple packet blocks (interface 0, no timestamp)', () => {
    const bytes = writePcapng([{ interfaces: [ETH], packets: frames.map((f) => ({ ...f, block: 'spb' as const })) }]);
    streamsOk(bytes);
    const times = decode(bytes).map((e) => e.time);
    expect(times.length).toBeGreaterThan(10);
    expect(times.every((t) => t === null)).toBe(true);
  });

  it('applies if_tsresol: nanoseconds, 2^-20 and the 10^-6 default', () => {
    const t = frames[0].time;
    for (const tsresol of [9, 0x80 | 20, undefined]) {
      const events = decode(writePcapng([{ interfaces: [{ linkType: 1, tsresol }], packets: frames }]));
      const open = events.find((e) => e.kind === 'open')!;
      expect(open.time).toBeCloseTo(t, 5);
    }
  });

  it('keeps packets of several interfaces apart by link type', () => {
    // Interface 1 is raw IPv4 (link type 228): strip the 14-byte Ethernet header for it.
    const packets = frames.map((f, i) =>
      i % 2 === 0 ? { ...f, iface: 0 } : { ...f, iface: 1, data: f.data.subarray(14) },
    );
    streamsOk(writePcapng([{ interfaces: [ETH, { linkType: 228 }], packets }]));
  });

  it('decodes up to a cut and says at which byte the file was cut', () => {
    const whole = writePcapng([{ interfaces: [ETH], packets: frames }]);
    const cut = whole.length - 37;
    const events = decode(whole.subarray(0, cut), { chunks: 100 });
    const note = events.find((e) => e.kind === 'diagnostic' && e.diagnostic.code === 'capture.truncated');
    expect(note?.kind === 'diagnostic' && note.diagnostic.message).toContain(`cut at byte ${cut}`);
    expect(byConnection(events).size).toBe(1);
  });

  it('stops at a block with an impossible length, with capture.block.malformed', () => {
    const whole = writePcapng([{ interfaces: [ETH], packets: frames }]);
    const broken = whole.slice();
    const dv = new DataView(broken.buffer);
    const idb = dv.getUint32(4, true);
    const firstPacket = idb + dv.getUint32(idb + 4, true); // after the SHB and the IDB
    dv.setUint32(firstPacket + 4, 7, true);
    const events = decode(broken);
    expect(globalCodes(events)).toEqual(['capture.block.malformed']);
    expect(byConnection(events).size).toBe(0);
  });

  it('reports a packet block naming an undeclared interface and goes on', () => {
    const packets = frames.map((f, i) => (i === 0 ? { ...f, iface: 5 } : f));
    const events = decode(writePcapng([{ interfaces: [ETH], packets }]));
    expect(globalCodes(events)).toEqual(['capture.block.malformed']);
  });
});
