// Decodes one frame or message of a capture again, on demand, from the file by offset: reads
// the records from the frame's first record on, keeps its connection's TCP segments of its
// direction, places their bytes by stream offset (the connection's sequence base, from the
// index), and hands them in stream order to a SessionDecoder of that direction — the same
// frame decoder, unmasking, inflation and text as the pipeline — until the frame is out.
// A compressed message with context takeover starts at the nearest deflate checkpoint before
// it (or its direction's first frame). Where offsets cannot work (TLS, whose offsets are the
// plaintext's; a side whose sequence base is unknown; IP fragments before the first record;
// anything not found where expected) it says so and reads from the start of the file instead.
// Layer rule: index/ — reads the file.
import { open, type FileHandle } from 'node:fs/promises';
import { formatEndpoint } from '../capture/address-format.js';
import { DEFAULT_CAPTURE_LIMITS } from '../capture/capture-limits.js';
import { sniffCaptureFormat } from '../capture/capture-format.js';
import { IpReassembler } from '../capture/ip-reassembler.js';
import { ipHeaderOffset } from '../capture/link-layer.js';
import type { PacketSink } from '../capture/packet-decoder.js';
import { PcapngReader } from '../capture/pcapng-reader.js';
import { PcapReader } from '../capture/pcap-reader.js';
import type { RecordReader } from '../capture/record-reader.js';
import { ParseStatus, TcpSegment, parseTcpIp } from '../capture/tcp-ip-parser.js';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { CapturePipeline } from '../pipeline/capture-pipeline.js';
import { runCapture } from '../pipeline/capture-run.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import type { InflateCheckpoint } from '../protocol/message-inflater.js';
import type { Direction, FrameEvent, InspectEvent, MessageEvent, Timestamp } from '../session/events.js';
import { SessionDecoder } from '../session/session-decoder.js';
import { F, M, type FrameColumns, type MessageColumns } from './columns.js';
import type { IndexCheckpoint, IndexedConnection } from './index-builder.js';

/** What the reader needs of the index. */
export interface IndexView {
  readonly frames: FrameColumns;
  readonly messages: MessageColumns;
  connection(conn: number): IndexedConnection | undefined;
  /** The connection's checkpoints of one direction, by afterRow. */
  checkpoints(conn: number, dir: Direction): readonly IndexCheckpoint[];
  /** Time of message row `row`. */
  messageTime(row: number): Timestamp;
}

export interface Redecoded<T> {
  readonly event: T;
  /** How it was found: by offset from its record, from a deflate checkpoint, or by reading from the file's start. */
  readonly how: 'offset' | 'checkpoint' | 'direction-start' | 'file-start';
  /** Why the file was read from its start (the fallback), when it was. */
  readonly fallback?: string;
  /** File bytes read to decode it. */
  readonly bytesRead: number;
}

export interface FrameReaderOptions {
  readonly decodeAs?: readonly number[];
  readonly keyLog?: KeyLogSecrets;
  /** Give up on offsets (and read from the start) after this many bytes of file without the frame. */
  readonly maxReadBytes?: number;
  /** Binary payload bytes kept per frame (as the session's limit; default: all). */
  readonly keepBinaryPayload?: number;
  /** Tests: never fall back (throw instead), so a fallback cannot hide a wrong offset. */
  readonly noFallback?: boolean;
}

class Fallback extends Error {}
/** A hole in the stream at the end of what was read: bytes of it came in packets before the first record read. */
class Hole extends Fallback {}
/** Records read from further back, by frames of the direction, when a hole is found (then the fallback). */
const STEPS_BACK = [1, 4, 32, 256];

const READ_BYTES = 256 * 1024;
const DEFAULT_MAX_READ = 256 * 1024 * 1024;
/** How far back a continuation frame's message start is looked for. */
const MAX_WALK = 1_000_000;

const isControl = (flags: number): boolean => (flags & 8) !== 0;
const dirOfFrame = (flags: number): Direction => ((flags & F.S2C) !== 0 ? 's2c' : 'c2s');

