// A capture/proxy frame line written straight into an output block as UTF-8: the common frame
// never becomes a string — its text preview is copied from the payload, numbers and hex are
// written as digits, fixed parts come from bytes encoded once per style. Rare parts (close
// codes, truncation, diagnostics and their lines, text needing escapes) are built by the string renderers and
// encoded. Always byte-identical to the string line (held by test/render/frame-line.test.ts).
// Layer rule: render/ — pure; writes into a block the caller provides.
import { Opcode } from '../protocol/frame.js';
import type { AppItem, FrameEvent } from '../session/events.js';
import { frameEventDiagnostics, renderDiagnosticCodes, renderDiagnosticDetails } from './diagnostics-view.js';
import type { Paint, Style } from './style.js';
import { escapeForTerminal } from './escape.js';
import { closePart, lengthPart, opcodeLabel, previewPart } from './summary-line.js';
import { framePreview, plainPreviewSpan, previewRoom } from './text-preview.js';
import { putDecimal } from '../protocol/bytes.js';

/** What a writer's lines show besides the frame (the printer's options). */
export interface FrameLineOptions {
  /** --max-payload: the preview shows at most this many payload bytes (characters of text). */
  readonly maxPayload?: number;
  /** --errors: each diagnostic's line (renderDiagnosticDetails) follows the frame's line. */
  readonly details?: boolean;
}

/** Where a line is written: a byte block with room, filled from `cursor`. */
export interface LineBlockSink {
  /** Room for n more bytes; returns the block, to be written from `cursor`. */
  reserve(n: number): Uint8Array;
  readonly cursor: number;
  /** The line (its '\n' included) ends at `end`. */
  commit(end: number): void;
}

/** A paint as the bytes it puts before and after its text. */
interface Wrap {
  readonly open: Uint8Array;
  readonly close: Uint8Array;
}

const encoder = new TextEncoder();
const HEX = encoder.encode('0123456789abcdef');
const ELLIPSIS = encoder.encode('…');
const BYTE = encoder.encode(' byte');
const BYTES = encoder.encode(' bytes');
/** Room for everything of a line except its prefix and the parts built as strings. */
const FIXED_ROOM = 1024;
const SENTINEL = '\u0001';

function wrapOf(paint: Paint): Wrap {
  const painted = paint(SENTINEL);
  const at = painted.indexOf(SENTINEL);
  return { open: encoder.encode(painted.slice(0, at)), close: encoder.encode(painted.slice(at + 1)) };
}

export class FrameLineWriter {
  private readonly dim: Wrap;
  private readonly len: Wrap;
  private readonly key: Wrap;
  /** " " + opcode label, painted, for each opcode. */
  private readonly labels: Uint8Array[];
  /** " FIN RSV1…", painted, for each combination of the four bits (fin | rsv1 << 1 | …). */
  private readonly flags: Uint8Array[];
  private readonly masked: Uint8Array;
  private readonly compressed: Uint8Array;

  private readonly maxPayload: number;
  private readonly details: boolean;

  constructor(
    private readonly style: Style,
    opts: FrameLineOptions = {},
  ) {
    this.maxPayload = opts.maxPayload ?? Infinity;
    this.details = opts.details === true;
    this.dim = wrapOf(style.dim);
    this.len = wrapOf(style.len);
    this.key = wrapOf(style.key);
    this.labels = Array.from({ length: 16 }, (_, op) =>
      encoder.encode(' ' + style.opcode(style.bold(opcodeLabel(op)))),
    );
    this.flags = Array.from({ length: 16 }, (_, bits) =>
      encoder.encode(
        (bits & 1 ? ' ' + style.fin('FIN') : '') +
          (bits & 2 ? ' ' + style.rsv('RSV1') : '') +
          (bits & 4 ? ' ' + style.rsv('RSV2') : '') +
          (bits & 8 ? ' ' + style.rsv('RSV3') : ''),
      ),
    );
    this.masked = encoder.encode(' ' + style.mask('masked') + ' ');
    this.compressed = encoder.encode(' ' + style.rsv('compressed'));
  }

