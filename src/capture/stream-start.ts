// What the first bytes of one direction of a TCP connection are: an HTTP request (maybe a
// WebSocket Upgrade, RFC 6455 §4.1), an HTTP response, a TLS record, or something else.
// Only this much HTTP is parsed here; the session decoder parses the handshake itself.
// Layer rule: capture/ — pure.

export const StreamStart = {
  needMore: 'need-more',
  httpRequest: 'http-request',
  httpResponse: 'http-response',
  tls: 'tls',
  other: 'other',
} as const;
export type StreamStart = (typeof StreamStart)[keyof typeof StreamStart];

const SPACE = 0x20;
const MAX_METHOD = 16;

/** Classifies b[0, len). */
export function classifyStreamStart(b: Uint8Array, len: number): StreamStart {
  if (len === 0) return StreamStart.needMore;
  const first = b[0];
  // TLS record header (RFC 8446 §5.1): content type 20–23, legacy version 3.x. None of
  // these bytes is a plausible WebSocket first byte (RSV3 set, reserved opcode).
  if (first >= 0x14 && first <= 0x17) {
    if (len < 3) return StreamStart.needMore;
    return b[1] === 3 && b[2] <= 4 ? StreamStart.tls : StreamStart.other;
  }
  // A request line starts with a method token (RFC 9112 §3): upper-case letters, a space.
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

/** Offset just past the CRLFCRLF that ends an HTTP head in b[0, len), or -1. */
export function findHeadEnd(b: Uint8Array, len: number): number {
  for (let i = 3; i < len; i += 1) {
    if (b[i] === 0x0a && b[i - 1] === 0x0d && b[i - 2] === 0x0a && b[i - 3] === 0x0d) return i + 1;
  }
  return -1;
}

/** Header lines of an HTTP head (or of as much of it as there is), request/status line first. */
function headLines(b: Uint8Array, len: number): string[] {
  let text = '';
  for (let i = 0; i < len; i += 1) text += String.fromCharCode(b[i]);
  return text.split('\r\n');
}

/** True when the head has an Upgrade header with the token "websocket" (RFC 6455 §4.1). */
export function hasWebSocketUpgrade(b: Uint8Array, len: number): boolean {
  for (const line of headLines(b, len).slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'upgrade') continue;
    if (
      line
        .slice(colon + 1)
        .split(',')
        .some((t) => t.trim().toLowerCase() === 'websocket')
    )
      return true;
  }
  return false;
}

/** The status code of an HTTP response head, or -1. */
export function responseStatus(b: Uint8Array, len: number): number {
  const match = /^HTTP\/1\.\d (\d{3})/.exec(headLines(b, Math.min(len, 64))[0]);
  return match === null ? -1 : Number(match[1]);
}
