// Classic pcap writer for synthetic captures: Ethernet / IPv4 / TCP packets with correct IP and
// TCP checksums, streamed to a file through one large buffer (a 1 GB capture never sits in
// memory), and a TcpFlow that keeps real sequence/ack numbers, a three-way handshake,
// MSS-sized segments, delayed ACKs and an orderly FIN close. Layer rule: bench/ — tooling.
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 16 << 20;
const SNAPLEN = 262144;
const ETH = 14;
const IP = 20;
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
// NOP NOP Timestamps: what Linux puts on every segment once both sides agreed to it.
const TS_OPTION_BYTES = 12;

export class PcapFileWriter {
  /** @param {string} path  @param {import('./prng.js').Prng} rng  @param {number} startSeconds Unix time of the first packet */
  constructor(path, rng, startSeconds) {
    this.fd = openSync(path, 'w');
    this.rng = rng;
    this.buf = Buffer.allocUnsafe(FLUSH_AT + 70000);
    this.at = 0;
    this.bytes = 0;
    this.packets = 0;
    this.seconds = startSeconds;
    this.micros = 0;
    const h = this.buf;
    h.writeUInt32LE(0xa1b2c3d4, 0); // microsecond timestamps, little-endian
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.at = 24;
  }

  /** Moves the clock on by a random 5–120 µs: loopback packets come in quick succession. */
  tick() {
    this.micros += 5 + (this.rng.u32() % 116);
    if (this.micros >= 1e6) {
      this.seconds += Math.floor(this.micros / 1e6);
      this.micros %= 1e6;
    }
  }

  /**
   * One TCP packet. `src`/`dst` are { ip: number (IPv4 as u32), port, ipId }; options is a
   * Buffer of TCP options (length a multiple of 4); the payload is data[off, off+len).
   */
  packet(src, dst, seq, ack, flags, options, data, off, len) {
    this.tick();
    const tcpLen = 20 + options.length;
    const caplen = ETH + IP + tcpLen + len;
    const b = this.buf;
    let p = this.at;
    b.writeUInt32LE(this.seconds, p);
    b.writeUInt32LE(this.micros, p + 4);
    b.writeUInt32LE(caplen, p + 8);
    b.writeUInt32LE(caplen, p + 12);
    p += 16;
    b.fill(0, p, p + 12); // loopback: both MAC addresses are zero
    b.writeUInt16BE(0x0800, p + 12);
    p += ETH;
    const ip = p;
    b[ip] = 0x45;
    b[ip + 1] = 0;
    b.writeUInt16BE(IP + tcpLen + len, ip + 2);
    b.writeUInt16BE(src.ipId, ip + 4);
    src.ipId = (src.ipId + 1) & 0xffff;
    b.writeUInt16BE(0x4000, ip + 6); // don't fragment
    b[ip + 8] = 64;
    b[ip + 9] = 6;
    b.writeUInt16BE(0, ip + 10);
    b.writeUInt32BE(src.ip, ip + 12);
    b.writeUInt32BE(dst.ip, ip + 16);
    b.writeUInt16BE(checksum(b, ip, IP, 0), ip + 10);
    const tcp = ip + IP;
    b.writeUInt16BE(src.port, tcp);
    b.writeUInt16BE(dst.port, tcp + 2);
    b.writeUInt32BE(seq >>> 0, tcp + 4);
    b.writeUInt32BE(ack >>> 0, tcp + 8);
    b[tcp + 12] = (tcpLen / 4) << 4;
    b[tcp + 13] = flags;
    b.writeUInt16BE(flags & TCP_SYN ? 65483 : 512, tcp + 14); // window (scaled by 2^7 after the SYN)
    b.writeUInt32BE(0, tcp + 16); // checksum 0 while summing, urgent pointer 0
    options.copy(b, tcp + 20);
    data.copy(b, tcp + tcpLen, off, off + len);
    // pseudo-header: addresses, protocol, TCP length (RFC 793 §3.1)
    const pseudo = (src.ip >>> 16) + (src.ip & 0xffff) + (dst.ip >>> 16) + (dst.ip & 0xffff) + 6 + tcpLen + len;
    b.writeUInt16BE(checksum(b, tcp, tcpLen + len, pseudo), tcp + 16);
    this.at = tcp + tcpLen + len;
    this.bytes += 16 + caplen;
    this.packets += 1;
    if (this.at >= FLUSH_AT) this.flush();
  }

