// `--json`: each InspectEvent as one NDJSON line, per docs/json-output.md (names there
// are a contract). Strings are built directly rather than through objects + JSON.stringify:
// in a large capture this runs per frame and is the output path's main cost.
// Layer rule: render/ — pure string building.
import { appJsonFields } from './app-view.js';
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { opcodeName } from '../protocol/frame.js';
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';
import { encodeHex, encodeJsonText, jsonString, JSON_TEXT_ROOM_PER_BYTE } from './json-encoder.js';
import { jsonSeconds } from './seconds-format.js';
import { maskKeyHex } from './summary-line.js';
import type {
  CaptureOrigin,
  ChangeMark,
  Direction,
  EndEvent,
  FrameEvent,
  InspectEvent,
  MessageEvent,
  Timestamp,
  TlsInfo,
} from '../session/events.js';

export interface JsonOptions {
  /** Longest payload/text/data written; longer ones are cut and marked "truncated": true. */
  readonly maxPayload: number;
}

/**
 * Where a line is written piece by piece: `text` as UTF-8, `hex` as lower-case hex digits,
 * `jsonText` as the text's own bytes with JSON's escapes. An output that encodes into bytes
 * then never builds the line, its hex or its text as JS strings. Still pure: no I/O here.
 */
export interface JsonSink {
  text(s: string): void;
  hex(bytes: Uint8Array, n: number): void;
  /**
   * `before` (as text), then UTF-8 bytes as JSON string content escaped exactly as
   * JSON.stringify does — only when terminalSafeUtf8(bytes) holds (json-encoder.ts); otherwise
   * nothing at all is written and the result is false.
   */
  jsonText(before: string, bytes: Uint8Array): boolean;
}

/**
 * Builds the line as a string through the same byte encoder as the stdout Output (one JSON
 * escaping, one hex): pieces are encoded into a scratch block and decoded once at the end.
 */
class StringSink implements JsonSink {
  private block = Buffer.allocUnsafe(256);
  private view = new DataView(this.block.buffer, this.block.byteOffset, this.block.length);
  private at = 0;

  get s(): string {
    return this.block.toString('utf8', 0, this.at);
  }

  private room(n: number): void {
    if (this.at + n <= this.block.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.block.length, this.at + n));
    this.block.copy(grown, 0, 0, this.at);
    this.block = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  text(s: string): void {
    this.room(3 * s.length);
    this.at += this.block.write(s, this.at, 'utf8');
  }

  hex(bytes: Uint8Array, n: number): void {
    this.room(2 * n);
    this.at = encodeHex(bytes, n, this.view, this.at);
  }

  jsonText(before: string, bytes: Uint8Array): boolean {
    const rewind = this.at;
    this.text(before);
    this.room(bytes.length * JSON_TEXT_ROOM_PER_BYTE);
    const end = encodeJsonText(bytes, this.block, this.at);
    this.at = end < 0 ? rewind : end;
    return end >= 0;
  }
}

// Frames of one packet share its timestamp: the last one's text is kept.
let lastTime: Timestamp = null;
let lastTimeText = 'null';

function ts(time: Timestamp): string {
  if (time === lastTime) return lastTimeText;
  lastTime = time;
  lastTimeText = time === null ? 'null' : jsonSeconds(time);
  return lastTimeText;
}

/**
 * `,"fin":…,"rsv1":…,"rsv2":…,"rsv3":…,"masked":…,"opcode":N,"opcodeName":"…"` for each
 * first header byte (FIN, RSV1–3, opcode: RFC 6455 §5.2) with the mask bit as bit 8, built once.
 */
const HEADER_FIELDS: readonly string[] = Array.from({ length: 512 }, (_, i) => {
  const bit = (mask: number): boolean => (i & mask) !== 0;
  const opcode = i & 0x0f;
  return (
    `,"fin":${bit(0x80)},"rsv1":${bit(0x40)},"rsv2":${bit(0x20)},"rsv3":${bit(0x10)},"masked":${bit(0x100)}` +
    `,"opcode":${opcode},"opcodeName":"${opcodeName(opcode)}"`
  );
});

