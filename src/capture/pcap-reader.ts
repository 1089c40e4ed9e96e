// Our own incremental reader of classic pcap records (the libpcap file format): a 24-byte
// file header, then a 16-byte header per packet. Microsecond and nanosecond magic in
// either byte order. It exists beside the pcap-parser adapter (sources/) because that
// parser costs 3 events, 2 objects and 2 Buffer views per packet, which caps small-packet
// captures on its own (figures: bench/README.md); this one reads in place.
// Layer rule: capture/ — pure.
import { PartialRecord } from './partial-record.js';
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import { u32 } from './byte-reader.js';
import type { RecordReader, PcapFormat } from './record-reader.js';
import type { CaptureLimits } from './capture-limits.js';
import type { PacketSink } from './packet-decoder.js';
import { secondsFrom } from './timestamp.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export class PcapReader implements RecordReader {
  private readonly le: boolean;
  private readonly ticksPerSecond: number;
  private iface = -1;
  /** File offset of the first byte not yet consumed. */
  private offset = 0;
  private carry: PartialRecord | null = null;
  private stopped = false;

  constructor(
    format: PcapFormat,
    private readonly sink: PacketSink,
    private readonly limits: CaptureLimits,
  ) {
    this.le = format.littleEndian;
    this.ticksPerSecond = format.nanosecond ? 1e9 : 1e6;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    let pos = this.carry === null ? 0 : this.fillCarry(chunk);
    if (this.carry !== null || this.stopped) return;
    for (;;) {
      const need = this.recordLength(chunk, pos);
      if (need < 0 || chunk.length - pos < need) break;
      this.record(chunk, pos, need);
      pos += need;
      this.offset += need;
    }
    if (!this.stopped && pos < chunk.length) this.startCarry(chunk.subarray(pos));
  }

  end(): void {
    if (this.stopped || this.carry === null) return;
    const have = this.carry.have;
    const what =
      this.iface < 0
        ? `the file header has ${have} of its ${FILE_HEADER} bytes`
        : !this.carry.headerComplete
          ? `the record header starting at byte ${this.offset} is incomplete`
          : `the packet record starting at byte ${this.offset} has ${have} of its ${this.carry.size} bytes`;
    this.sink.fileDiagnostic(
      diagnostic('capture.truncated', `capture cut at byte ${this.offset + have}: ${what}`),
      null,
    );
    this.carry = null;
  }

  /** Bytes of the next record at p (file header or packet), or -1 when not yet known/stopped. */
  private recordLength(b: Uint8Array, p: number): number {
    if (this.iface < 0) return FILE_HEADER;
    if (b.length - p < RECORD_HEADER) return -1;
    const captured = u32(b, p + 8, this.le);
    if (captured > this.limits.maxRecordBytes) {
      // Classic pcap has no way to resynchronise after a corrupt length.
      this.stopped = true;
      const text = `packet record at byte ${this.offset} declares ${captured} captured bytes; the rest of the file is skipped`;
      this.sink.fileDiagnostic(diagnostic('capture.block.malformed', text), null);
      return -1;
    }
    return RECORD_HEADER + captured;
  }

  private record(b: Uint8Array, p: number, length: number): void {
    const le = this.le;
    if (this.iface < 0) {
      // The link type field's upper bits carry FCS information: the type is the low 16.
      this.iface = this.sink.addInterface(u32(b, p + 20, le) & 0xffff, u32(b, p + 16, le));
      return;
    }
    const time = secondsFrom(u32(b, p, le), u32(b, p + 4, le), this.ticksPerSecond);
    this.sink.packet(this.iface, time, b, p + RECORD_HEADER, length - RECORD_HEADER, u32(b, p + 12, le), this.offset);
  }

  private startCarry(rest: Uint8Array): void {
    const known = this.iface < 0 || rest.length >= RECORD_HEADER;
    const size = known ? this.recordLength(rest, 0) : null;
    if (size !== null && size < 0) return;
    this.carry = new PartialRecord(rest, size, RECORD_HEADER);
  }

  /** Completes the record that straddles chunks; returns how much of the chunk it took. */
  private fillCarry(chunk: Uint8Array): number {
    const { taken, record, invalid } = this.carry!.fill(chunk, (header) => this.recordLength(header, 0));
    if (invalid) this.carry = null;
    if (record !== null) {
      this.carry = null;
      this.record(record, 0, record.length);
      this.offset += record.length;
    }
    return taken;
  }
}
