// HTTP/1.1 message framing on a kept-alive connection (RFC 9112 §6–§7): where heads end,
// how bodies are delimited and skipped, fed whole and one byte at a time; what cannot be
// followed fails; memory stays a head per direction.
import { describe, expect, it } from 'vitest';
import { readHeadFacts, requestFraming, responseFraming } from '../../src/capture/http-body-framing.js';
import { HttpMessageSkipper, SkipStop, type BodyFraming } from '../../src/capture/http-message-skipper.js';
import { StreamStart } from '../../src/protocol/upgrade-detection.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Seen {
  heads: string[];
  ends: number[];
  failedAt: number;
}

/**
 * Feeds `stream` in pieces of `step` bytes (0: whole) to a response skipper, framing each
 * head with `frame`; records the heads and the stream offsets where messages end.
 */
function walk(
  stream: string,
  frame: (head: string) => BodyFraming | null,
  step = 0,
  expect: 'http-request' | 'http-response' = StreamStart.httpResponse,
): Seen {
  const bytes = enc(stream);
  const skipper = new HttpMessageSkipper(expect, 1024, { bytes: 0, limit: 1 << 20 });
  const seen: Seen = { heads: [], ends: [], failedAt: -1 };
  for (let from = 0; from < bytes.length && seen.failedAt < 0; from += step || bytes.length) {
    const piece = bytes.subarray(from, step === 0 ? bytes.length : from + step);
    for (let at = 0; at < piece.length;) {
      at = skipper.advance(piece, at);
      if (skipper.stop === SkipStop.failed) {
        seen.failedAt = from + at;
        break;
      }
      if (skipper.stop === SkipStop.head) {
        const head = dec(skipper.head.subarray(0, skipper.headLength));
        seen.heads.push(head.split(/\r?\n/)[0]);
        skipper.startBody(frame(head));
      } else if (skipper.stop === SkipStop.message) seen.ends.push(from + at);
    }
  }
  return seen;
}

const byFacts = (head: string): BodyFraming | null => responseFraming(readHeadFacts(enc(head), true)!, 'GET');

describe('HttpMessageSkipper', () => {
  const stream = [
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    '\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name="x"\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n',
    'HTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', // bare LF line ends, as the session's head parser allows
  ].join('');

  for (const step of [0, 1, 3, 7]) {
    it(`finds every head and message end, fed ${step === 0 ? 'whole' : `${step} byte(s) at a time`}`, () => {
      const seen = walk(stream, byFacts, step);
      expect(seen.failedAt).toBe(-1);
      expect(seen.heads).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 204 No Content', 'HTTP/1.1 200 OK']);
      expect(seen.ends).toEqual([43, 141, 168, 205]);
      expect(seen.ends.at(-1)).toBe(stream.length);
    });
  }

  it('fails on a chunk size that is not hex, a missing CRLF after chunk data, or a head of the wrong kind', () => {
    expect(walk('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n', byFacts).failedAt).toBeGreaterThan(0);
    expect(walk('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX', byFacts).failedAt).toBeGreaterThan(0);
    expect(walk('GET / HTTP/1.1\r\n\r\n', byFacts).failedAt).toBeGreaterThan(0);
    expect(walk('\x16\x03\x01\x02\x00', byFacts, 0, StreamStart.httpRequest).failedAt).toBe(5);
  });

  it('keeps at most one head: a longer one fails, and memory is counted in the budget', () => {
    const budget = { bytes: 0, limit: 1 << 20 };
    const skipper = new HttpMessageSkipper(StreamStart.httpRequest, 64, budget);
    skipper.advance(enc('GET / HTTP/1.1\r\nX: y\r\n'), 0);
    expect(budget.bytes).toBeGreaterThan(0);
    skipper.advance(enc('X-Long: '.padEnd(64, 'z')), 0);
    expect(skipper.failed()).toBe(true);
    skipper.release();
    expect(budget.bytes).toBe(0);
  });

  it('a gap is skipped inside a body of known length, fatal elsewhere', () => {
    const skipper = new HttpMessageSkipper(StreamStart.httpResponse, 1024, { bytes: 0, limit: 1 << 20 });
    const first = enc('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab');
    const headEnd = skipper.advance(first, 0);
    skipper.startBody({ kind: 'length', length: 10 });
    expect(skipper.advance(first, headEnd)).toBe(first.length);
    skipper.advance(enc('cd'), 0);
    expect(skipper.gap(5)).toBe(true);
    expect(skipper.advance(enc('j'), 0)).toBe(1);
    expect(skipper.stop).toBe(SkipStop.message);
    expect(skipper.gap(1)).toBe(false);
  });
});

describe('message body length (RFC 9112 §6.3)', () => {
  const facts = (head: string, response = true) => readHeadFacts(enc(`${head}\r\n\r\n`), response)!;

  it('requests: chunked, Content-Length, or no body', () => {
    expect(requestFraming(facts('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3', false))).toEqual({
      kind: 'chunked',
    });
    expect(requestFraming(facts('POST / HTTP/1.1\r\nContent-Length: 3, 3', false))).toEqual({
      kind: 'length',
      length: 3,
    });
    expect(requestFraming(facts('GET / HTTP/1.1', false))).toEqual({ kind: 'none' });
    expect(requestFraming(facts('POST / HTTP/1.1\r\nTransfer-Encoding: gzip', false))).toBeNull();
    expect(requestFraming(facts('POST / HTTP/1.1\r\nContent-Length: -1', false))).toBeNull();
  });

  it('responses: HEAD, 1xx, 204 and 304 have none; CONNECT 2xx and read-until-close cannot be followed', () => {
    expect(responseFraming(facts('HTTP/1.1 200 OK\r\nContent-Length: 10'), 'HEAD')).toEqual({ kind: 'none' });
    for (const status of ['100 Continue', '204 No Content', '304 Not Modified']) {
      expect(responseFraming(facts(`HTTP/1.1 ${status}\r\nContent-Length: 10`), 'GET')).toEqual({ kind: 'none' });
    }
    expect(responseFraming(facts('HTTP/1.1 200 OK'), 'CONNECT')).toBeNull();
    expect(responseFraming(facts('HTTP/1.1 200 OK'), 'GET')).toBeNull();
    expect(responseFraming(facts('HTTP/1.0 200 OK\r\nContent-Length: 7'), 'GET')).toEqual({
      kind: 'length',
      length: 7,
    });
  });

  it('an Upgrade to websocket among other tokens is seen; start lines that are not HTTP are refused', () => {
    expect(facts('GET /ws HTTP/1.1\r\nUpgrade: h2c, WebSocket', false).upgradeWebSocket).toBe(true);
    expect(readHeadFacts(enc('GARBAGE\r\n\r\n'), false)).toBeNull();
    expect(readHeadFacts(enc('HTTP/1.1 abc\r\n\r\n'), true)).toBeNull();
  });
});
