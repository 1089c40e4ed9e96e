// One IP datagram being put back together from its fragments: the bytes received so far,
// laid out as [source][destination][fragmentable part] so the finished buffer goes to the
// TCP parser as it is, the byte ranges they cover, and the overlap and length rules.
// Layer rule: capture/ — pure; allocates only when fragments arrive, never per packet.
import type { Timestamp } from '../session/events.js';
import type { TcpSegment } from './tcp-ip-parser.js';

/** RFC 791 §3.1 / RFC 8200 §4.5: a reassembled payload longer than 16 bits can express is dropped. */
export const MAX_DATAGRAM_PAYLOAD = 65535;

/** What one fragment did to its datagram. The last three discard the datagram. */
export const PieceResult = {
  added: 0,
  /** Nothing new: every byte was already there, and equal. */
  duplicate: 1,
  /** IPv4: overlapping bytes differ; the first seen are kept (`conflictBytes` says how many). */
  conflict: 2,
  /** Cut by the snap length: its data cannot be used (Wireshark does not use it either). */
  cut: 3,
  /** IPv6: overlapping fragments (RFC 5722). */
  overlap: 4,
  tooLong: 5,
  /** Fragments disagree on where the datagram ends. */
  lengthMismatch: 6,
} as const;
export type PieceResult = (typeof PieceResult)[keyof typeof PieceResult];

const EMPTY = new Uint8Array(0);

export class FragmentDatagram {
  /** [source address][destination address][payload…]; grows as fragments arrive. */
  data: Uint8Array;
  /** Payload length from the last fragment (M clear), or -1 while unknown. */
  total = -1;
  /** Payload bytes received (each counted once). */
  received = 0;
  /** Furthest payload byte any fragment announced. */
  highest = 0;
  /** IPv4 protocol or IPv6 first header of the fragmentable part, from the offset-0 fragment. */
  protocol = -1;
  /** Fragments that the snap length cut. */
  cut = 0;
  /** Differing bytes found by the last `conflict`. */
  conflictBytes = 0;
  /** Reassembled and handed on: kept a while to recognise late duplicate fragments. */
  done = false;
  /** Discarded: kept only to absorb its remaining fragments until it times out (RFC 5722). */
  discarded = false;
  readonly addressLength: number;
  /** Payload byte ranges received: sorted, merged [start, end) pairs. */
  private readonly covered: number[] = [];

  constructor(
    readonly key: string,
    seg: TcpSegment,
    readonly id: number,
    readonly firstTime: Timestamp,
  ) {
    const n = seg.addressLength;
    this.addressLength = n;
    this.data = new Uint8Array(2 * n);
    this.data.set(seg.bytes.subarray(seg.srcAddress, seg.srcAddress + n), 0);
    this.data.set(seg.bytes.subarray(seg.dstAddress, seg.dstAddress + n), n);
  }

  get base(): number {
    return 2 * this.addressLength;
  }

  add(seg: TcpSegment): PieceResult {
    const start = seg.fragmentOffset;
    const end = start + seg.payloadLength + seg.payloadMissing;
    if (end > MAX_DATAGRAM_PAYLOAD) return PieceResult.tooLong;
    if (!this.fitsLength(end, seg.moreFragments)) return PieceResult.lengthMismatch;
    if (end > this.highest) this.highest = end;
    // RFC 8200 §4.5: the next header of the reassembled packet is the offset-0 fragment's.
    if (start === 0) this.protocol = seg.fragmentProtocol;
    if (seg.payloadMissing > 0) {
      this.cut += 1;
      return PieceResult.cut;
    }
    return this.addressLength === 16
      ? this.addIpv6(seg.bytes, seg.payloadOffset, start, end)
      : this.addIpv4(seg.bytes, seg.payloadOffset, start, end);
  }

  complete(): boolean {
    const c = this.covered;
    return this.total > 0 && c.length === 2 && c[0] === 0 && c[1] === this.total;
  }