/** Where reading starts: a record and its packet number. */
interface ReadPosition {
  readonly record: number;
  readonly packet: number;
}

interface Target {
  readonly type: 'frame' | 'message';
  /** Stream offset of its first byte. */
  readonly stream: number;
  /** The pipeline had it whole (not truncated; a complete message). */
  readonly wholeInIndex?: boolean;
}

export class FrameReader {
  /** The open file, once: decodes run concurrently (previews beside a detail). */
  private file: Promise<FileHandle> | null = null;
  private prefix: Uint8Array | null = null;
  private kind: 'pcap' | 'pcapng' = 'pcap';
  /** File bytes read by decodes so far. */
  bytesRead = 0;

  constructor(
    private readonly path: string,
    private readonly index: IndexView,
    private readonly options: FrameReaderOptions = {},
  ) {}

  async close(): Promise<void> {
    const f = this.file;
    this.file = null;
    await (await f?.catch(() => null))?.close();
  }

  /** Frame row `row` (0-based over the capture) decoded again. */
  async frame(row: number): Promise<Redecoded<FrameEvent>> {
    const { frames } = this.index;
    const conn = frames.conn.get(row);
    const flags = frames.flags.get(row);
    const dir = dirOfFrame(flags);
    const c = this.index.connection(conn);
    const stream = frames.stream.get(row);
    try {
      const why = this.unreadable(c, dir, flags);
      if (why !== null) throw new Fallback(why);
      const start = isControl(flags) ? row : this.messageStart(row, conn, dir);
      const { from, inflateFrom, how } = this.startFor(start, c!, dir);
      const found = await this.retrying(c!, dir, from, (at) =>
        this.decodeRange(
          c!,
          dir,
          from,
          inflateFrom,
          { type: 'frame', stream, wholeInIndex: (flags & F.TRUNCATED) === 0 },
          at,
        ),
      );
      // the frame decoder counts offsets from its direction's first frame (after the handshake head)
      const first = c!.firstRow[dir];
      const shift = first >= 0 && first <= from ? frames.stream.get(from) - frames.stream.get(first) : 0;
      const ev = withIndex(
        found as FrameEvent,
        frames.index.get(row),
        frames.index.get(start),
        shift,
        frames.timeOf(row),
      );
      return { event: ev, how: how ?? 'offset', bytesRead: this.lastRead };
    } catch (error) {
      if (!(error instanceof Fallback) || this.options.noFallback === true) throw error;
      const event = (await this.fromFileStart(conn, dir, { frame: frames.index.get(row) })) as FrameEvent;
      return { event, how: 'file-start', fallback: error.message, bytesRead: this.lastRead };
    }
  }

  /** Message row `row` decoded again (its data inflated). */
  async message(row: number): Promise<Redecoded<MessageEvent>> {
    const { frames, messages } = this.index;
    const first = messages.first.get(row);
    const mflags = messages.flags.get(row);
    const conn = frames.conn.get(first);
    const dir: Direction = (mflags & M.S2C) !== 0 ? 's2c' : 'c2s';
    const c = this.index.connection(conn);
    const fflags = frames.flags.get(first);
    try {
      const why =
        this.unreadable(c, dir, fflags) ??
        ((mflags & M.FIRST_UNKNOWN) !== 0 ? 'its first frame is not in the index' : null);
      if (why !== null) throw new Fallback(why);
      const { from, inflateFrom, how } = this.startFor(first, c!, dir);
      const ev = (await this.retrying(c!, dir, from, (at) =>
        this.decodeRange(
          c!,
          dir,
          from,
          inflateFrom,
          { type: 'message', stream: frames.stream.get(first), wholeInIndex: (mflags & M.COMPLETE) !== 0 },
          at,
        ),
      )) as MessageEvent;
      const numbered = Object.assign(Object.create(Object.getPrototypeOf(ev) as object) as MessageEvent, ev, {
        firstFrame: frames.index.get(first),
        lastFrame: frames.index.get(messages.last.get(row)),
        // the index has its time: a message cut off by the end of the capture ends at the capture's last time
        time: this.index.messageTime(row),
      });
      return { event: numbered, how: how ?? 'offset', bytesRead: this.lastRead };
    } catch (error) {
      if (!(error instanceof Fallback) || this.options.noFallback === true) throw error;
      const event = (await this.fromFileStart(conn, dir, { message: frames.index.get(first) })) as MessageEvent;
      return { event, how: 'file-start', fallback: error.message, bytesRead: this.lastRead };
    }
  }