  flush() {
    if (this.at > 0) writeSync(this.fd, this.buf, 0, this.at);
    this.at = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
    // the global header was counted in neither packets nor bytes
    this.bytes += 24;
  }
}

/** The Internet checksum (RFC 1071) of b[start, start+len), starting from `sum`. */
function checksum(b, start, len, sum) {
  const end = start + len - 1;
  let i = start;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Options of the SYN and SYN/ACK, as Linux sends them: MSS, SACK permitted, timestamps, window scale 7. */
function synOptions(mss) {
  const o = Buffer.from([2, 4, 0, 0, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7]);
  o.writeUInt16BE(mss, 2);
  return o;
}

/** One TCP connection between a client and a server, written packet by packet. */
export class TcpFlow {
  /**
   * @param {PcapFileWriter} w
   * @param {{ clientIp: number, serverIp: number, clientPort: number, serverPort: number, mss: number }} o
   *   mss: TCP payload bytes per full segment (the SYN advertises it plus the 12 bytes of timestamp option)
   */
  constructor(w, o) {
    this.w = w;
    this.mss = o.mss;
    this.ends = [
      { ip: o.clientIp, port: o.clientPort, ipId: w.rng.u32() & 0xffff, seq: w.rng.u32(), unacked: 0 },
      { ip: o.serverIp, port: o.serverPort, ipId: w.rng.u32() & 0xffff, seq: w.rng.u32(), unacked: 0 },
    ];
    this.ts = w.rng.u32();
    this.tsOption = Buffer.from([1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    this.none = Buffer.alloc(0);
  }

  /** Index 0 is the client, 1 the server. */
  emit(from, flags, data, off, len, options = null) {
    const a = this.ends[from];
    const b = this.ends[1 - from];
    this.ts = (this.ts + 1) >>> 0;
    const opts = options ?? this.tsOption;
    if (options === null) {
      opts.writeUInt32BE(this.ts, 4);
      opts.writeUInt32BE((this.ts - 1) >>> 0, 8);
    }
    this.w.packet(a, b, a.seq, flags & TCP_ACK ? b.seq : 0, flags, opts, data, off, len);
    a.seq = (a.seq + len + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
    b.unacked = 0; // whatever a sends acknowledges everything b sent so far
  }

  handshake() {
    this.emit(0, TCP_SYN, this.none, 0, 0, synOptions(this.mss + TS_OPTION_BYTES));
    this.emit(1, TCP_SYN | TCP_ACK, this.none, 0, 0, synOptions(this.mss + TS_OPTION_BYTES));
    this.emit(0, TCP_ACK, this.none, 0, 0);
  }

  /** `from` writes data[off, off+len): MSS-sized segments, PSH on the last; the peer ACKs every second segment. */
  send(from, data, off, len) {
    const peer = 1 - from;
    for (let at = off, end = off + len; at < end;) {
      const n = Math.min(this.mss, end - at);
      at += n;
      this.emit(from, TCP_ACK | (at === end ? TCP_PSH : 0), data, at - n, n);
      if (++this.ends[from].unacked >= 2) this.emit(peer, TCP_ACK, this.none, 0, 0);
    }
  }

  /** A pure ACK from `from` if it owes one (a delayed ACK that fired before any reply). */
  ackIfOwed(from) {
    if (this.ends[1 - from].unacked > 0) this.emit(from, TCP_ACK, this.none, 0, 0);
  }

  /** Orderly close, server first (it answered the Close frame): FIN, FIN/ACK, ACK. */
  close() {
    this.emit(1, TCP_FIN | TCP_ACK, this.none, 0, 0);
    this.emit(0, TCP_FIN | TCP_ACK, this.none, 0, 0);
    this.emit(1, TCP_ACK, this.none, 0, 0);
  }
}