  /**
   * Writes `time` (ASCII, painted dim, then a space), `prefix`, and the summary of `ev` as
   * renderFrameSummary(ev, style, { arrow: false, maxPreview: max, maxPayload }) would, then
   * (--errors) the diagnostics' lines, then '\n'.
   */
  write(sink: LineBlockSink, ev: FrameEvent, time: string | null, prefix: Uint8Array, room: number): void {
    const frame = ev.frame;
    const max = previewRoom(room, this.maxPayload);
    // the rare parts, as strings, first: their size decides the room asked for
    const length =
      frame.truncated ||
      frame.payload.length + frame.payloadSkipped < frame.payloadLength ||
      frame.payloadLength > Number.MAX_SAFE_INTEGER
        ? lengthPart(frame, this.style)
        : null;
    const close = ev.close !== undefined || frame.opcode === Opcode.close ? closePart(ev, max, this.style) : '';
    const diagnostics = frameEventDiagnostics(ev);
    const counts =
      diagnostics.length === 0
        ? ''
        : '  ' +
          renderDiagnosticCodes(diagnostics, this.style) +
          (this.details ? renderDiagnosticDetails(diagnostics, this.style) : '');
    // the preview is copied from the payload when it is plain text or hex, else built as a string
    const shown = framePreview(ev, room, this.maxPayload);
    const span = shown.kind === 'utf8' ? plainPreviewSpan(shown.bytes, max) : -1;
    const preview = span >= 0 || shown.kind === 'hex' ? null : previewPart(shown, max, this.style);
    const strings = (length?.length ?? 0) + close.length + counts.length + (preview?.length ?? 0);
    const b = sink.reserve(FIXED_ROOM + prefix.length + 3 * strings);
    let o = sink.cursor;
    if (time !== null) {
      o = put(b, o, this.dim.open);
      for (let i = 0; i < time.length; i++) b[o++] = time.charCodeAt(i);
      o = put(b, o, this.dim.close);
      b[o++] = 0x20;
    }
    o = put(b, o, prefix);
    o = put(b, o, this.dim.open);
    b[o++] = 0x23; // #
    o = putDecimal(b, o, ev.index);
    o = put(b, o, this.dim.close);
    o = put(b, o, this.labels[frame.opcode & 15]);
    o = put(b, o, this.flags[(frame.fin ? 1 : 0) | (frame.rsv1 ? 2 : 0) | (frame.rsv2 ? 4 : 0) | (frame.rsv3 ? 8 : 0)]);
    if (length === null) o = this.putLength(b, o, frame.payloadLength);
    else o = putString(b, o, length);
    if (frame.masked && frame.maskingKey !== null) {
      o = put(b, o, this.masked);
      o = put(b, o, this.key.open);
      for (let i = 0; i < 4; i++) o = putHex(b, o, frame.maskingKey[i]);
      o = put(b, o, this.key.close);
    }
    if (ev.compressed) o = put(b, o, this.compressed);
    o = putString(b, o, close);
    if (preview !== null) o = putString(b, o, preview);
    else if (shown.kind === 'utf8') o = putText(b, o, shown.bytes, span);
    else if (shown.kind === 'hex') o = this.putHexPreview(b, o, shown.bytes, shown.count);
    o = putString(b, o, counts);
    b[o++] = 0x0a;
    sink.commit(o);
  }

  /**
   * An application view's `↳` line of `item`: `time` (as in write()), `prefix`, `head` (bytes
   * painted beforehand), its summary escaped as escapeForTerminal does, '\n'. A view that can
   * write its summary's bytes (AppItem.writeSummary) never builds the string.
   */
  writeItem(sink: LineBlockSink, time: string | null, prefix: Uint8Array, head: Uint8Array, item: AppItem): void {
    if (item.writeSummary !== undefined) {
      const b = sink.reserve(FIXED_ROOM + prefix.length + head.length + (item.summaryRoom ?? 0));
      const o = this.putTime(b, sink.cursor, time);
      const end = item.writeSummary(b, put(b, put(b, o, prefix), head));
      if (end >= 0) {
        b[end] = 0x0a;
        sink.commit(end + 1);
        return;
      }
    }
    this.writeText(sink, time, prefix, head, item.summary);
  }