  private lastRead = 0;

  /** Why offsets cannot work for this connection and direction, or null. */
  private unreadable(c: IndexedConnection | undefined, dir: Direction, flags: number): string | null {
    if (c === undefined) return 'its connection is not in the index';
    if (c.tls) return 'TLS: its stream offsets are the plaintext’s, and decrypting needs the connection from its start';
    if ((flags & F.NO_ORIGIN) !== 0) return 'the frame has no capture origin';
    if (c.seqBase === null || c.seqBase[dir] === null)
      return `the ${dir === 'c2s' ? 'client' : 'server'}'s TCP sequence base was not known when the connection was recognised`;
    return null;
  }

  /** The first frame of the message holding data frame `row` (itself unless it continues one). */
  private messageStart(row: number, conn: number, dir: Direction): number {
    const { frames } = this.index;
    const flags = frames.flags.get(row);
    if ((flags & 15) !== 0) return row;
    let walked = 0;
    for (let r = row - 1; r >= 0 && walked < MAX_WALK; r--, walked++) {
      if (frames.conn.get(r) !== conn) continue;
      const f = frames.flags.get(r);
      if (dirOfFrame(f) !== dir || isControl(f)) continue;
      if ((f & 15) !== 0) return r;
      if ((f & F.FIN) !== 0) return row; // a continuation after a finished message: decode it alone
    }
    return row;
  }

