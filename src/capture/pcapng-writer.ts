// Builds pcapng bytes for the proxy's recording: a Section Header, one Ethernet interface,
// and Enhanced Packet Blocks holding synthesized Ethernet/IPv4-or-IPv6/TCP packets around the
// relayed bytes — a SYN/SYN-ACK/ACK handshake, data with correct sequence and acknowledgement
// numbers and checksums, FIN or RST at the end — so that Wireshark, tshark and wsinspect read
// the recording as an ordinary capture (pcapng: draft-ietf-opsawg-pcapng §4).
// Layer rule: capture/ — pure: returns bytes, writes nothing, reads no clock.

import { concatBytes } from '../protocol/bytes.js';

export interface TcpEndpoints {
  /** 4 bytes (IPv4) or 16 bytes (IPv6); mixed families are written as IPv6 (IPv4-mapped). */
  readonly clientIp: Uint8Array;
  readonly clientPort: number;
  readonly serverIp: Uint8Array;
  readonly serverPort: number;
}

export type Side = 'c2s' | 's2c';

/** Largest TCP payload per packet: an IPv4 total length (16 bits) must hold 20 + 20 header bytes. */
export const MAX_SEGMENT_PAYLOAD = 65535 - 20 - 20;

const ETH_HEADER = 14;
const TCP_HEADER = 20;
const EPB_FIXED = 32;
const Flag = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;
const CLIENT_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const SERVER_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

interface TcpState {
  readonly ips: { c2s: Uint8Array; s2c: Uint8Array };
  readonly ports: { c2s: number; s2c: number };
  readonly v6: boolean;
  /** Next sequence number each side will send (uint32). */
  readonly next: { c2s: number; s2c: number };
  readonly finished: { c2s: boolean; s2c: boolean };
  ipId: number;
}

export class PcapngWriter {
  private readonly connections = new Map<number, TcpState>();

  /** Section Header Block and the one Interface Description Block (Ethernet, microseconds). */
  header(application: string): Uint8Array {
    const shbOptions = options([[4, utf8(application)]]); // shb_userappl
    const shb = block(0x0a0d0d0a, 16 + shbOptions.length, (v, o) => {
      v.setUint32(o, 0x1a2b3c4d, true); // byte-order magic
      v.setUint16(o + 4, 1, true);
      v.setUint16(o + 6, 0, true);
      v.setBigInt64(o + 8, -1n, true); // section length not known in advance
      new Uint8Array(v.buffer).set(shbOptions, o + 16);
    });
    const idbOptions = options([
      [2, utf8('wsinspect-proxy')],
      [9, Uint8Array.of(6)],
    ]); // if_name, if_tsresol 10^-6
    const idb = block(0x00000001, 8 + idbOptions.length, (v, o) => {
      v.setUint16(o, 1, true); // LINKTYPE_ETHERNET
      v.setUint32(o + 4, 0, true); // no snap length limit
      new Uint8Array(v.buffer).set(idbOptions, o + 8);
    });
    return concatBytes([shb, idb]);
  }

  /** The three-way handshake of a new connection. */
  open(conn: number, ends: TcpEndpoints, time: number): Uint8Array {
    const v6 = ends.clientIp.length === 16 || ends.serverIp.length === 16;
    // fixed, distinct initial sequence numbers per connection: recordings are reproducible
    const isn = { c2s: (conn * 0x9e3779b1) >>> 0, s2c: (conn * 0x85ebca6b + 0x1000) >>> 0 };
    const state: TcpState = {
      ips: { c2s: v6 ? asV6(ends.clientIp) : ends.clientIp, s2c: v6 ? asV6(ends.serverIp) : ends.serverIp },
      ports: { c2s: ends.clientPort, s2c: ends.serverPort },
      v6,
      next: { ...isn },
      finished: { c2s: false, s2c: false },
      ipId: 1,
    };
    this.connections.set(conn, state);
    const syn = this.packet(state, 'c2s', Flag.syn, time, null, 0);
    state.next.c2s = (state.next.c2s + 1) >>> 0;
    const synAck = this.packet(state, 's2c', Flag.syn | Flag.ack, time, null, 0);
    state.next.s2c = (state.next.s2c + 1) >>> 0;
    const ack = this.packet(state, 'c2s', Flag.ack, time, null, 0);
    return concatBytes([syn, synAck, ack]);
  }

