// Finds the TCP conversation each segment belongs to (4-tuple, both directions) and
// drives it: SYN/FIN/RST, ACKs that close holes, data into the reassembler, ending and
// freeing. Numbers connections 1-based as they are reported as WebSocket.
// Layer rule: capture/ — pure; the last connection is cached so a run of packets of one
// conversation costs no key building.
import type { EndReason, StreamEvent, Timestamp } from '../session/events.js';
import { formatEndpoint } from './address-format.js';
import { u32be } from './byte-reader.js';
import type { CaptureLimits } from './capture-limits.js';
import { CaptureTally } from './capture-tally.js';
import type { DetectionBudget } from './detection-window.js';
import { TcpConnection, type ConnectionHost } from './tcp-connection.js';
import { TcpFlag, type TcpSegment } from './tcp-ip-parser.js';
import { seqDiff, type PacketPosition, type ReassemblyBudget } from './tcp-reassembler.js';
import { tlsKeys as emptyTlsKeys, type TlsKeys } from './tls/tls-keys.js';

/** Addresses and ports of a connection's two sides, for matching segments quickly. */
interface Tuple {
  readonly addressLength: number;
  readonly addresses: Uint8Array; // side 0 address, then side 1 address
  readonly ports: readonly [number, number];
}

interface Entry {
  readonly key: string;
  readonly tuple: Tuple;
  readonly conn: TcpConnection;
}

export class ConnectionTable implements ConnectionHost {
  readonly budget: ReassemblyBudget = { heldBytes: 0 };
  readonly detectionBudget: DetectionBudget;
  readonly tally = new CaptureTally();
  private readonly connections = new Map<string, Entry>();
  /**
   * The same entries by their two ports (lower × 65536 + higher): segments of interleaved
   * conversations find theirs with a number instead of building the address key string.
   */
  private readonly byPorts = new Map<number, Entry[]>();
  private last: Entry | null = null;
  private connCount = 0;
  private readonly decodeAs: ReadonlySet<number>;

  constructor(
    readonly limits: CaptureLimits,
    private readonly onEvent: (event: StreamEvent) => void,
    decodeAs: readonly number[],
    /** The packet being decoded, for the origin of data events. */
    readonly position: PacketPosition = { packet: 0, record: -1 },
    /** The key log (may be empty, and grow: pcapng secrets blocks add to it). */
    readonly tlsKeys: TlsKeys = emptyTlsKeys(new Map()),
  ) {
    this.detectionBudget = { bytes: 0, limit: limits.detectionBytesTotal };
    this.decodeAs = new Set(decodeAs);
  }

  emit(event: StreamEvent): void {
    this.onEvent(event);
  }

  nextConnNumber(): number {
    this.connCount += 1;
    return this.connCount;
  }

  segment(seg: TcpSegment, time: Timestamp): void {
    const flags = seg.flags;
    const length = seg.payloadLength + seg.payloadMissing;
    let entry = this.last;
    let side = entry !== null ? sideOf(entry.tuple, seg) : -1;
    if (side < 0) {
      entry = this.lookup(seg, length > 0 || (flags & TcpFlag.syn) !== 0, time);
      if (entry === null) return;
      side = sideOf(entry.tuple, seg);
    }
    if (isReusedTuple(entry!.conn, side, seg)) {
      // A new SYN with another ISN on the same 4-tuple: the old conversation is over.
      this.finish(entry!.conn, entry!.conn.firstFinSide >= 0 ? 'tcp-fin' : 'input-ended', time);
      entry = this.lookup(seg, true, time)!;
      side = sideOf(entry.tuple, seg);
    }
    entry!.conn.packets += 1;
    this.drive(entry!.conn, side, seg, length, time);
  }

  /** End of input: every connection still open ends with 'input-ended' (or its FIN). */
  endAll(time: Timestamp): void {
    for (const { conn } of [...this.connections.values()]) {
      conn.end(conn.firstFinSide >= 0 ? 'tcp-fin' : 'input-ended', time);
      this.tallyDone(conn);
    }
    this.connections.clear();
    this.byPorts.clear();
    this.last = null;
  }