function headerFields(f: FrameEvent['frame']): string {
  const i =
    (f.fin ? 0x80 : 0) |
    (f.rsv1 ? 0x40 : 0) |
    (f.rsv2 ? 0x20 : 0) |
    (f.rsv3 ? 0x10 : 0) |
    (f.masked ? 0x100 : 0) |
    (f.opcode & 0x0f);
  return HEADER_FIELDS[i];
}

/** Capture input: `,"packet":N,"lastPacket":M`, the packets of the first and last byte (Wireshark's frame.number). */
function packetFields(capture: CaptureOrigin | undefined): string {
  return capture === undefined ? '' : `,"packet":${capture.packet},"lastPacket":${capture.lastPacket}`;
}

export function diagnosticsJson(list: readonly Diagnostic[]): string {
  if (list.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < list.length; i++) out += (i > 0 ? ',' : '') + diagnosticFields(list[i], '{') + '}';
  return out + ']';
}

/** The proxy's `host`, `url` and `tls` fields (each where known), with their leading commas. */
function destinationJson(d: { host?: string; url?: string; tls?: TlsInfo }): string {
  let s = '';
  if (d.host !== undefined) s += `,"host":${jsonString(d.host)}`;
  if (d.url !== undefined) s += `,"url":${jsonString(d.url)}`;
  const t = d.tls;
  if (t !== undefined)
    s += `,"tls":{"version":${nullable(t.version)},"cipher":${nullable(t.cipher)},"alpn":${nullable(t.alpn)},"decrypted":${t.decrypted},"sni":${nullable(t.sni)}}`;
  return s;
}

function nullable(text: string | null): string {
  return text === null ? 'null' : jsonString(text);
}

function diagnosticFields(d: Diagnostic, open: string): string {
  let s = `${open}"severity":"${d.severity}","code":"${d.code}","message":${jsonString(d.message)}`;
  if (d.rfc !== undefined) s += `,"rfc":${jsonString(d.rfc)}`;
  return s;
}

export function frameJson(ev: FrameEvent, opts: JsonOptions): string {
  const sink = new StringSink();
  writeFrameJson(ev, opts, sink);
  return sink.s;
}

export function writeFrameJson(ev: FrameEvent, opts: JsonOptions, out: JsonSink): void {
  const f = ev.frame;
  out.text(
    `{"type":"frame","conn":${ev.conn},"ts":${ts(ev.time)},"dir":"${ev.dir}","index":${ev.index},"offset":${f.offset}` +
      packetFields(ev.capture) +
      headerFields(f) +
      `,"maskKey":${f.maskingKey === null ? 'null' : `"${maskKeyHex(f.maskingKey)}"`}` +
      `,"payloadLength":${f.payloadLengthBig !== undefined && f.payloadLength > Number.MAX_SAFE_INTEGER ? f.payloadLengthBig.toString() : f.payloadLength}` +
      `,"headerLength":${f.headerLength},"payload":"`,
  );
  out.hex(f.payload, Math.min(f.payload.length, opts.maxPayload));
  let s = `","compressed":${ev.compressed}`;
  let cut = f.payload.length > opts.maxPayload;
  if (f.truncated) s += ',"frameTruncated":true';
  if (ev.inflate !== undefined) s += `,"inflatedLength":${ev.inflate.inflatedLength}`;
  const text = writeText(ev.textBytes, ev, s, opts, out);
  s = text.s;
  cut ||= text.cut;
  if (ev.close !== undefined && ev.close.code !== null) {
    s += `,"closeCode":${ev.close.code},"closeCodeName":${jsonString(ev.close.codeName ?? '')}`;
    if (ev.close.reason !== null) s += `,"closeReason":${jsonString(ev.close.reason)}`;
  }
  if (cut) s += ',"truncated":true';
  if (ev.change !== undefined) s += changeJson(ev.change, ev.dir, opts);
  out.text(s + `,"diagnostics":${diagnosticsJson(ev.diagnostics)}}`);
}

