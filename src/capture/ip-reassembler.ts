// IP fragment reassembly as Wireshark and Linux do it: fragments keyed by (source,
// destination, protocol, identification) for IPv4 (RFC 791 §3.2) and by (source,
// destination, identification) for IPv6 (RFC 8200 §4.5), bounded by a byte budget (oldest
// dropped first) and a timeout in capture time. Layer rule: capture/ — pure; no timers.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Timestamp } from '../session/events.js';
import { formatAddress } from './address-format.js';
import { u32be } from './byte-reader.js';
import type { CaptureLimits } from './capture-limits.js';
import { FragmentDatagram, MAX_DATAGRAM_PAYLOAD, PieceResult } from './fragment-datagram.js';
import { ParseStatus, parseReassembled, type TcpSegment } from './tcp-ip-parser.js';

export type FragmentLimits = Pick<CaptureLimits, 'maxFragmentBytesTotal' | 'fragmentTimeoutSeconds'>;

/** What a datagram costs besides its bytes (objects, key, ranges), counted against the budget. */
const ENTRY_OVERHEAD = 256;

type DropReason = 'expired' | 'evicted' | 'ended';

export class IpReassembler {
  /** Capture time at which the oldest datagram held times out; Infinity when none can. */
  nextExpiry = Infinity;
  /** Bytes held for all datagrams, overhead included. */
  heldBytes = 0;
  /** Datagrams whose fragments are still arriving, oldest first. */
  private readonly pending = new Map<string, FragmentDatagram>();
  /**
   * Datagrams reassembled or discarded, oldest first, kept until they time out so that their
   * late fragments are recognised: a duplicate is absorbed, and after an IPv6 overlap every
   * remaining fragment is dropped too (RFC 5722). They go first when the budget is short.
   */
  private readonly settled = new Map<string, FragmentDatagram>();

  constructor(
    private readonly limits: FragmentLimits,
    private readonly report: (d: Diagnostic, time: Timestamp) => void,
  ) {}

  /** Datagrams held: still arriving, and settled ones still remembered. */
  get size(): number {
    return this.pending.size + this.settled.size;
  }

  /**
   * One fragment parsed into `seg`. Returns true when it completed its datagram: `seg` then
   * holds the reassembled TCP segment, which takes the time of this last fragment.
   */
  fragment(seg: TcpSegment, time: Timestamp): boolean {
    const key = fragmentKey(seg);
    let d = this.pending.get(key);
    if (d === undefined) {
      const old = this.settled.get(key);
      if (old !== undefined && (old.discarded || old.repeats(seg))) return false;
      if (old !== undefined) this.remove(old); // the identification is used again: a new datagram
      d = this.open(key, seg, time);
    }
    const before = d.data.length;
    const result = d.add(seg);
    this.heldBytes += d.data.length - before;
    if (result >= PieceResult.overlap) this.discard(d, result, seg, time);
    else if (result === PieceResult.conflict)
      this.say(
        d,
        time,
        'ip.fragment.overlap',
        `${piece(seg)} overlaps earlier ones with ${d.conflictBytes} different byte(s); the bytes seen first are kept`,
      );
    const complete = d.complete();
    if (complete) {
      d.done = true;
      this.settle(d);
    }
    if (this.heldBytes > this.limits.maxFragmentBytesTotal) this.evict(time);
    // The buffer now belongs to TCP as well: it is only read from here on. A malformed
    // TCP header inside is skipped quietly, as it is in an unfragmented packet.
    return complete && parseReassembled(d.data, d.addressLength, d.protocol, d.base + d.total, seg) === ParseStatus.tcp;
  }

  /** Forgets the datagrams `fragmentTimeoutSeconds` after their first fragment; reports the incomplete. */
  expire(now: number): void {
    for (const map of [this.settled, this.pending]) {
      for (const d of map.values()) {
        if (d.firstTime === null) continue;
        const due = d.firstTime + this.limits.fragmentTimeoutSeconds;
        if (due > now) break;
        this.drop(d, 'expired', due);
      }
    }
  }

  /** End of input: every datagram still incomplete is reported. */
  end(time: Timestamp): void {
    for (const d of this.settled.values()) this.remove(d);
    for (const d of this.pending.values()) this.drop(d, 'ended', time);
  }

  private open(key: string, seg: TcpSegment, time: Timestamp): FragmentDatagram {
    const d = new FragmentDatagram(key, seg, seg.fragmentId, time);
    this.pending.set(key, d);
    this.heldBytes += ENTRY_OVERHEAD + d.data.length;
    if (time !== null && time + this.limits.fragmentTimeoutSeconds < this.nextExpiry) {
      this.nextExpiry = time + this.limits.fragmentTimeoutSeconds;
    }
    return d;
  }