  private drive(conn: TcpConnection, side: number, seg: TcpSegment, length: number, time: Timestamp): void {
    const flags = seg.flags;
    const half = conn.halves[side];
    if ((flags & TcpFlag.rst) !== 0) {
      this.finish(conn, 'tcp-rst', time);
      return;
    }
    let seq = seg.seq;
    if ((flags & TcpFlag.syn) !== 0) {
      if ((flags & TcpFlag.ack) === 0 && conn.synSide < 0) conn.synSide = side;
      half.syn(seq);
      seq = (seq + 1) >>> 0; // data on a SYN (TCP Fast Open) follows the SYN's number
    }
    if (conn.state === 'ignored') {
      if ((flags & TcpFlag.fin) !== 0) this.noteFin(conn, side);
      if (conn.firstFinSide >= 0 && conn.halves[0].finSeq >= 0 && conn.halves[1].finSeq >= 0) this.forget(conn);
      return;
    }
    if ((flags & TcpFlag.ack) !== 0 && conn.halves[1 - side].started) conn.halves[1 - side].acknowledged(seg.ack, time);
    if (length > 0) half.segment(seq, seg.bytes, seg.payloadOffset, seg.payloadLength, seg.payloadMissing, time);
    if ((flags & TcpFlag.fin) !== 0) {
      this.noteFin(conn, side);
      half.fin((seq + length) >>> 0, time);
    }
    if (conn.halves[0].finished && conn.halves[1].finished) this.finish(conn, 'tcp-fin', time);
    else if (this.budget.heldBytes > this.limits.maxHeldBytesTotal) this.relieve(time);
  }

  private noteFin(conn: TcpConnection, side: number): void {
    if (conn.firstFinSide < 0) conn.firstFinSide = side;
    if (conn.state === 'ignored' && conn.halves[side].finSeq < 0) conn.halves[side].finSeq = 0;
  }

  private finish(conn: TcpConnection, reason: EndReason, time: Timestamp): void {
    conn.end(reason, time);
    this.forget(conn);
  }

  private forget(conn: TcpConnection): void {
    // Connections end while their own segment is processed, so this is almost always `last`.
    const entry = this.last?.conn === conn ? this.last : this.findEntry(conn);
    if (entry === null) return;
    this.tallyDone(conn);
    this.connections.delete(entry.key);
    const pk = portsKey(entry.tuple.ports[0], entry.tuple.ports[1]);
    const list = this.byPorts.get(pk);
    if (list !== undefined) {
      const rest = list.filter((e) => e !== entry);
      if (rest.length === 0) this.byPorts.delete(pk);
      else this.byPorts.set(pk, rest);
    }
    if (this.last === entry) this.last = null;
  }

  private tallyDone(conn: TcpConnection): void {
    this.tally.connectionDone(conn.serverPort(), conn.packets, conn.tls);
  }

  private findEntry(conn: TcpConnection): Entry | null {
    for (const entry of this.connections.values()) if (entry.conn === conn) return entry;
    return null;
  }

  /** Too many out-of-order bytes held overall: give up on the largest hole. */
  private relieve(time: Timestamp): void {
    let worst: TcpConnection | null = null;
    let worstSide = 0;
    for (const { conn } of this.connections.values()) {
      for (const s of [0, 1]) {
        if (worst === null || conn.halves[s].heldBytes > worst.halves[worstSide].heldBytes) {
          worst = conn;
          worstSide = s;
        }
      }
    }
    worst?.halves[worstSide].flushGap(time);
  }