  /** Where decoding starts for a message that starts at `start`: there, or a deflate context before it. */
  private startFor(
    start: number,
    c: IndexedConnection,
    dir: Direction,
  ): { from: number; inflateFrom?: InflateCheckpoint; how?: Redecoded<unknown>['how'] } {
    const { frames } = this.index;
    const flags = frames.flags.get(start);
    const settings = c.deflate === null ? null : dir === 'c2s' ? c.deflate.client : c.deflate.server;
    if ((flags & F.RSV1) === 0 || settings === null || settings.noContextTakeover) return { from: start };
    const list = this.index.checkpoints(c.conn, dir);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].afterRow < start) lo = mid + 1;
      else hi = mid;
    }
    const cp = lo > 0 ? list[lo - 1] : null;
    if (cp !== null) {
      const from = this.nextRow(cp.afterRow, c.conn, dir, start);
      return { from, inflateFrom: { window: cp.window, fromStart: cp.fromStart }, how: 'checkpoint' };
    }
    const from = c.firstRow[dir] >= 0 ? c.firstRow[dir] : start;
    return {
      from,
      inflateFrom: { window: new Uint8Array(0), fromStart: c.handshakeSeen },
      how: from === start ? 'offset' : 'direction-start',
    };
  }

  /**
   * Decodes reading from `from`'s first record; where a hole shows that some of its bytes came
   * earlier in the file (segments out of order), from records of earlier frames of the direction.
   */
  private async retrying<T>(
    c: IndexedConnection,
    dir: Direction,
    from: number,
    decode: (readFrom: ReadPosition) => Promise<T>,
  ): Promise<T> {
    const { frames } = this.index;
    let last = -1;
    for (const back of [0, ...STEPS_BACK]) {
      const row = back === 0 ? from : this.rowBack(from, c.conn, dir, back);
      // before the direction's first frame: from its handshake head
      const head =
        row === last ? c.handshake.find((h) => (h.handshake.side === 'request') === (dir === 'c2s')) : undefined;
      if (row === last && head?.capture === undefined) break;
      const at =
        head?.capture !== undefined
          ? { record: head.capture.record, packet: head.capture.packet }
          : { record: frames.record.get(row), packet: frames.packet.get(row) };
      try {
        return await decode(at);
      } catch (error) {
        if (!(error instanceof Hole)) throw error;
      }
      if (head !== undefined) break;
      last = row;
    }
    throw new Fallback('a hole in its TCP stream: some of its bytes are not after the records the index points at');
  }

  /** The row `n` frames of the connection and direction before `row` (or the first there is). */
  private rowBack(row: number, conn: number, dir: Direction, n: number): number {
    const { frames } = this.index;
    let found = row;
    for (let r = row - 1, left = n; r >= 0 && left > 0; r--) {
      if (frames.conn.get(r) !== conn || dirOfFrame(frames.flags.get(r)) !== dir) continue;
      found = r;
      left--;
    }
    return found;
  }

  /** The next frame row of the connection and direction after `row` (at most `limit`). */
  private nextRow(row: number, conn: number, dir: Direction, limit: number): number {
    const { frames } = this.index;
    for (let r = row + 1; r < limit; r++)
      if (frames.conn.get(r) === conn && dirOfFrame(frames.flags.get(r)) === dir) return r;
    return limit;
  }

  private handle(): Promise<FileHandle> {
    // two decodes asking at once share one open (two opens leaked one handle to the GC)
    this.file ??= (async () => {
      const file = await open(this.path, 'r');
      try {
        this.prefix = await this.readPrefix(file);
      } catch (error) {
        await file.close();
        throw error;
      }
      return file;
    })();
    const opening = this.file;
    return opening.catch((error: unknown) => {
      if (this.file === opening) this.file = null;
      throw error;
    });
  }

  /** The bytes a record reader needs before any packet: pcap's file header, pcapng's blocks up to the first packet. */
  private async readPrefix(file: FileHandle): Promise<Uint8Array> {
    const head = Buffer.alloc(24);
    const { bytesRead } = await file.read(head, 0, 24, 0);
    const format = sniffCaptureFormat(head.subarray(0, bytesRead));
    if (format === null) throw new Fallback('the file has no capture header');
    this.kind = format.kind;
    if (format.kind === 'pcap') return new Uint8Array(head.subarray(0, 24));
    let pos = 0;
    let le = true;
    const block = Buffer.alloc(12);
    for (;;) {
      const got = (await file.read(block, 0, 12, pos)).bytesRead;
      if (got < 12) break;
      const typeLe = block.readUInt32LE(0);
      if (typeLe === 0x0a0d0d0a) le = block.readUInt32LE(8) === 0x1a2b3c4d;
      const type = le ? typeLe : block.readUInt32BE(0);
      const length = le ? block.readUInt32LE(4) : block.readUInt32BE(4);
      if (type === 2 || type === 3 || type === 6 || length < 12) break;
      pos += length;
    }
    const out = Buffer.alloc(pos);
    await file.read(out, 0, pos, 0);
    return new Uint8Array(out);
  }

  /**
   * Reads from frame row `from`'s record on, decoding its direction's stream from that frame's
   * first byte, until the target (a frame or a message, by its first byte's stream offset) is out.
   */
  private async decodeRange(
    c: IndexedConnection,
    dir: Direction,
    from: number,
    inflateFrom: InflateCheckpoint | undefined,
    target: Target,
    readFrom?: ReadPosition,
  ): Promise<FrameEvent | MessageEvent> {
    const file = await this.handle();
    const { frames } = this.index;
    const base = c.seqBase![dir]!;
    const [src, dst] =
      dir === 'c2s' ? [c.connection.client, c.connection.server] : [c.connection.server, c.connection.client];
    const box: { found: FrameEvent | MessageEvent | null } = { found: null };
    const session = new SessionDecoder({
      conn: c.conn,
      expectHandshake: false,
      assumeDeflate: c.deflate,
      limits: { keepBinaryPayload: this.options.keepBinaryPayload ?? Infinity },
      inflateFrom: inflateFrom === undefined ? undefined : { [dir]: inflateFrom },
      onEvent: (ev: InspectEvent) => {
        if (box.found !== null || (ev.type !== 'frame' && ev.type !== 'message') || ev.capture === undefined) return;
        if (ev.type === target.type && ev.capture.streamStart === target.stream) box.found = ev;
      },
    });
    const startRecord = readFrom?.record ?? frames.record.get(from);
    const startPacket = readFrom?.packet ?? frames.packet.get(from);
    let next = frames.stream.get(from);
    const prefix = this.prefix!;
    const seg = new TcpSegment();
    const fragments = new IpReassembler(DEFAULT_CAPTURE_LIMITS, () => {});
    const links: number[] = [];
    let packetNo = startPacket - 1;
    let broken: string | null = null;
    let held: { off: number; bytes: Uint8Array; packet: number; record: number }[] = [];
    let heldBytes = 0;
    let readerOffset = 0;
    const deliver = (bytes: Uint8Array, at: number, time: Timestamp, packet: number, record: number): void => {
      session.handle({ kind: 'data', conn: c.conn, dir, bytes, time, at, packet, record });
    };
    const place = (bytes: Uint8Array, off: number, time: Timestamp, packet: number, record: number): void => {
      const end = off + bytes.length;
      if (end <= next) return;
      if (off > next) {
        held.push({ off, bytes: bytes.slice(), packet, record });
        heldBytes += bytes.length;
        if (heldBytes > 64 * 1024 * 1024) broken = 'a hole in its TCP stream did not fill';
        return;
      }
      deliver(bytes.subarray(next - off), next, time, packet, record);
      next = end;
      while (held.length > 0) {
        held.sort((a, b) => a.off - b.off);
        const h = held[0];
        if (h.off > next) break;
        held.shift();
        heldBytes -= h.bytes.length;
        if (h.off + h.bytes.length > next) {
          deliver(h.bytes.subarray(next - h.off), next, time, h.packet, h.record);
          next = h.off + h.bytes.length;
        }
      }
    };
    const sink: PacketSink = {
      addInterface: (linkType) => links.push(linkType) - 1,
      fileDiagnostic: () => {},
      packet: (iface, time, bytes, offset, captured, _original, record) => {
        packetNo++;
        const link = links[iface];
        if (link === undefined) {
          broken = 'a packet of an interface declared after the first packet (pcapng)';
          return;
        }
        const end = offset + captured;
        const ip = ipHeaderOffset(link, bytes, offset, end);
        if (ip < 0) return;
        let status = parseTcpIp(bytes, ip, end, seg);
        if (status === ParseStatus.fragment) status = fragments.fragment(seg, time) ? ParseStatus.tcp : status;
        if (status !== ParseStatus.tcp || seg.payloadLength === 0) return;
        if (seg.srcPort !== port(src) || seg.dstPort !== port(dst)) return;
        const b = seg.bytes;
        if (formatEndpoint(b, seg.srcAddress, seg.addressLength, seg.srcPort) !== src) return;
        if (formatEndpoint(b, seg.dstAddress, seg.addressLength, seg.dstPort) !== dst) return;
        const rel = (seg.seq - base) >>> 0;
        const off = rel + Math.round((next - rel) / 2 ** 32) * 2 ** 32;
        const abs = startRecord + (record - prefix.length);
        place(b.subarray(seg.payloadOffset, seg.payloadOffset + seg.payloadLength), off, time, packetNo, abs);
      },
    };
    const reader: RecordReader =
      this.kind === 'pcap'
        ? new PcapReader(sniffCaptureFormat(prefix) as never, sink, DEFAULT_CAPTURE_LIMITS)
        : new PcapngReader(sink, DEFAULT_CAPTURE_LIMITS.maxRecordBytes);
    reader.push(prefix);
    readerOffset = startRecord;
    let read = 0;
    const max = this.options.maxReadBytes ?? DEFAULT_MAX_READ;
    let size = READ_BYTES;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await file.read(buf, 0, size, readerOffset);
      if (bytesRead === 0) break;
      readerOffset += bytesRead;
      read += bytesRead;
      reader.push(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
      if (box.found !== null || broken !== null) break;
      if (read >= max) {
        broken = `not found within ${read} bytes of its first record`;
        break;
      }
      size = Math.min(size * 2, 8 * 1024 * 1024);
    }
    this.bytesRead += read;
    this.lastRead = read;
    if (box.found === null && broken === null && held.length > 0) throw new Hole('hole');
    if (box.found === null && broken === null) {
      // the end of the file: a frame cut off by it is still a frame (frame.truncated)
      session.handle({ kind: 'end', conn: c.conn, reason: 'input-ended', time: null });
    }
    if (box.found === null) throw new Fallback(broken ?? 'not found where its offsets say');
    // cut short where the pipeline had it whole: some of its bytes came before the first record read
    const got = box.found as FrameEvent | MessageEvent;
    if (got.type === 'frame' && got.frame.truncated && target.wholeInIndex === true) throw new Hole('hole');
    if (got.type === 'message' && !got.complete && target.wholeInIndex === true) throw new Hole('hole');
    return got;
  }

  /** The fallback: the capture read from its start through the pipeline, only this connection decoded. */
  private async fromFileStart(
    conn: number,
    dir: Direction,
    want: { frame?: number; message?: number },
  ): Promise<FrameEvent | MessageEvent> {
    const box: { found: FrameEvent | MessageEvent | null } = { found: null };
    const abort = new AbortController();
    const assume = assumedDeflate();
    const pipeline = new CapturePipeline({
      consumers: [
        {
          keepPayload: Infinity,
          event: (ev) => {
            if (box.found !== null || ev.conn !== conn) return;
            if (ev.type === 'frame' && ev.index === want.frame) box.found = ev;
            if (ev.type === 'message' && ev.dir === dir && ev.firstFrame === want.message) box.found = ev;
          },
        },
      ],
      streamStages: [{ connect: (next) => (ev) => (ev.conn === conn || ev.kind === 'open' ? next(ev) : undefined) }],
      assumeDeflate: assume,
      capture: { decodeAs: this.options.decodeAs ?? [], keyLog: this.options.keyLog },
    });
    let read = 0;
    await runCapture(pipeline, this.path, {
      onProgress: (r) => {
        read = r;
      },
      backpressure: async () => {
        if (box.found !== null) abort.abort();
      },
      signal: abort.signal,
    });
    if (box.found === null) pipeline.finish();
    this.lastRead = read;
    this.bytesRead += read;
    if (box.found === null) throw new Error(`frame or message of connection ${conn} not found in the capture`);
    return box.found;
  }
}

/** The port of an "ip:port" endpoint. */
function port(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/** The event with its index in the connection (the decoder counted from the first frame it saw); getters kept. */
/**
 * The frame as numbered in the whole connection (the decoder saw only its direction, from where
 * reading started): its index, its message's first frame (a compressed message's, as the last
 * frame explains it), its offset and time.
 */
function withIndex(ev: FrameEvent, index: number, firstIndex: number, shift: number, time: Timestamp): FrameEvent {
  const cm = ev.compressedMessage;
  const renumber = cm !== undefined && cm.firstFrame !== firstIndex;
  if (ev.index === index && shift === 0 && ev.time === time && !renumber) return ev;
  const frame = shift === 0 ? ev.frame : { ...ev.frame, offset: ev.frame.offset + shift };
  const compressedMessage = renumber ? { ...cm, firstFrame: firstIndex } : cm;
  return Object.assign(Object.create(Object.getPrototypeOf(ev) as object) as FrameEvent, ev, {
    index,
    frame,
    time,
    ...(compressedMessage === undefined ? {} : { compressedMessage }),
  });
}