  /** `time` painted dim and a space, or nothing. */
  private putTime(b: Uint8Array, o: number, time: string | null): number {
    if (time === null) return o;
    o = put(b, o, this.dim.open);
    for (let i = 0; i < time.length; i++) b[o++] = time.charCodeAt(i);
    o = put(b, o, this.dim.close);
    b[o] = 0x20;
    return o + 1;
  }

  /**
   * The line of writeItem with `text` as its summary. Printable ASCII (the common summary) is
   * copied a character at a time; anything else is escaped and encoded.
   */
  writeText(sink: LineBlockSink, time: string | null, prefix: Uint8Array, head: Uint8Array, text: string): void {
    const n = text.length;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x5c) {
        ascii = false;
        break;
      }
    }
    const body = ascii ? text : escapeForTerminal(text);
    const b = sink.reserve(FIXED_ROOM + prefix.length + head.length + 3 * body.length);
    let o = put(b, put(b, this.putTime(b, sink.cursor, time), prefix), head);
    if (ascii) {
      for (let i = 0; i < n; i++) b[o + i] = text.charCodeAt(i);
      o += n;
    } else o = putString(b, o, body);
    b[o++] = 0x0a;
    sink.commit(o);
  }

  /** " 5 bytes", painted. */
  private putLength(b: Uint8Array, o: number, n: number): number {
    b[o++] = 0x20;
    o = put(b, o, this.len.open);
    o = putDecimal(b, o, n);
    o = put(b, o, n === 1 ? BYTE : BYTES);
    return put(b, o, this.len.close);
  }

  /** The hex preview (previewPart's 'hex' case) as bytes. */
  private putHexPreview(b: Uint8Array, o: number, bytes: Uint8Array, count: number): number {
    b[o++] = 0x20;
    if (bytes.length === 0) return o; // a paint leaves '' unpainted
    const n = Math.min(bytes.length, count);
    o = put(b, o, this.dim.open);
    for (let i = 0; i < n; i++) {
      if (i > 0) b[o++] = 0x20;
      o = putHex(b, o, bytes[i]);
    }
    if (bytes.length > n) {
      b[o++] = 0x20;
      o = put(b, o, ELLIPSIS);
    }
    return put(b, o, this.dim.close);
  }
}

/** A text preview copied from its bytes (span from plainPreviewSpan, ≥ 0). */
function putText(b: Uint8Array, o: number, text: Uint8Array, span: number): number {
  b[o++] = 0x20;
  b[o++] = 0x22;
  const n = span >>> 1;
  if (n < 64) {
    for (let i = 0; i < n; i++) b[o + i] = text[i];
  } else {
    b.set(text.subarray(0, n), o);
  }
  o += n;
  if ((span & 1) !== 0) o = put(b, o, ELLIPSIS);
  b[o] = 0x22;
  return o + 1;
}

function put(b: Uint8Array, o: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return o;
  if (bytes.length < 16) {
    for (let i = 0; i < bytes.length; i++) b[o + i] = bytes[i];
  } else {
    b.set(bytes, o);
  }
  return o + bytes.length;
}

function putHex(b: Uint8Array, o: number, v: number): number {
  b[o] = HEX[v >> 4];
  b[o + 1] = HEX[v & 15];
  return o + 2;
}

/** A string as UTF-8 (the rare parts; the caller reserved 3 bytes per UTF-16 unit). */
function putString(b: Uint8Array, o: number, s: string): number {
  if (s === '') return o;
  return o + encoder.encodeInto(s, b.subarray(o)).written;
}