  private settle(d: FragmentDatagram): void {
    this.pending.delete(d.key);
    this.settled.set(d.key, d);
  }

  private discard(d: FragmentDatagram, result: PieceResult, seg: TcpSegment, time: Timestamp): void {
    const what =
      result === PieceResult.overlap
        ? 'overlaps another fragment (RFC 5722)'
        : result === PieceResult.tooLong
          ? `ends past the ${MAX_DATAGRAM_PAYLOAD}-byte limit of a datagram`
          : d.total >= 0
            ? `does not fit the ${d.total}-byte length its last fragment gave`
            : `is a last fragment (more-fragments clear) ending before byte ${d.highest}, which others reached`;
    const code = result === PieceResult.overlap ? 'ip.fragment.overlap' : 'ip.fragment.invalid';
    this.say(d, time, code, `${piece(seg)} ${what}; the datagram is discarded, its TCP segment is lost`);
    this.heldBytes -= d.data.length;
    d.discard();
    this.settle(d);
  }

  /** Too many bytes held: settled datagrams go first, then the oldest incomplete ones. */
  private evict(time: Timestamp): void {
    const limit = this.limits.maxFragmentBytesTotal;
    for (const d of this.settled.values()) {
      if (this.heldBytes <= limit) return;
      this.remove(d);
    }
    for (const d of this.pending.values()) {
      if (this.heldBytes <= limit) return;
      this.drop(d, 'evicted', time);
    }
  }

  private drop(d: FragmentDatagram, reason: DropReason, time: Timestamp): void {
    this.remove(d);
    if (d.done || d.discarded) return;
    const why =
      reason === 'expired'
        ? `still incomplete ${this.limits.fragmentTimeoutSeconds} s (capture time) after its first fragment`
        : reason === 'evicted'
          ? `dropped while incomplete: fragments held for reassembly passed ${this.limits.maxFragmentBytesTotal} bytes (the oldest go first)`
          : 'the capture ended before it was complete';
    this.say(d, time, 'ip.fragment', `${why}; ${missing(d)}; its TCP segment is lost`);
  }

  private remove(d: FragmentDatagram): void {
    (d.done || d.discarded ? this.settled : this.pending).delete(d.key);
    this.heldBytes -= ENTRY_OVERHEAD + d.data.length;
    if (d.firstTime !== null) this.nextExpiry = Math.min(this.firstDue(this.pending), this.firstDue(this.settled));
  }

  private firstDue(map: Map<string, FragmentDatagram>): number {
    for (const d of map.values()) if (d.firstTime !== null) return d.firstTime + this.limits.fragmentTimeoutSeconds;
    return Infinity;
  }

  private say(
    d: FragmentDatagram,
    time: Timestamp,
    code: 'ip.fragment' | 'ip.fragment.overlap' | 'ip.fragment.invalid',
    what: string,
  ): void {
    const n = d.addressLength;
    const name = `IPv${n === 4 ? 4 : 6} datagram ${formatAddress(d.data, 0, n)} → ${formatAddress(d.data, n, n)} (id 0x${d.id.toString(16)})`;
    this.report(diagnostic(code, `${name}: ${what}`), time);
  }
}

function piece(seg: TcpSegment): string {
  const end = seg.fragmentOffset + seg.payloadLength + seg.payloadMissing;
  return `the fragment at bytes ${seg.fragmentOffset}–${end}`;
}

function missing(d: FragmentDatagram): string {
  const cut = d.cut === 0 ? '' : ` (${d.cut} fragment(s) cut by the snap length could not be used)`;
  if (d.total >= 0) return `${d.total - d.received} of its ${d.total} bytes missing${cut}`;
  const below = d.highest > d.received ? `, ${d.highest - d.received} bytes missing below byte ${d.highest}` : '';
  return `its last fragment never came, so its length is unknown: ${d.received} bytes received${below}${cut}`;
}

/** (source, destination, protocol, id) for IPv4; (source, destination, id) for IPv6. */
function fragmentKey(seg: TcpSegment): string {
  const b = seg.bytes;
  const n = seg.addressLength;
  let key = n === 4 ? `4:${seg.fragmentProtocol}:${seg.fragmentId}` : `6:${seg.fragmentId}`;
  for (let i = 0; i < n; i += 4) key += `:${u32be(b, seg.srcAddress + i)}`;
  for (let i = 0; i < n; i += 4) key += `:${u32be(b, seg.dstAddress + i)}`;
  return key;
}
