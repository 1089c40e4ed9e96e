// Test helper: writes classic pcap (µs/ns, either byte order) and pcapng (sections in
// either byte order, several interfaces, EPB/SPB/OPB, if_tsresol) so tests can build
// variants of real captures. Not a product file: the product only reads captures.

export interface WrittenPacket {
  /** Seconds since the epoch. */
  readonly time: number;
  readonly data: Uint8Array;
  /** Defaults to data.length (set larger to model a snap-length cut). */
  readonly originalLength?: number;
}

export interface PcapOptions {
  readonly linkType: number;
  readonly littleEndian?: boolean;
  readonly nanosecond?: boolean;
  readonly snaplen?: number;
}

export function writePcap(packets: readonly WrittenPacket[], o: PcapOptions): Uint8Array {
  const le = o.littleEndian ?? true;
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, o.nanosecond === true ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, o.snaplen ?? 262144, le);
  dv.setUint32(20, o.linkType, le);
  let p = 24;
  const unit = o.nanosecond === true ? 1e9 : 1e6;
  for (const pkt of packets) {
    const seconds = Math.floor(pkt.time);
    dv.setUint32(p, seconds, le);
    dv.setUint32(p + 4, Math.round((pkt.time - seconds) * unit), le);
    dv.setUint32(p + 8, pkt.data.length, le);
    dv.setUint32(p + 12, pkt.originalLength ?? pkt.data.length, le);
    out.set(pkt.data, p + 16);
    p += 16 + pkt.data.length;
  }
  return out;
}

export interface PcapngInterface {
  readonly linkType: number;
  readonly snaplen?: number;
  /** Raw if_tsresol byte; absent means the 10^-6 default. */
  readonly tsresol?: number;
}

export interface PcapngPacket extends WrittenPacket {
  readonly iface?: number;
  readonly block?: 'epb' | 'spb' | 'opb';
}

export interface PcapngSection {
  readonly littleEndian?: boolean;
  readonly interfaces: readonly PcapngInterface[];
  readonly packets: readonly PcapngPacket[];
  /** Extra blocks of unknown type to put before the packets. */
  readonly unknownBlocks?: number;
}

class BlockWriter {
  readonly parts: Uint8Array[] = [];
  constructor(private readonly le: boolean) {}

  block(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, type, this.le);
    dv.setUint32(4, total, this.le);
    out.set(body, 8);
    dv.setUint32(total - 4, total, this.le);
    this.parts.push(out);
  }

  body(size: number, fill: (dv: DataView, le: boolean) => void): Uint8Array {
    const body = new Uint8Array(size);
    fill(new DataView(body.buffer), this.le);
    return body;
  }
}

function ticks(time: number, tsresol: number | undefined): bigint {
  const v = tsresol ?? 6;
  const perSecond = (v & 0x80) !== 0 ? 2n ** BigInt(v & 0x7f) : 10n ** BigInt(v);
  const seconds = Math.floor(time);
  const fraction = (BigInt(Math.round((time - seconds) * 1e6)) * perSecond) / 1000000n;
  return BigInt(seconds) * perSecond + fraction;
}

export function writePcapng(sections: readonly PcapngSection[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const section of sections) {
    const w = new BlockWriter(section.littleEndian ?? true);
    w.block(
      0x0a0d0d0a,
      w.body(16, (dv, le) => {
        dv.setUint32(0, 0x1a2b3c4d, le);
        dv.setUint16(4, 1, le);
        dv.setBigInt64(8, -1n, le);
      }),
    );
    for (const i of section.interfaces) {
      const hasResol = i.tsresol !== undefined;
      w.block(
        1,
        w.body(8 + (hasResol ? 12 : 0), (dv, le) => {
          dv.setUint16(0, i.linkType, le);
          dv.setUint32(4, i.snaplen ?? 262144, le);
          if (hasResol) {
            dv.setUint16(8, 9, le);
            dv.setUint16(10, 1, le);
            dv.setUint8(12, i.tsresol!);
            // opt_endofopt at 16 is already zero
          }
        }),
      );
    }
    for (let k = 0; k < (section.unknownBlocks ?? 0); k += 1) w.block(0x0badcafe, new Uint8Array([1, 2, 3, 4, 5]));
    for (const p of section.packets) writePacketBlock(w, p, section.interfaces);
    parts.push(...w.parts);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function writePacketBlock(w: BlockWriter, p: PcapngPacket, interfaces: readonly PcapngInterface[]): void {
  const iface = p.iface ?? 0;
  const orig = p.originalLength ?? p.data.length;
  if (p.block === 'spb') {
    w.block(
      3,
      w.body(4 + p.data.length, (dv, le) => {
        dv.setUint32(0, orig, le);
        new Uint8Array(dv.buffer).set(p.data, 4);
      }),
    );
    return;
  }
  const t = ticks(p.time, interfaces[iface]?.tsresol);
  w.block(
    p.block === 'opb' ? 2 : 6,
    w.body(20 + p.data.length, (dv, le) => {
      if (p.block === 'opb') dv.setUint16(0, iface, le);
      else dv.setUint32(0, iface, le);
      dv.setUint32(4, Number(t >> 32n), le);
      dv.setUint32(8, Number(t & 0xffffffffn), le);
      dv.setUint32(12, p.data.length, le);
      dv.setUint32(16, orig, le);
      new Uint8Array(dv.buffer).set(p.data, 20);
    }),
  );
}