  private lookup(seg: TcpSegment, create: boolean, time: Timestamp): Entry | null {
    const pk = portsKey(seg.srcPort, seg.dstPort);
    const sharing = this.byPorts.get(pk);
    if (sharing !== undefined) {
      for (const known of sharing) {
        if (sideOf(known.tuple, seg) < 0) continue;
        this.last = known;
        return known;
      }
    }
    if (!create) return null;
    const key = tupleKey(seg);
    const entry = this.create(seg, key, time);
    this.tally.tcpConnections += 1;
    this.connections.set(key, entry);
    if (sharing === undefined) this.byPorts.set(pk, [entry]);
    else sharing.push(entry);
    this.last = entry;
    return entry;
  }

  private create(seg: TcpSegment, key: string, time: Timestamp): Entry {
    const b = seg.bytes;
    const n = seg.addressLength;
    const srcFirst = compareEndpoints(seg) <= 0;
    const [a0, p0, a1, p1] = srcFirst
      ? [seg.srcAddress, seg.srcPort, seg.dstAddress, seg.dstPort]
      : [seg.dstAddress, seg.dstPort, seg.srcAddress, seg.srcPort];
    const addresses = new Uint8Array(2 * n);
    addresses.set(b.subarray(a0, a0 + n), 0);
    addresses.set(b.subarray(a1, a1 + n), n);
    const endpoints = [formatEndpoint(addresses, 0, n, p0), formatEndpoint(addresses, n, n, p1)] as const;
    const forced = this.decodeAs.has(p0) || this.decodeAs.has(p1);
    const conn = new TcpConnection(this, endpoints, [p0, p1], forced, time);
    return { key, conn, tuple: { addressLength: n, addresses, ports: [p0, p1] } };
  }
}

function isReusedTuple(conn: TcpConnection, side: number, seg: TcpSegment): boolean {
  if ((seg.flags & (TcpFlag.syn | TcpFlag.ack)) !== TcpFlag.syn) return false;
  const half = conn.halves[side];
  return half.started && seqDiff((seg.seq + 1) >>> 0, half.baseSeq) !== 0;
}

/** Which side of a tuple sent this segment: 0, 1, or -1 when it is another conversation. */
function sideOf(t: Tuple, seg: TcpSegment): number {
  if (t.addressLength !== seg.addressLength) return -1;
  const n = t.addressLength;
  if (
    seg.srcPort === t.ports[0] &&
    seg.dstPort === t.ports[1] &&
    sameAddress(t.addresses, 0, seg.bytes, seg.srcAddress, n) &&
    sameAddress(t.addresses, n, seg.bytes, seg.dstAddress, n)
  )
    return 0;
  if (
    seg.srcPort === t.ports[1] &&
    seg.dstPort === t.ports[0] &&
    sameAddress(t.addresses, n, seg.bytes, seg.srcAddress, n) &&
    sameAddress(t.addresses, 0, seg.bytes, seg.dstAddress, n)
  )
    return 1;
  return -1;
}

function sameAddress(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i += 1) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Orders (address, port) of source and destination so both directions share one key. */
function compareEndpoints(seg: TcpSegment): number {
  const b = seg.bytes;
  for (let i = 0; i < seg.addressLength; i += 1) {
    const d = b[seg.srcAddress + i] - b[seg.dstAddress + i];
    if (d !== 0) return d;
  }
  return seg.srcPort - seg.dstPort;
}

function portsKey(a: number, b: number): number {
  return a < b ? a * 65536 + b : b * 65536 + a;
}

function tupleKey(seg: TcpSegment): string {
  const srcFirst = compareEndpoints(seg) <= 0;
  const first = srcFirst
    ? endpointKey(seg, seg.srcAddress, seg.srcPort)
    : endpointKey(seg, seg.dstAddress, seg.dstPort);
  const second = srcFirst
    ? endpointKey(seg, seg.dstAddress, seg.dstPort)
    : endpointKey(seg, seg.srcAddress, seg.srcPort);
  return `${first}|${second}`;
}

function endpointKey(seg: TcpSegment, address: number, port: number): string {
  let key = '';
  for (let i = 0; i < seg.addressLength; i += 4) key += `${u32be(seg.bytes, address + i)}.`;
  return `${key}${port}`;
}
