// Test helper: reads the TCP/IPv4 packets of a real fixture into editable records and
// builds packets back (Ethernet + IPv4 + TCP, or any link header), so reassembly tests
// rewrite real traffic: reorder, duplicate, split, drop, shift sequence numbers.

export interface TcpRecord {
  time: number;
  src: readonly number[];
  dst: readonly number[];
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  payload: Uint8Array;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

/** Packets of a little-endian µs/ns classic pcap with Ethernet + IPv4 + TCP. */
export function readTcpRecords(file: Uint8Array): TcpRecord[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const nano = dv.getUint32(0, true) === 0xa1b23c4d;
  const out: TcpRecord[] = [];
  for (let p = 24; p + 16 <= file.length;) {
    const caplen = dv.getUint32(p + 8, true);
    const time = dv.getUint32(p, true) + dv.getUint32(p + 4, true) / (nano ? 1e9 : 1e6);
    const frame = file.subarray(p + 16, p + 16 + caplen);
    p += 16 + caplen;
    const ip = 14;
    if (((frame[12] << 8) | frame[13]) !== 0x0800 || frame[ip + 9] !== 6) continue;
    const ihl = (frame[ip] & 0x0f) * 4;
    const total = (frame[ip + 2] << 8) | frame[ip + 3];
    const tcp = ip + ihl;
    const fdv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const doff = (frame[tcp + 12] >> 4) * 4;
    out.push({
      time,
      src: [...frame.subarray(ip + 12, ip + 16)],
      dst: [...frame.subarray(ip + 16, ip + 20)],
      sport: fdv.getUint16(tcp),
      dport: fdv.getUint16(tcp + 2),
      seq: fdv.getUint32(tcp + 4),
      ack: fdv.getUint32(tcp + 8),
      flags: frame[tcp + 13],
      payload: frame.slice(tcp + doff, ip + total),
    });
  }
  return out;
}

export interface BuildOptions {
  /** IPv4 options bytes (multiple of 4). */
  readonly ipOptions?: Uint8Array;
  /** Bytes before the IP header (defaults to an Ethernet header). */
  readonly linkHeader?: Uint8Array;
  /** Build IPv6 (addresses are taken as ::ffff-free 16-byte copies of the v4 ones). */
  readonly ipv6?: { readonly extensionHeaders?: Uint8Array; readonly firstNext?: number };
  /** Override the IPv4 flags/fragment field. */
  readonly fragmentField?: number;
}

const ETHERNET_IPV4 = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]);

export function buildPacket(r: TcpRecord, o: BuildOptions = {}): Uint8Array {
  const tcp = new Uint8Array(20 + r.payload.length);
  const t = new DataView(tcp.buffer);
  t.setUint16(0, r.sport);
  t.setUint16(2, r.dport);
  t.setUint32(4, r.seq >>> 0);
  t.setUint32(8, r.ack >>> 0);
  tcp[12] = 5 << 4;
  tcp[13] = r.flags;
  t.setUint16(14, 65535);
  tcp.set(r.payload, 20);
  const ip = o.ipv6 !== undefined ? ipv6Header(r, tcp.length, o.ipv6) : ipv4Header(r, tcp.length, o);
  const link = o.linkHeader ?? ETHERNET_IPV4;
  const out = new Uint8Array(link.length + ip.length + tcp.length);
  out.set(link);
  out.set(ip, link.length);
  out.set(tcp, link.length + ip.length);
  return out;
}

function ipv4Header(r: TcpRecord, tcpLength: number, o: BuildOptions): Uint8Array {
  const options = o.ipOptions ?? new Uint8Array(0);
  const ip = new Uint8Array(20 + options.length);
  const v = new DataView(ip.buffer);
  ip[0] = 0x40 | (ip.length / 4);
  v.setUint16(2, ip.length + tcpLength);
  v.setUint16(6, o.fragmentField ?? 0x4000);
  ip[8] = 64;
  ip[9] = 6;
  ip.set(r.src, 12);
  ip.set(r.dst, 16);
  ip.set(options, 20);
  return ip;
}

function ipv6Header(r: TcpRecord, tcpLength: number, o: NonNullable<BuildOptions['ipv6']>): Uint8Array {
  const ext = o.extensionHeaders ?? new Uint8Array(0);
  const ip = new Uint8Array(40 + ext.length);
  const v = new DataView(ip.buffer);
  ip[0] = 0x60;
  v.setUint16(4, ext.length + tcpLength);
  ip[6] = ext.length > 0 ? (o.firstNext ?? 0) : 6;
  ip[7] = 64;
  ip.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...r.src], 8);
  ip.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...r.dst], 24);
  ip.set(ext, 40);
  return ip;
}

/** Raw link-layer frames of a little-endian classic pcap (any link type). */
export function readPcapFrames(file: Uint8Array): { time: number; data: Uint8Array }[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const nano = dv.getUint32(0, true) === 0xa1b23c4d;
  const out: { time: number; data: Uint8Array }[] = [];
  for (let p = 24; p + 16 <= file.length;) {
    const caplen = dv.getUint32(p + 8, true);
    out.push({
      time: dv.getUint32(p, true) + dv.getUint32(p + 4, true) / (nano ? 1e9 : 1e6),
      data: file.slice(p + 16, p + 16 + caplen),
    });
    p += 16 + caplen;
  }
  return out;
}

export interface ConversationOptions {
  /** Server port (default 443). */
  readonly port?: number;
  /** Client port (default 50000). */
  readonly cport?: number;
  /** Time of the first packet, in seconds (default 1.7e9); each next packet is 1 ms later. */
  readonly t0?: number;
  /** Open with SYN, SYN-ACK (default true). */
  readonly syn?: boolean;
}

/** One TCP conversation from 10.0.0.1:cport to 10.0.0.2:port: SYN, the payloads in order, FINs. */
export function tcpConversation(
  payloads: readonly [dir: 'c2s' | 's2c', bytes: Uint8Array][],
  o: ConversationOptions = {},
): TcpRecord[] {
  const port = o.port ?? 443;
  const cport = o.cport ?? 50000;
  const c = { src: [10, 0, 0, 1], dst: [10, 0, 0, 2], sport: cport, dport: port };
  const s = { src: [10, 0, 0, 2], dst: [10, 0, 0, 1], sport: port, dport: cport };
  let cs = 1000;
  let ss = 9000;
  let t = o.t0 ?? 1.7e9;
  const out: TcpRecord[] = [];
  const push = (
    from: typeof c,
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array = new Uint8Array(0),
  ): void => {
    out.push({ ...from, seq, ack, flags, payload, time: (t += 0.001) });
  };
  if (o.syn ?? true) {
    push(c, cs - 1, 0, SYN);
    push(s, ss - 1, cs, SYN | ACK);
  }
  for (const [dir, bytes] of payloads) {
    if (dir === 'c2s') {
      push(c, cs, ss, PSH | ACK, bytes);
      cs += bytes.length;
    } else {
      push(s, ss, cs, PSH | ACK, bytes);
      ss += bytes.length;
    }
  }
  push(c, cs, ss, FIN | ACK);
  push(s, ss, cs + 1, FIN | ACK);
  return out;
}