  /**
   * For a datagram already reassembled: whether this fragment is a copy of one of its pieces
   * (captures on several interfaces hold every packet twice). Anything else is a new
   * datagram that reuses the identification.
   */
  repeats(seg: TcpSegment): boolean {
    const start = seg.fragmentOffset;
    const end = start + seg.payloadLength + seg.payloadMissing;
    if (end > this.total || (!seg.moreFragments && end !== this.total)) return false;
    return this.countDiffering(seg.bytes, seg.payloadOffset - start, start, start + seg.payloadLength) === 0;
  }

  /** Frees the bytes; later fragments of this datagram are absorbed without a word. */
  discard(): void {
    this.discarded = true;
    this.data = EMPTY;
    this.covered.length = 0;
  }

  /**
   * The last fragment fixes the length; a second one must agree, and no fragment may reach
   * past it (RFC 791 §3.2 reassembly; Linux and Wireshark drop such a datagram too).
   */
  private fitsLength(end: number, more: boolean): boolean {
    if (more) return this.total < 0 || end <= this.total;
    if ((this.total >= 0 && this.total !== end) || end < this.highest) return false;
    this.total = end;
    return true;
  }

  /** RFC 791 does not say which copy of an overlap wins: the first seen is kept, as TCP does here. */
  private addIpv4(b: Uint8Array, off: number, start: number, end: number): PieceResult {
    this.reserve(end);
    const c = this.covered;
    const before = this.received;
    let differing = 0;
    let pos = start;
    for (let i = 0; i < c.length && c[i] < end; i += 2) {
      if (c[i + 1] <= start) continue;
      if (c[i] > pos) this.write(b, off - start, pos, c[i]);
      const from = Math.max(c[i], start);
      differing += this.countDiffering(b, off - start, from, Math.min(c[i + 1], end));
      pos = Math.max(pos, c[i + 1]);
    }
    if (pos < end) this.write(b, off - start, pos, end);
    this.cover(start, end);
    this.conflictBytes = differing;
    if (differing > 0) return PieceResult.conflict;
    return this.received > before ? PieceResult.added : PieceResult.duplicate;
  }

  /**
   * RFC 5722: any overlap abandons the datagram. RFC 8200 §4.5 lets an exact duplicate (all
   * its bytes already received, and equal) be dropped alone: captures often hold duplicates.
   */
  private addIpv6(b: Uint8Array, off: number, start: number, end: number): PieceResult {
    const c = this.covered;
    for (let i = 0; i < c.length && c[i] < end; i += 2) {
      if (c[i + 1] <= start) continue;
      const inside = c[i] <= start && end <= c[i + 1];
      return inside && this.countDiffering(b, off - start, start, end) === 0
        ? PieceResult.duplicate
        : PieceResult.overlap;
    }
    this.reserve(end);
    this.write(b, off - start, start, end);
    this.cover(start, end);
    return PieceResult.added;
  }

  /** Copies payload bytes [from, to) of the datagram; the fragment's byte k sits at b[shift + k]. */
  private write(b: Uint8Array, shift: number, from: number, to: number): void {
    this.data.set(b.subarray(shift + from, shift + to), this.base + from);
    this.received += to - from;
  }

  private countDiffering(b: Uint8Array, shift: number, from: number, to: number): number {
    const d = this.data;
    const at = this.base;
    let n = 0;
    for (let k = from; k < to; k += 1) if (d[at + k] !== b[shift + k]) n += 1;
    return n;
  }

  /** Room for payload bytes up to `end`: the exact length once known, else doubling. */
  private reserve(end: number): void {
    const base = this.base;
    if (this.data.length >= base + end) return;
    const doubled = Math.min(MAX_DATAGRAM_PAYLOAD, 2 * (this.data.length - base));
    const size = this.total >= 0 ? this.total : Math.max(end, doubled);
    const grown = new Uint8Array(base + size);
    grown.set(this.data);
    this.data = grown;
  }

  /** Adds [start, end) to the merged ranges. */
  private cover(start: number, end: number): void {
    const c = this.covered;
    let i = 0;
    while (i < c.length && c[i + 1] < start) i += 2;
    let s = start;
    let e = end;
    let j = i;
    for (; j < c.length && c[j] <= end; j += 2) {
      s = Math.min(s, c[j]);
      e = Math.max(e, c[j + 1]);
    }
    c.splice(i, j - i, s, e);
  }
}
