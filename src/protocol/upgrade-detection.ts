// "Is this WebSocket, and where does the HTTP head end?" — one set of rules for every source
// (captures, the live proxy, the session's head parser): what the first bytes of a direction
// are (request, response, TLS), the request line (RFC 9112 §3), the blank line that ends a
// head (RFC 9112 §2.2: LF [CR] LF, so CRLFCRLF and a lenient bare LFLF), and whether a head
// opens a WebSocket handshake (RFC 6455 §4.1, §4.2.2): a request with `Upgrade: websocket`
// or a `Sec-WebSocket-Key`, a 101 response with `Upgrade: websocket` or a
// `Sec-WebSocket-Accept`. Detection is lenient on purpose: an attempt with mistakes is
// still decoded, and the session decoder names the mistakes.
// Layer rule: protocol/ — pure.
import { Buffer } from 'node:buffer';

export const StreamStart = {
  needMore: 'need-more',
  httpRequest: 'http-request',
  httpResponse: 'http-response',
  tls: 'tls',
  other: 'other',
} as const;
export type StreamStart = (typeof StreamStart)[keyof typeof StreamStart];

const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const MAX_METHOD = 16;

/**
 * What b[0, len) starts with. A request starts with an upper-case method token and a space
 * (RFC 9112 §3; methods are case-sensitive and every registered one is upper-case, which
 * tells HTTP from binary), a response with "HTTP/1.", TLS with a record header.
 */
export function classifyStreamStart(b: Uint8Array, len: number = b.length): StreamStart {
  if (len === 0) return StreamStart.needMore;
  const first = b[0];
  // TLS record header (RFC 8446 §5.1): content type 20–23, legacy version 3.x. None of
  // these bytes is a plausible WebSocket first byte (RSV3 set, reserved opcode).
  if (first >= 0x14 && first <= 0x17) {
    if (len < 3) return StreamStart.needMore;
    return b[1] === 3 && b[2] <= 4 ? StreamStart.tls : StreamStart.other;
  }
  for (let i = 0; i < len && i <= MAX_METHOD; i += 1) {
    const c = b[i];
    if (c === SPACE) return i > 0 ? StreamStart.httpRequest : StreamStart.other;
    const tokenChar = (c >= 0x41 && c <= 0x5a) || (i > 0 && c === 0x2d);
    if (!tokenChar) return maybeResponse(b, len);
  }
  return len <= MAX_METHOD ? StreamStart.needMore : StreamStart.other;
}

function maybeResponse(b: Uint8Array, len: number): StreamStart {
  // "HTTP/1." starts with upper-case letters too, then '/': tell it from a short prefix.
  const prefix = 'HTTP/1.';
  for (let i = 0; i < prefix.length; i += 1) {
    if (i >= len) return StreamStart.needMore;
    if (b[i] !== prefix.charCodeAt(i)) return StreamStart.other;
  }
  return StreamStart.httpResponse;
}

/**
 * Finds the blank line that ends a head in bytes pushed in pieces of any size: LF [CR] LF
 * (CRLFCRLF, and leniently a bare LFLF, RFC 9112 §2.2). The state carries over between
 * calls, so a terminator split across pieces is found.
 */
export class HeadEndScanner {
  /** What came just before the next byte: 0 inside a line, 1 after LF, 2 after LF CR. */
  private state = 0;

  /** Index just past the blank line within bytes[from, to), or -1; ready for a new head after a hit. */
  scan(bytes: Uint8Array, from: number, to: number): number {
    let state = this.state;
    for (let i = from; i < to; i += 1) {
      const b = bytes[i];
      if (b === LF) {
        if (state !== 0) {
          this.state = 0;
          return i + 1;
        }
        state = 1;
      } else state = b === CR && state === 1 ? 2 : 0;
    }
    this.state = state;
    return -1;
  }

  reset(): void {
    this.state = 0;
  }
}

/** Offset just past the blank line that ends a head in b[0, len), or -1. */
export function findHeadEnd(b: Uint8Array, len: number = b.length): number {
  return new HeadEndScanner().scan(b, 0, len);
}

/** Index of the LF ending the first line of b[0, len), or -1. */
function firstLineEnd(b: Uint8Array, len: number): number {
  for (let i = 0; i < len; i += 1) if (b[i] === LF) return i;
  return -1;
}

/** The first line of b[0, len) without its line end, or null while it is incomplete. */
export function firstLine(b: Uint8Array, len: number = b.length): string | null {
  const end = firstLineEnd(b, len);
  if (end < 0) return null;
  return latin1(b, 0, end > 0 && b[end - 1] === CR ? end - 1 : end);
}

export interface RequestLine {
  readonly method: string;
  readonly target: string;
  /** "HTTP/x.y" as written. */
  readonly version: string;
}

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/\d\.\d)$/;
const STATUS_LINE = /^HTTP\/1\.\d (\d{3})(?: |$)/;

/** RFC 9112 §3: method SP request-target SP HTTP-version; null when the line is not one. */
export function parseRequestLine(line: string): RequestLine | null {
  const m = REQUEST_LINE.exec(line);
  return m === null ? null : { method: m[1], target: m[2], version: m[3] };
}

/** RFC 9112 §4: the status code of an HTTP/1.x status line, or -1. */
export function parseStatusLine(line: string): number {
  const m = STATUS_LINE.exec(line);
  return m === null ? -1 : Number(m[1]);
}

/** The status code of the response head in b[0, len) (its first line may be incomplete), or -1. */
export function responseStatus(b: Uint8Array, len: number = b.length): number {
  return parseStatusLine(firstLine(b, len) ?? latin1(b, 0, Math.min(len, 64)));
}

/**
 * Header fields of b[0, len) after the start line, lower-case names, values trimmed: only
 * what the rules below read. Lenient where the session's head splitter reports mistakes
 * (whitespace before a colon), so a flawed handshake is still recognised and decoded.
 */
function headerFields(b: Uint8Array, len: number): [string, string][] {
  const lines = latin1(b, 0, len).split('\n');
  const fields: [string, string][] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) fields.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** An Upgrade field naming the protocol "websocket" (any case, in a list, RFC 9110 §7.8). */
function upgradesToWebSocket(fields: readonly [string, string][]): boolean {
  return fields.some(
    ([name, value]) =>
      name === 'upgrade' && value.split(',').some((p) => p.trim().split('/')[0].trim().toLowerCase() === 'websocket'),
  );
}

function has(fields: readonly [string, string][], name: string): boolean {
  return fields.some(([n]) => n === name);
}

/**
 * The head in b[0, len) (or as much of it as there is) is a request attempting a WebSocket
 * handshake: a request line, and `Upgrade: websocket` or a `Sec-WebSocket-Key` field.
 * Any method: a POST that asks to upgrade is a handshake with a mistake the decoder names.
 */
export function isWebSocketUpgradeRequest(b: Uint8Array, len: number = b.length): boolean {
  const line = firstLine(b, len);
  if (line === null || parseRequestLine(line) === null) return false;
  const fields = headerFields(b, len);
  return upgradesToWebSocket(fields) || has(fields, 'sec-websocket-key');
}

/**
 * The head in b[0, len) is a response accepting a WebSocket handshake: status 101 with
 * `Upgrade: websocket` or a `Sec-WebSocket-Accept` field (the mirror of the request rule).
 */
export function isWebSocketUpgradeResponse(b: Uint8Array, len: number = b.length): boolean {
  if (responseStatus(b, len) !== 101) return false;
  const fields = headerFields(b, len);
  return upgradesToWebSocket(fields) || has(fields, 'sec-websocket-accept');
}

function latin1(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}