/**
 * A proxy that may change traffic (json-output.md, Changed traffic): where the message came
 * from, on which leg, the original of a modified one, and whether it was dropped.
 */
function changeJson(change: ChangeMark, dir: Direction, opts: JsonOptions): string {
  // what the receiving peer got is on its leg; a dropped message was only on the sender's
  const receiver = dir === 'c2s' ? 'server' : 'client';
  const sender = dir === 'c2s' ? 'client' : 'server';
  let s = `,"origin":"${change.origin}","leg":"${change.dropped === undefined ? receiver : sender}"`;
  if (change.dropped !== undefined) s += ',"dropped":true';
  const original = change.original;
  if (original !== undefined) {
    const data = original.data.subarray(0, opts.maxPayload);
    s +=
      original.opcode === 1
        ? `,"original":{"text":${jsonString(new TextDecoder().decode(data))}}`
        : `,"original":{"data":"${Buffer.from(data).toString('hex')}"}`;
  }
  return s;
}

export function messageJson(ev: MessageEvent, opts: JsonOptions): string {
  const sink = new StringSink();
  writeMessageJson(ev, opts, sink);
  return sink.s;
}

export function writeMessageJson(ev: MessageEvent, opts: JsonOptions, out: JsonSink): void {
  let s =
    `{"type":"message","conn":${ev.conn},"ts":${ts(ev.time)},"dir":"${ev.dir}","opcode":${ev.opcode}` +
    `,"opcodeName":"${opcodeName(ev.opcode)}","frames":${ev.frames},"firstFrame":${ev.firstFrame},"lastFrame":${ev.lastFrame}` +
    packetFields(ev.capture) +
    `,"length":${ev.length},"compressed":${ev.compressed},"complete":${ev.complete}`;
  let cut = ev.data.length > opts.maxPayload || ev.data.length < ev.length;
  if (ev.inflate !== undefined) s += `,"compressedLength":${ev.inflate.compressedLength}`;
  if (ev.opcode === 1) {
    const text = writeText(ev.data, ev, s, opts, out);
    s = text.s;
    cut ||= text.cut;
  } else {
    out.text(s + ',"data":"');
    out.hex(ev.data, Math.min(ev.data.length, opts.maxPayload));
    s = '"';
  }
  if (cut) s += ',"truncated":true';
  if (ev.change !== undefined) s += changeJson(ev.change, ev.dir, opts);
  if (ev.app !== undefined || ev.pair !== undefined) s += appJsonFields(ev.app, ev.pair, opts.maxPayload);
  out.text(s + `,"diagnostics":${diagnosticsJson(ev.diagnostics)}}`);
}

/**
 * Writes `,"text":…` after the pending string `s`: the common case straight from the bytes
 * that came in (valid UTF-8, nothing to escape for a terminal), never a JS string; otherwise
 * through the escaping string path. Returns what is pending and whether the text was cut.
 */
function writeText(
  bytes: Uint8Array | undefined,
  ev: { readonly text?: string },
  s: string,
  opts: JsonOptions,
  out: JsonSink,
): { s: string; cut: boolean } {
  if (bytes !== undefined && bytes.length <= opts.maxPayload && out.jsonText(s + ',"text":"', bytes))
    return { s: '"', cut: false };
  const text = ev.text;
  if (text === undefined) return { s, cut: false };
  const cut = text.length > opts.maxPayload;
  return { s: s + `,"text":${jsonString(cut ? text.slice(0, opts.maxPayload) : text)}`, cut };
}

function headersJson(headers: readonly (readonly [string, string])[]): string {
  return '[' + headers.map(([n, v]) => `[${jsonString(n)},${jsonString(v)}]`).join(',') + ']';
}

