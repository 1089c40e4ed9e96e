// What a followed HTTP/1.1 head says about its message: method or status, whether it asks
// to Upgrade to websocket (RFC 6455 §4.1), and how long its body is (RFC 9112 §6.3), with
// null wherever the length cannot be told and the connection cannot be followed further.
// Layer rule: capture/ — pure; reads heads with protocol/'s HTTP head splitter.
import { headerValues, splitHttpHead } from '../protocol/http-head-parser.js';
import { isWebSocketUpgradeRequest, parseRequestLine, parseStatusLine } from '../protocol/upgrade-detection.js';
import type { BodyFraming } from './http-message-skipper.js';

export interface HeadFacts {
  /** Request method (case-sensitive, RFC 9110 §9.1), or '' for a response. */
  readonly method: string;
  /** Response status code, or 0 for a request. */
  readonly status: number;
  /** Content-Length: the length, -1 when absent, -2 when invalid or conflicting. */
  readonly contentLength: number;
  /** Transfer-Encoding: absent, chunked as the final coding, or some other final coding. */
  readonly transferCoding: 'none' | 'chunked' | 'other';
  /** A request that attempts a WebSocket handshake (protocol/upgrade-detection's rule). */
  readonly upgradeWebSocket: boolean;
}

const NONE: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };

/** Reads a complete head; null when its first line is not a request (or status) line. */
export function readHeadFacts(head: Uint8Array, response: boolean): HeadFacts | null {
  const { startLine, headers } = splitHttpHead(
    head,
    response ? 'handshake.response.malformed' : 'handshake.request.malformed',
  );
  const request = response ? null : parseRequestLine(startLine);
  const status = response ? parseStatusLine(startLine) : 0;
  if (response ? status < 0 : request === null || !request.version.startsWith('HTTP/1.')) return null;
  return {
    method: request?.method ?? '',
    status,
    contentLength: contentLength(headerValues(headers, 'content-length')),
    transferCoding: transferCoding(headerValues(headers, 'transfer-encoding')),
    upgradeWebSocket: !response && isWebSocketUpgradeRequest(head),
  };
}

/** RFC 9112 §6.3: a request's body. */
export function requestFraming(f: HeadFacts): BodyFraming | null {
  // item 4: a request whose final coding is not chunked gets 400 and the connection closes
  if (f.transferCoding !== 'none') return f.transferCoding === 'chunked' ? CHUNKED : null;
  if (f.contentLength === -2) return null; // item 5: framing invalid
  return f.contentLength >= 0 ? { kind: 'length', length: f.contentLength } : NONE; // item 6: no body
}

/** RFC 9112 §6.3: a response's body, given the method of the request it answers. */
export function responseFraming(f: HeadFacts, requestMethod: string): BodyFraming | null {
  // item 1: HEAD responses, 1xx, 204 and 304 end at the head
  if (requestMethod === 'HEAD' || (f.status >= 100 && f.status < 200) || f.status === 204 || f.status === 304)
    return NONE;
  // item 2: a 2xx to CONNECT makes the connection a tunnel
  if (requestMethod === 'CONNECT' && f.status >= 200 && f.status < 300) return null;
  // item 4: a final coding other than chunked runs until the connection closes
  if (f.transferCoding !== 'none') return f.transferCoding === 'chunked' ? CHUNKED : null;
  if (f.contentLength === -2) return null;
  // item 8: neither length nor chunked: the body runs until the connection closes
  return f.contentLength >= 0 ? { kind: 'length', length: f.contentLength } : null;
}

/** RFC 9110 §8.6: one decimal length; a list of identical values may stand for it. */
function contentLength(values: readonly string[]): number {
  if (values.length === 0) return -1;
  let length = -1;
  for (const value of values.flatMap((v) => v.split(','))) {
    const text = value.trim();
    if (!/^\d{1,15}$/.test(text)) return -2;
    const n = Number(text);
    if (length >= 0 && n !== length) return -2;
    length = n;
  }
  return length;
}

/** RFC 9112 §6.1: the codings in order; chunked must be the last one. */
function transferCoding(values: readonly string[]): HeadFacts['transferCoding'] {
  if (values.length === 0) return 'none';
  const codings = tokens(values);
  return codings[codings.length - 1] === 'chunked' ? 'chunked' : 'other';
}

/** Comma-separated tokens of every value, lower-cased, parameters dropped. */
function tokens(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((t) => t.split(';')[0].trim().toLowerCase())
    .filter((t) => t !== '');
}
