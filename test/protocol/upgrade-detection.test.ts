// The one set of rules every source uses to tell a WebSocket handshake and where a head ends.
import { describe, expect, it } from 'vitest';
import { HttpHeadParser } from '../../src/protocol/http-head-parser.js';
import {
  HeadEndScanner,
  findHeadEnd,
  isWebSocketUpgradeRequest,
  isWebSocketUpgradeResponse,
  parseRequestLine,
  parseStatusLine,
  responseStatus,
} from '../../src/protocol/upgrade-detection.js';
import { sniffUpgrade } from '../../src/sources/proxy/upgrade-sniffer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('end of a head: LF [CR] LF', () => {
  it('CRLFCRLF and a bare LFLF both end a head, and so does LF CR LF', () => {
    for (const [text, end] of [
      ['GET / HTTP/1.1\r\nHost: x\r\n\r\nframes', 27],
      ['GET / HTTP/1.1\nHost: x\n\nframes', 24],
      ['GET / HTTP/1.1\nHost: x\n\r\nframes', 25],
    ] as const) {
      expect(findHeadEnd(enc(text))).toBe(end);
    }
  });

  it('a lone CR or CR CR is no blank line', () => {
    expect(findHeadEnd(enc('GET / HTTP/1.1\r\nHost: x\r\r\n'))).toBe(-1);
    expect(findHeadEnd(enc('GET / HTTP/1.1\rHost: x\r\r'))).toBe(-1);
  });

  it('finds a terminator split across pieces, and starts afresh after a hit', () => {
    const head = enc('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let cut = 0; cut <= head.length; cut += 1) {
      const scanner = new HeadEndScanner();
      const first = scanner.scan(head, 0, cut);
      const end = first >= 0 ? first : scanner.scan(head, cut, head.length);
      expect(end).toBe(head.length);
      expect(scanner.scan(enc('\r\n'), 0, 2)).toBe(-1);
    }
  });

  it('the session head parser ends a head where detection does', () => {
    for (const text of ['GET / HTTP/1.1\nUpgrade: websocket\n\nxx', 'HTTP/1.1 101 OK\r\nA: b\r\n\r\n\x81\x00']) {
      const result = new HttpHeadParser(1024).push(enc(text));
      expect(result?.head.length).toBe(findHeadEnd(enc(text)));
    }
  });
});

describe('request and status lines', () => {
  it('a request line is token SP target SP HTTP/d.d', () => {
    expect(parseRequestLine('GET /chat?x=1 HTTP/1.1')).toEqual({
      method: 'GET',
      target: '/chat?x=1',
      version: 'HTTP/1.1',
    });
    for (const bad of ['GET /chat', 'GET  /chat HTTP/1.1', 'GET /chat HTTP/1.1 ', 'G(T / HTTP/1.1', 'GET / HTTP/11'])
      expect(parseRequestLine(bad)).toBeNull();
  });

  it('a status line gives its code; a status line cut short still does', () => {
    expect(parseStatusLine('HTTP/1.1 101 Switching Protocols')).toBe(101);
    expect(parseStatusLine('HTTP/1.1 1010 x')).toBe(-1);
    expect(responseStatus(enc('HTTP/1.1 101'))).toBe(101);
    expect(responseStatus(enc('HTTP/1.0 404 Not Found\nx'))).toBe(404);
    expect(responseStatus(enc('HTTP/2 200 OK\r\n'))).toBe(-1);
  });
});

describe('is this a WebSocket handshake', () => {
  const request = (...fields: string[]) => enc(['GET /chat HTTP/1.1', 'Host: x', ...fields, '', ''].join('\r\n'));
  const response = (status: string, ...fields: string[]) => enc([`HTTP/1.1 ${status}`, ...fields, '', ''].join('\r\n'));

  it('a request with Upgrade: websocket (any case, in a list, with a version) is one', () => {
    for (const value of ['websocket', 'WebSocket', 'h2c, websocket', ' websocket/13 '])
      expect(isWebSocketUpgradeRequest(request(`Upgrade: ${value}`))).toBe(true);
    for (const value of ['h2c', 'websockets', 'not-websocket'])
      expect(isWebSocketUpgradeRequest(request(`Upgrade: ${value}`))).toBe(false);
    expect(isWebSocketUpgradeRequest(request('X-Upgrade: websocket'))).toBe(false);
  });

  it('a request with a Sec-WebSocket-Key and no Upgrade is one too (the decoder names what is missing)', () => {
    expect(isWebSocketUpgradeRequest(request('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='))).toBe(true);
    expect(isWebSocketUpgradeRequest(request('Sec-WebSocket-Version: 13'))).toBe(false);
    expect(isWebSocketUpgradeRequest(request('Host: y'))).toBe(false);
  });

  it('any method, bare-LF lines, whitespace before the colon: mistakes, still an attempt', () => {
    expect(isWebSocketUpgradeRequest(enc('POST /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'))).toBe(true);
    expect(isWebSocketUpgradeRequest(enc('GET /chat HTTP/1.1\nUpgrade: websocket\n\n'))).toBe(true);
    expect(isWebSocketUpgradeRequest(enc('GET /chat HTTP/1.1\r\nUpgrade : websocket\r\n\r\n'))).toBe(true);
  });

  it('needs a request line, and reads only the head', () => {
    expect(isWebSocketUpgradeRequest(enc('GET /chat\r\nUpgrade: websocket\r\n\r\n'))).toBe(false);
    const head = request('Host: y');
    const withBody = enc(new TextDecoder().decode(head) + 'Upgrade: websocket\r\n\r\n');
    expect(isWebSocketUpgradeRequest(withBody, findHeadEnd(withBody))).toBe(false);
  });

  it('a 101 response with Upgrade: websocket or a Sec-WebSocket-Accept accepts one', () => {
    expect(isWebSocketUpgradeResponse(response('101 Switching Protocols', 'Upgrade: websocket'))).toBe(true);
    expect(isWebSocketUpgradeResponse(response('101 Switching Protocols', 'Sec-WebSocket-Accept: x'))).toBe(true);
    expect(isWebSocketUpgradeResponse(response('101 Switching Protocols', 'Upgrade: h2c'))).toBe(false);
    expect(isWebSocketUpgradeResponse(response('200 OK', 'Upgrade: websocket'))).toBe(false);
  });

  it('the proxy decides with the same rule as captures', () => {
    const cases = [
      request('Upgrade: websocket'),
      request('Sec-WebSocket-Key: x'),
      request('Sec-WebSocket-Version: 13'),
      enc('GET /chat HTTP/1.1\nUpgrade: websocket\n\n'),
      request('Host: y'),
    ];
    // a complete HTTP request is WebSocket or plain HTTP (named in a note with its status)
    for (const head of cases)
      expect(sniffUpgrade(Buffer.from(head))?.kind).toBe(isWebSocketUpgradeRequest(head) ? 'websocket' : 'http');
  });
});