function stringsJson(list: readonly string[]): string {
  return '[' + list.map(jsonString).join(',') + ']';
}

function handshakeJson(
  conn: number,
  time: Timestamp,
  h: HandshakeRequest | HandshakeResponse,
  capture: CaptureOrigin | undefined,
): string {
  const head = `{"type":"handshake","conn":${conn},"ts":${ts(time)},"side":"${h.side}"` + packetFields(capture);
  const tail = `,"diagnostics":${diagnosticsJson(h.diagnostics)}}`;
  if (h.side === 'request') {
    return (
      head +
      `,"method":${jsonString(h.method)},"path":${jsonString(h.path)},"httpVersion":${jsonString(h.httpVersion)}` +
      `,"headers":${headersJson(h.headers)},"key":${nullableString(h.key)},"version":${nullableString(h.version)}` +
      `,"protocols":${stringsJson(h.protocols)},"extensions":${stringsJson(h.extensions)}` +
      tail
    );
  }
  const extensions =
    '[' +
    h.extensions
      .map(
        (e) =>
          `{"name":${jsonString(e.name)},"params":{${Object.entries(e.params)
            .map(([k, v]) => `${jsonString(k)}:${v === true ? 'true' : jsonString(v)}`)
            .join(',')}}}`,
      )
      .join(',') +
    ']';
  return (
    head +
    `,"status":${h.status},"reason":${jsonString(h.reason)},"headers":${headersJson(h.headers)}` +
    `,"accept":${nullableString(h.accept)},"acceptExpected":${nullableString(h.acceptExpected)},"acceptValid":${h.acceptValid}` +
    `,"protocol":${nullableString(h.protocol)},"extensions":${extensions},"upgraded":${h.upgraded}` +
    tail
  );
}

function nullableString(s: string | null): string {
  return s === null ? 'null' : jsonString(s);
}

function endJson(ev: EndEvent): string {
  const pair = (p: { c2s: number; s2c: number }) => `{"c2s":${p.c2s},"s2c":${p.s2c}}`;
  return `{"type":"end","conn":${ev.conn},"ts":${ts(ev.time)},"reason":"${ev.reason}","frames":${pair(ev.frames)},"messages":${pair(ev.messages)},"bytes":${pair(ev.bytes)}}`;
}

/** One NDJSON line (without the newline) for any event, written to a sink. */
export function writeEventJson(ev: InspectEvent, opts: JsonOptions, out: JsonSink): void {
  if (ev.type === 'frame') writeFrameJson(ev, opts, out);
  else if (ev.type === 'message') writeMessageJson(ev, opts, out);
  else out.text(eventJson(ev, opts));
}

/** One NDJSON line (without the newline) for any event. */
export function eventJson(ev: InspectEvent, opts: JsonOptions): string {
  switch (ev.type) {
    case 'frame':
      return frameJson(ev, opts);
    case 'message':
      return messageJson(ev, opts);
    case 'handshake':
      return handshakeJson(ev.conn, ev.time, ev.handshake, ev.capture);
    case 'connection':
      return `{"type":"connection","conn":${ev.conn},"ts":${ts(ev.time)},"client":${jsonString(ev.client)},"server":${jsonString(ev.server)},"detectedBy":"${ev.detectedBy}"${ev.source === undefined ? '' : `,"source":"${ev.source}"`}${destinationJson(ev)}}`;
    case 'diagnostic':
      return (
        diagnosticFields(
          ev.diagnostic,
          `{"type":"diagnostic","conn":${ev.conn ?? 'null'},"ts":${ts(ev.time)},${ev.dir === undefined ? '' : `"dir":"${ev.dir}",`}`,
        ) +
        (ev.about === undefined
          ? ''
          : `,"client":${jsonString(ev.about.client)},"server":${jsonString(ev.about.server)}${destinationJson(ev.about)}`) +
        '}'
      );
    case 'end':
      return endJson(ev);
  }
}