  /** Bytes one side sent, as one or more segments. */
  data(conn: number, dir: Side, bytes: Uint8Array, time: number): Uint8Array {
    const state = this.state(conn);
    if (bytes.length <= MAX_SEGMENT_PAYLOAD) return this.segment(state, dir, bytes, time);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT_PAYLOAD) {
      parts.push(this.segment(state, dir, bytes.subarray(at, Math.min(bytes.length, at + MAX_SEGMENT_PAYLOAD)), time));
    }
    return concatBytes(parts);
  }

  /** One side closed its direction: its FIN and the peer's acknowledgement. */
  fin(conn: number, dir: Side, time: number): Uint8Array {
    const state = this.state(conn);
    if (state.finished[dir]) return new Uint8Array(0);
    state.finished[dir] = true;
    const fin = this.packet(state, dir, Flag.fin | Flag.ack, time, null, 0);
    state.next[dir] = (state.next[dir] + 1) >>> 0;
    const ack = this.packet(state, other(dir), Flag.ack, time, null, 0);
    return concatBytes([fin, ack]);
  }

  /** The connection was reset: a RST from the side that had not finished (the server if neither had). */
  reset(conn: number, time: number): Uint8Array {
    const state = this.state(conn);
    const from: Side = state.finished.s2c && !state.finished.c2s ? 'c2s' : 's2c';
    return this.packet(state, from, Flag.rst | Flag.ack, time, null, 0);
  }

  /** Forgets a finished connection. */
  forget(conn: number): void {
    this.connections.delete(conn);
  }

  private state(conn: number): TcpState {
    const state = this.connections.get(conn);
    if (state === undefined) throw new Error(`pcapng writer: connection ${conn} was not opened`);
    return state;
  }

  private segment(state: TcpState, dir: Side, payload: Uint8Array, time: number): Uint8Array {
    const out = this.packet(state, dir, Flag.psh | Flag.ack, time, payload, payload.length);
    state.next[dir] = (state.next[dir] + payload.length) >>> 0;
    return out;
  }

  /** One Enhanced Packet Block around an Ethernet/IP/TCP packet. */
  private packet(
    state: TcpState,
    dir: Side,
    flags: number,
    time: number,
    payload: Uint8Array | null,
    length: number,
  ): Uint8Array {
    const ipHeader = state.v6 ? 40 : 20;
    const frameLength = ETH_HEADER + ipHeader + TCP_HEADER + length;
    const padded = (frameLength + 3) & ~3;
    const total = EPB_FIXED + padded;
    const buf = new Uint8Array(total);
    const v = new DataView(buf.buffer);
    v.setUint32(0, 0x00000006, true);
    v.setUint32(4, total, true);
    v.setUint32(8, 0, true); // interface 0
    const micros = Math.round(time * 1e6);
    const high = Math.floor(micros / 4294967296);
    v.setUint32(12, high, true);
    v.setUint32(16, micros - high * 4294967296, true);
    v.setUint32(20, frameLength, true);
    v.setUint32(24, frameLength, true);
    v.setUint32(total - 4, total, true);
    const f = 28;
    buf.set(dir === 'c2s' ? SERVER_MAC : CLIENT_MAC, f);
    buf.set(dir === 'c2s' ? CLIENT_MAC : SERVER_MAC, f + 6);
    v.setUint16(f + 12, state.v6 ? 0x86dd : 0x0800);
    const ip = f + ETH_HEADER;
    const src = state.ips[dir];
    const dst = state.ips[other(dir)];
    if (state.v6) writeIpv6(v, buf, ip, src, dst, TCP_HEADER + length);
    else writeIpv4(v, buf, ip, src, dst, TCP_HEADER + length, state.ipId++ & 0xffff);
    const tcp = ip + ipHeader;
    v.setUint16(tcp, state.ports[dir]);
    v.setUint16(tcp + 2, state.ports[other(dir)]);
    v.setUint32(tcp + 4, state.next[dir]);
    v.setUint32(tcp + 8, flags & Flag.ack ? state.next[other(dir)] : 0);
    v.setUint8(tcp + 12, (TCP_HEADER / 4) << 4);
    v.setUint8(tcp + 13, flags);
    v.setUint16(tcp + 14, 65535);
    if (payload !== null) buf.set(payload, tcp + TCP_HEADER);
    v.setUint16(tcp + 16, tcpChecksum(buf, src, dst, tcp, TCP_HEADER + length));
    return buf;
  }
}

function writeIpv4(
  v: DataView,
  buf: Uint8Array,
  at: number,
  src: Uint8Array,
  dst: Uint8Array,
  payload: number,
  id: number,
): void {
  v.setUint8(at, 0x45);
  v.setUint16(at + 2, 20 + payload);
  v.setUint16(at + 4, id);
  v.setUint16(at + 6, 0x4000); // don't fragment
  v.setUint8(at + 8, 64);
  v.setUint8(at + 9, 6);
  buf.set(src, at + 12);
  buf.set(dst, at + 16);
  v.setUint16(at + 10, fold(sum16(buf, at, 20, 0)) ^ 0xffff);
}

function writeIpv6(v: DataView, buf: Uint8Array, at: number, src: Uint8Array, dst: Uint8Array, payload: number): void {
  v.setUint32(at, 0x60000000);
  v.setUint16(at + 4, payload);
  v.setUint8(at + 6, 6);
  v.setUint8(at + 7, 64);
  buf.set(src, at + 8);
  buf.set(dst, at + 24);
}

/** RFC 793 §3.1 / RFC 8200 §8.1: one's complement sum over the pseudo-header and the segment. */
function tcpChecksum(buf: Uint8Array, src: Uint8Array, dst: Uint8Array, at: number, length: number): number {
  let sum = sum16(src, 0, src.length, 0);
  sum = sum16(dst, 0, dst.length, sum);
  sum += 6 + (length & 0xffff) + Math.floor(length / 65536);
  sum = sum16(buf, at, length, sum);
  const result = fold(sum) ^ 0xffff;
  return result === 0 ? 0xffff : result;
}

function sum16(b: Uint8Array, at: number, length: number, sum: number): number {
  const end = at + length - 1;
  let i = at;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}

function other(dir: Side): Side {
  return dir === 'c2s' ? 's2c' : 'c2s';
}

function asV6(ip: Uint8Array): Uint8Array {
  if (ip.length === 16) return ip;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(ip, 12);
  return out;
}

function block(type: number, bodyLength: number, fill: (v: DataView, at: number) => void): Uint8Array {
  const total = 12 + bodyLength;
  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  fill(v, 8);
  v.setUint32(total - 4, total, true);
  return buf;
}

/** Options (code, length, value padded to 32 bits each), ended by opt_endofopt. */
function options(list: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  let size = 4;
  for (const [, value] of list) size += 4 + ((value.length + 3) & ~3);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [code, value] of list) {
    v.setUint16(at, code, true);
    v.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + ((value.length + 3) & ~3);
  }
  return out; // the last 4 zero bytes are opt_endofopt (code 0, length 0)
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
