import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseHandshakeRequest } from '../../src/protocol/handshake-request.js';
import { parseHandshakeResponse } from '../../src/protocol/handshake-response.js';
import type { HandshakeRequest, HandshakeResponse } from '../../src/protocol/handshake-types.js';
import { HttpHeadParser } from '../../src/protocol/http-head-parser.js';
import { chunkings } from '../helpers/frame-builder.js';

/** Header lines joined with CRLF and ended with the blank line, as latin1 bytes. */
const head = (...lines: string[]): Uint8Array =>
  Uint8Array.from(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
const codes = (r: HandshakeRequest | HandshakeResponse) => r.diagnostics.map((d) => d.code);

// RFC 6455 §1.3, the sample handshake.
const RFC_REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Origin: http://example.com',
  'Sec-WebSocket-Protocol: chat, superchat',
  'Sec-WebSocket-Version: 13',
];
const RFC_RESPONSE = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  'Sec-WebSocket-Protocol: chat',
];

// Chrome 120 opening a ws:// connection, and the `ws` 8.18 server's answer (captured).
const CHROME_REQUEST = [
  'GET /socket HTTP/1.1',
  'Host: localhost:8080',
  'Connection: Upgrade',
  'Pragma: no-cache',
  'Cache-Control: no-cache',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Upgrade: websocket',
  'Origin: http://localhost:8080',
  'Sec-WebSocket-Version: 13',
  'Accept-Encoding: gzip, deflate, br',
  'Accept-Language: en-US,en;q=0.9',
  'Sec-WebSocket-Key: sN9cRrP/n9NdMgdcy2VJFQ==',
  'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
];
const WS_RESPONSE = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Accept: fFBooB7FAkLlXgRSz0BT3v4hq5s=',
  'Sec-WebSocket-Extensions: permessage-deflate',
];

/** A fixture with header `name` replaced (value given) or removed (value null), or added. */
function edit(lines: readonly string[], name: string, value: string | null): string[] {
  const at = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  const out = [...lines];
  if (at < 0) return value === null ? out : [...out, `${name}: ${value}`];
  if (value === null) out.splice(at, 1);
  else out[at] = `${name}: ${value}`;
  return out;
}

// Oracles for the mutation properties, written from the RFCs and independent of src.

/** The head up to its first blank line, header lines as "name: value" with OWS trimmed. */
function canonicalLines(bytes: Uint8Array): string[] {
  const lines = Buffer.from(bytes)
    .toString('latin1')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const end = lines.indexOf('', 1);
  return lines.slice(0, end < 0 ? lines.length : end).map((line, i) => {
    if (i === 0) return line;
    const colon = line.indexOf(':');
    return `${line.slice(0, colon)}: ${line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')}`;
  });
}
const headerLines = (r: HandshakeRequest | HandshakeResponse) => r.headers.map(([n, v]) => `${n}: ${v}`);
const requestLines = (r: HandshakeRequest) => [`${r.method} ${r.path} ${r.httpVersion}`, ...headerLines(r)];
const responseLines = (r: HandshakeResponse) => [`${r.httpVersion} ${r.status} ${r.reason}`, ...headerLines(r)];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const valuesOf = (r: HandshakeRequest | HandshakeResponse, name: string) =>
  r.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
const listValues = (r: HandshakeRequest | HandshakeResponse, name: string) =>
  valuesOf(r, name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
const BITS = /^(?:[89]|1[0-5])$/;

/** RFC 7692 §7.1: known parameters, each at most once, with valid values. */
function expectValidDeflateParams(element: string, response: boolean): void {
  const params = element.split(';').slice(1);
  const names = params.map((p) => p.split('=')[0].trim());
  expect(new Set(names).size, element).toBe(names.length);
  for (const p of params) {
    const [name, value] = p.split('=').map((s) => s.trim());
    if (name.endsWith('_no_context_takeover')) expect(value, element).toBeUndefined();
    else if (name === 'client_max_window_bits' && !response && value === undefined) continue;
    else {
      expect(['client_max_window_bits', 'server_max_window_bits'], element).toContain(name);
      expect(value?.replace(/^"(.*)"$/, '$1'), element).toMatch(BITS);
    }
  }
}

/** What RFC 6455 §4.1 asks of a client's opening handshake (for a request with no diagnostic). */
function expectValidRequest(r: HandshakeRequest): void {
  expect(r.method).toBe('GET');
  expect(r.httpVersion).toMatch(/^HTTP\/(?:1\.[1-9]|[2-9]\.\d)$/);
  for (const [name, value] of r.headers) {
    expect(name).toMatch(TOKEN);
    expect(value).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
  }
  expect(valuesOf(r, 'Host').length).toBeGreaterThan(0);
  expect(listValues(r, 'Upgrade')).toContain('websocket');
  expect(listValues(r, 'Connection')).toContain('upgrade');
  expect(valuesOf(r, 'Sec-WebSocket-Key')).toEqual([expect.stringMatching(/^[A-Za-z0-9+/]{21}[AQgw]==$/)]);
  expect(valuesOf(r, 'Sec-WebSocket-Version')).toEqual(['13']);
  for (const offer of r.extensions) {
    expect(offer.split(';')[0].trim()).toMatch(TOKEN);
    if (offer.split(';')[0].trim() === 'permessage-deflate') expectValidDeflateParams(offer, false);
  }
}

/** What RFC 6455 §4.1 and RFC 7692 §7 ask of a server's answer to the Chrome request. */
function expectValidResponseToChrome(r: HandshakeResponse): void {
  expect(r.status).toBe(101);
  expect(r.upgraded).toBe(true);
  expect(listValues(r, 'Upgrade')).toEqual(['websocket']);
  expect(listValues(r, 'Connection')).toContain('upgrade');
  expect(valuesOf(r, 'Sec-WebSocket-Accept')).toEqual(['fFBooB7FAkLlXgRSz0BT3v4hq5s=']);
  expect(r.acceptValid).toBe(true);
  // Chrome offered no subprotocol and only permessage-deflate, once.
  expect(valuesOf(r, 'Sec-WebSocket-Protocol')).toEqual([]);
  const elements = valuesOf(r, 'Sec-WebSocket-Extensions').flatMap((v) => v.split(','));
  expect(elements.length).toBeLessThanOrEqual(1);
  for (const e of elements) {
    expect(e.split(';')[0].trim()).toBe('permessage-deflate');
    expectValidDeflateParams(e, true);
  }
  expect(r.deflate === null).toBe(elements.length === 0);
}

const rfcRequest = parseHandshakeRequest(head(...RFC_REQUEST));
const chromeRequest = parseHandshakeRequest(head(...CHROME_REQUEST));

describe('parseHandshakeRequest: valid requests', () => {
  it('the RFC 6455 §1.3 request: every field, no diagnostics', () => {
    const bytes = head(...RFC_REQUEST);
    expect(rfcRequest).toMatchObject({
      side: 'request',
      method: 'GET',
      path: '/chat',
      httpVersion: 'HTTP/1.1',
      key: 'dGhlIHNhbXBsZSBub25jZQ==',
      version: '13',
      protocols: ['chat', 'superchat'],
      extensions: [],
      isUpgrade: true,
      headLength: bytes.length,
      diagnostics: [],
    });
    expect(rfcRequest.headers[0]).toEqual(['Host', 'server.example.com']);
    expect(rfcRequest.headers.map(([n]) => n)).toEqual(RFC_REQUEST.slice(1).map((l) => l.split(':')[0]));
  });

  it('the Chrome request: extension offers as written, no diagnostics', () => {
    expect(chromeRequest.diagnostics).toEqual([]);
    expect(chromeRequest.extensions).toEqual(['permessage-deflate; client_max_window_bits']);
    expect(chromeRequest.protocols).toEqual([]);
  });

  it('accepts Upgrade and Connection tokens in any case and inside lists', () => {
    const lines = edit(edit(RFC_REQUEST, 'Upgrade', 'WebSocket'), 'Connection', 'keep-alive, Upgrade');
    expect(parseHandshakeRequest(head(...lines)).diagnostics).toEqual([]);
    const split = [...edit(RFC_REQUEST, 'Connection', 'keep-alive'), 'Connection: upgrade'];
    expect(parseHandshakeRequest(head(...split)).diagnostics).toEqual([]);
  });

  it('reads protocols and extension offers from every header line', () => {
    const r = parseHandshakeRequest(
      head(
        ...RFC_REQUEST,
        'Sec-WebSocket-Protocol: v2',
        'Sec-WebSocket-Extensions: a, b; x=1',
        'Sec-WebSocket-Extensions: c',
      ),
    );
    expect(r.protocols).toEqual(['chat', 'superchat', 'v2']);
    expect(r.extensions).toEqual(['a', 'b; x=1', 'c']);
  });

  it('decodes the same at every split through HttpHeadParser', () => {
    const bytes = head(...CHROME_REQUEST);
    for (const chunks of chunkings(bytes)) {
      const parser = new HttpHeadParser(65536);
      let done = null;
      for (const c of chunks) done ??= parser.push(c);
      expect(done?.kind).toBe('head');
      expect(parseHandshakeRequest(done!.head)).toEqual(chromeRequest);
    }
  });
});

describe('parseHandshakeRequest: each rule (RFC 6455 §4.1, §4.2.1)', () => {
  it.each<[string, string[], string, string]>([
    ['method is not GET', ['POST /chat HTTP/1.1', ...RFC_REQUEST.slice(1)], 'handshake.request.method', '"POST"'],
    ['method in lower case', ['get /chat HTTP/1.1', ...RFC_REQUEST.slice(1)], 'handshake.request.method', '"get"'],
    ['HTTP/1.0', ['GET /chat HTTP/1.0', ...RFC_REQUEST.slice(1)], 'handshake.request.http-version', '"HTTP/1.0"'],
    ['no Host', edit(RFC_REQUEST, 'Host', null), 'handshake.request.host.missing', 'Host'],
    ['no Upgrade', edit(RFC_REQUEST, 'Upgrade', null), 'handshake.upgrade.missing', 'no Upgrade'],
    ['Upgrade without websocket', edit(RFC_REQUEST, 'Upgrade', 'h2c'), 'handshake.upgrade.missing', '"h2c"'],
    ['no Connection', edit(RFC_REQUEST, 'Connection', null), 'handshake.connection.missing', 'no Connection'],
    [
      'Connection without Upgrade',
      edit(RFC_REQUEST, 'Connection', 'keep-alive'),
      'handshake.connection.missing',
      '"keep-alive"',
    ],
    ['no key', edit(RFC_REQUEST, 'Sec-WebSocket-Key', null), 'handshake.key.missing', 'Sec-WebSocket-Key'],
    ['key too short', edit(RFC_REQUEST, 'Sec-WebSocket-Key', 'AAAA'), 'handshake.key.invalid', '"AAAA"'],
    [
      'key without padding',
      edit(RFC_REQUEST, 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ'),
      'handshake.key.invalid',
      'dGhl',
    ],
    [
      'key not canonical',
      edit(RFC_REQUEST, 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZR=='),
      'handshake.key.invalid',
      'ZR==',
    ],
    [
      'key of 17 bytes',
      edit(RFC_REQUEST, 'Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAAAAA='),
      'handshake.key.invalid',
      'AAA=',
    ],
    [
      'no version',
      edit(RFC_REQUEST, 'Sec-WebSocket-Version', null),
      'handshake.version.unsupported',
      'no Sec-WebSocket-Version',
    ],
    ['version 8', edit(RFC_REQUEST, 'Sec-WebSocket-Version', '8'), 'handshake.version.unsupported', '"8"'],
    [
      'two keys',
      [...RFC_REQUEST, 'Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw=='],
      'handshake.header.duplicate',
      'Sec-WebSocket-Key appears 2 times',
    ],
    [
      'two versions',
      [...RFC_REQUEST, 'Sec-WebSocket-Version: 13'],
      'handshake.header.duplicate',
      'Sec-WebSocket-Version appears 2 times',
    ],
    [
      'malformed extension',
      [...RFC_REQUEST, 'Sec-WebSocket-Extensions: permessage-deflate x'],
      'handshake.extension.malformed',
      'unexpected "x"',
    ],
    [
      'deflate param invalid',
      [...RFC_REQUEST, 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16'],
      'handshake.deflate.param-invalid',
      '"16"',
    ],
    [
      'deflate param duplicate',
      [...RFC_REQUEST, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; client_max_window_bits'],
      'handshake.deflate.param-duplicate',
      'client_max_window_bits',
    ],
    [
      'deflate param unknown',
      [...RFC_REQUEST, 'Sec-WebSocket-Extensions: permessage-deflate; zip=9'],
      'handshake.deflate.param-unknown',
      '"zip"',
    ],
    [
      'malformed request line',
      ['GET  /chat HTTP/1.1', ...RFC_REQUEST.slice(1)],
      'handshake.request.malformed',
      'request line',
    ],
    ['malformed header line', [...RFC_REQUEST, ' folded'], 'handshake.request.malformed', 'folding'],
  ])('%s → %s', (_name, lines, code, detail) => {
    const r = parseHandshakeRequest(head(...lines));
    expect(codes(r)).toEqual([code]);
    expect(r.diagnostics[0].message).toContain(detail);
  });

  it('isUpgrade is false without the websocket token', () => {
    expect(parseHandshakeRequest(head(...edit(RFC_REQUEST, 'Upgrade', 'h2c'))).isUpgrade).toBe(false);
  });

  it('after a malformed line the later headers are still read', () => {
    const r = parseHandshakeRequest(head('GET / HTTP/1.1', 'nonsense', ...RFC_REQUEST.slice(1)));
    expect(codes(r)).toEqual(['handshake.request.malformed']);
    expect(r.key).toBe('dGhlIHNhbXBsZSBub25jZQ==');
  });

  it('with duplicate keys the first one is reported as the key', () => {
    expect(parseHandshakeRequest(head(...RFC_REQUEST, 'Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==')).key).toBe(
      'dGhlIHNhbXBsZSBub25jZQ==',
    );
  });
});

describe('parseHandshakeResponse: valid responses', () => {
  it('the RFC 6455 §1.3 response: accept verified, subprotocol chat, no diagnostics', () => {
    const bytes = head(...RFC_RESPONSE);
    expect(parseHandshakeResponse(bytes, rfcRequest)).toEqual({
      side: 'response',
      httpVersion: 'HTTP/1.1',
      status: 101,
      reason: 'Switching Protocols',
      headers: RFC_RESPONSE.slice(1).map((l) => l.split(': ')),
      accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      acceptExpected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      acceptValid: true,
      protocol: 'chat',
      extensions: [],
      deflate: null,
      upgraded: true,
      headLength: bytes.length,
      diagnostics: [],
    });
  });

  it('the ws response to Chrome: permessage-deflate with default settings', () => {
    const r = parseHandshakeResponse(head(...WS_RESPONSE), chromeRequest);
    expect(r.diagnostics).toEqual([]);
    expect(r.acceptValid).toBe(true);
    expect(r.extensions).toEqual([{ name: 'permessage-deflate', params: {} }]);
    expect(r.deflate).toEqual({
      client: { windowBits: 15, noContextTakeover: false },
      server: { windowBits: 15, noContextTakeover: false },
    });
  });

  it('the ws response with client_max_window_bits=15', () => {
    const lines = edit(WS_RESPONSE, 'Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=15');
    const r = parseHandshakeResponse(head(...lines), chromeRequest);
    expect(r.diagnostics).toEqual([]);
    expect(r.extensions).toEqual([{ name: 'permessage-deflate', params: { client_max_window_bits: '15' } }]);
    expect(r.deflate?.client.windowBits).toBe(15);
  });

  it('negotiated limits reach the deflate record', () => {
    const lines = edit(
      WS_RESPONSE,
      'Sec-WebSocket-Extensions',
      'permessage-deflate; client_max_window_bits=10; server_no_context_takeover',
    );
    const r = parseHandshakeResponse(head(...lines), chromeRequest);
    expect(r.diagnostics).toEqual([]);
    expect(r.deflate).toEqual({
      client: { windowBits: 10, noContextTakeover: false },
      server: { windowBits: 15, noContextTakeover: true },
    });
  });

  it('accepts a status line without a reason phrase', () => {
    const r = parseHandshakeResponse(head('HTTP/1.1 101', ...RFC_RESPONSE.slice(1)), rfcRequest);
    expect(r.diagnostics).toEqual([]);
    expect(r.reason).toBe('');
  });
});

describe('parseHandshakeResponse: each rule (RFC 6455 §4.1, §4.2.2; RFC 7692 §7)', () => {
  it('not-101: status and reason in the message, upgraded false, no header rules', () => {
    const r = parseHandshakeResponse(head('HTTP/1.1 403 Forbidden', 'Content-Length: 0'), rfcRequest);
    expect(codes(r)).toEqual(['handshake.status.not-101']);
    expect(r.diagnostics[0].message).toBe('upgrade refused: 403 "Forbidden"; no WebSocket frames follow');
    expect(r.upgraded).toBe(false);
    expect(r.deflate).toBeNull();
  });

  it('not-101 is a note, not an error: refusing an upgrade obeys RFC 6455 §4.2.2', () => {
    for (const status of ['400 Bad Request', '401 Unauthorized', '426 Upgrade Required', '503 Busy']) {
      const r = parseHandshakeResponse(head(`HTTP/1.1 ${status}`, 'Content-Length: 0'), rfcRequest);
      expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['handshake.status.not-101', 'note']]);
      expect(r.diagnostics[0].message).toMatch(/^upgrade refused: \d{3} "/);
    }
    // a 200 is not a refusal: the server answered as if there were no upgrade
    const ok = parseHandshakeResponse(head('HTTP/1.1 200 OK', 'Content-Length: 0'), rfcRequest);
    expect(ok.diagnostics[0].severity).toBe('note');
    expect(ok.diagnostics[0].message).toBe(
      'status is 200 "OK", not 101 Switching Protocols; no WebSocket frames follow',
    );
  });

  it.each<[string, string[], string, string]>([
    ['no Upgrade', edit(RFC_RESPONSE, 'Upgrade', null), 'handshake.response.upgrade.missing', 'no Upgrade'],
    [
      'Upgrade is a list',
      edit(RFC_RESPONSE, 'Upgrade', 'websocket, h2c'),
      'handshake.response.upgrade.missing',
      '"websocket, h2c"',
    ],
    ['no Connection', edit(RFC_RESPONSE, 'Connection', null), 'handshake.response.connection.missing', 'no Connection'],
    [
      'Connection without Upgrade',
      edit(RFC_RESPONSE, 'Connection', 'close'),
      'handshake.response.connection.missing',
      '"close"',
    ],
    ['no accept', edit(RFC_RESPONSE, 'Sec-WebSocket-Accept', null), 'handshake.accept.missing', 'Sec-WebSocket-Accept'],
    [
      'wrong accept',
      edit(RFC_RESPONSE, 'Sec-WebSocket-Accept', 'dGhlIHNhbXBsZSBub25jZQ=='),
      'handshake.accept.mismatch',
      'expected "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="',
    ],
    [
      'two accepts',
      [...RFC_RESPONSE, 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
      'handshake.header.duplicate',
      'Sec-WebSocket-Accept appears 2 times',
    ],
    [
      'protocol not offered',
      edit(RFC_RESPONSE, 'Sec-WebSocket-Protocol', 'mqtt'),
      'handshake.protocol.not-offered',
      '"mqtt"',
    ],
    [
      'protocol list',
      edit(RFC_RESPONSE, 'Sec-WebSocket-Protocol', 'chat, superchat'),
      'handshake.protocol.not-offered',
      'exactly one',
    ],
    [
      'extension not offered',
      [...RFC_RESPONSE, 'Sec-WebSocket-Extensions: x-webkit-deflate-frame'],
      'handshake.extension.not-offered',
      '"x-webkit-deflate-frame"',
    ],
    [
      'extension malformed',
      [...RFC_RESPONSE, 'Sec-WebSocket-Extensions: ;'],
      'handshake.extension.malformed',
      'name is missing',
    ],
    [
      'malformed status line',
      ['HTTP/1.1 1O1 Switching', ...RFC_RESPONSE.slice(1)],
      'handshake.response.malformed',
      'status line',
    ],
  ])('%s → %s', (_name, lines, code, detail) => {
    const r = parseHandshakeResponse(head(...lines), rfcRequest);
    expect(codes(r)).toEqual([code]);
    expect(r.diagnostics[0].message).toContain(detail);
  });

  it('two Sec-WebSocket-Protocol headers: duplicate (§11.3.4)', () => {
    const r = parseHandshakeResponse(head(...RFC_RESPONSE, 'Sec-WebSocket-Protocol: chat'), rfcRequest);
    expect(codes(r)).toEqual(['handshake.header.duplicate']);
  });

  it('a subprotocol when the client offered none', () => {
    const r = parseHandshakeResponse(head(...edit(WS_RESPONSE, 'Sec-WebSocket-Protocol', 'chat')), chromeRequest);
    expect(codes(r)).toEqual(['handshake.protocol.not-offered']);
    expect(r.diagnostics[0].message).toContain('offered none');
  });

  it('deflate response not allowed by the offer → response-invalid', () => {
    const lines = edit(WS_RESPONSE, 'Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=9');
    const request = parseHandshakeRequest(
      head(...edit(CHROME_REQUEST, 'Sec-WebSocket-Extensions', 'permessage-deflate')),
    );
    const r = parseHandshakeResponse(head(...lines), request);
    expect(codes(r)).toEqual(['handshake.deflate.response-invalid']);
    expect(r.deflate?.client.windowBits).toBe(9);
  });

  it('deflate response with a bad parameter → param-invalid', () => {
    const lines = edit(WS_RESPONSE, 'Sec-WebSocket-Extensions', 'permessage-deflate; server_max_window_bits=20');
    expect(codes(parseHandshakeResponse(head(...lines), chromeRequest))).toEqual(['handshake.deflate.param-invalid']);
  });

  it('permessage-deflate accepted twice → response-invalid, the first decides', () => {
    const lines = edit(
      WS_RESPONSE,
      'Sec-WebSocket-Extensions',
      'permessage-deflate; client_max_window_bits=12, permessage-deflate',
    );
    const r = parseHandshakeResponse(head(...lines), chromeRequest);
    expect(codes(r)).toEqual(['handshake.deflate.response-invalid']);
    expect(r.deflate?.client.windowBits).toBe(12);
  });

  it('upgraded stays true on a 101 with header problems (frames follow anyway)', () => {
    const r = parseHandshakeResponse(head('HTTP/1.1 101 Switching Protocols'), rfcRequest);
    expect(r.upgraded).toBe(true);
    expect(codes(r)).toEqual([
      'handshake.response.upgrade.missing',
      'handshake.response.connection.missing',
      'handshake.accept.missing',
    ]);
  });

  it('a request without a key: no expected accept and no mismatch (key.missing is on the request)', () => {
    const request = parseHandshakeRequest(head(...edit(RFC_REQUEST, 'Sec-WebSocket-Key', null)));
    const r = parseHandshakeResponse(head(...RFC_RESPONSE), request);
    expect(r.diagnostics).toEqual([]);
    expect(r.acceptExpected).toBeNull();
    expect(r.acceptValid).toBe(false);
  });
});

describe('parseHandshakeResponse without the request (capture began after it)', () => {
  it('skips request-dependent checks; accept unverified', () => {
    const lines = edit(RFC_RESPONSE, 'Sec-WebSocket-Accept', 'bm90IHRoZSByaWdodCBrZXk=');
    const r = parseHandshakeResponse(
      head(...lines, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=11'),
      null,
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.acceptExpected).toBeNull();
    expect(r.acceptValid).toBe(false);
    expect(r.protocol).toBe('chat');
    expect(r.deflate?.client.windowBits).toBe(11);
  });

  it('still checks what the response alone shows', () => {
    const lines = edit(edit(RFC_RESPONSE, 'Sec-WebSocket-Accept', null), 'Upgrade', null);
    const r = parseHandshakeResponse(
      head(...lines, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'),
      null,
    );
    expect(codes(r)).toEqual([
      'handshake.response.upgrade.missing',
      'handshake.accept.missing',
      'handshake.deflate.param-invalid',
    ]);
  });
});

describe('hostile input never throws', () => {
  it('random bytes into both parsers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const req = parseHandshakeRequest(bytes);
        const res = parseHandshakeResponse(bytes, req);
        expect(req.headLength).toBe(bytes.length);
        expect(res.upgraded).toBe(res.status === 101);
        for (const d of [...req.diagnostics, ...res.diagnostics]) expect(d.message).not.toMatch(/[\x00-\x1f\x7f]/);
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  // Byte replacements at random places in the Chrome request and the ws response. Each mutated
  // head must either be flagged, or be a handshake RFC 6455 accepts (checked by the oracles
  // above, independently of the rules in src) whose parse round-trips to the bytes.
  const byteEdits = (maxLength = 8) =>
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength });
  const mutate = (bytes: Uint8Array, edits: readonly (readonly [number, number])[]): Uint8Array => {
    const out = bytes.slice();
    for (const [at, v] of edits) out[at % out.length] = v;
    return out;
  };
  const differs = (a: Uint8Array, b: Uint8Array) => a.some((v, i) => v !== b[i]);
  const noControls = (r: HandshakeRequest | HandshakeResponse) => {
    for (const d of r.diagnostics) expect(d.message).not.toMatch(/[\x00-\x1f\x7f]/);
  };

  it('mutated real requests: flagged, or valid and round-tripping', () => {
    const original = head(...CHROME_REQUEST);
    let flagged = 0;
    let clean = 0;
    fc.assert(
      fc.property(byteEdits(), (edits) => {
        const bytes = mutate(original, edits);
        const r = parseHandshakeRequest(bytes);
        expect(r.headLength).toBe(bytes.length);
        noControls(r);
        if (r.diagnostics.length > 0) {
          flagged++;
          return;
        }
        if (differs(bytes, original)) clean++;
        expectValidRequest(r);
        expect(requestLines(r)).toEqual(canonicalLines(bytes));
      }),
      { seed: 2, numRuns: 500 },
    );
    // Both outcomes must really occur, or the property says little.
    expect(flagged).toBeGreaterThan(200);
    expect(clean).toBeGreaterThan(20);
  });

  it('mutated real responses: flagged, or valid and round-tripping', () => {
    const original = head(...WS_RESPONSE);
    let flagged = 0;
    let clean = 0;
    fc.assert(
      fc.property(byteEdits(3), (edits) => {
        const bytes = mutate(original, edits);
        const r = parseHandshakeResponse(bytes, chromeRequest);
        expect(r.headLength).toBe(bytes.length);
        expect(r.upgraded).toBe(r.status === 101);
        noControls(r);
        if (r.diagnostics.length > 0) {
          flagged++;
          return;
        }
        if (differs(bytes, original)) clean++;
        expectValidResponseToChrome(r);
        expect(responseLines(r)).toEqual(canonicalLines(bytes));
      }),
      { seed: 3, numRuns: 500 },
    );
    expect(flagged).toBeGreaterThan(200);
    expect(clean).toBeGreaterThan(20);
  });

  it('mutated request and response together never throw', () => {
    let runs = 0;
    fc.assert(
      fc.property(byteEdits(), (edits) => {
        runs++;
        const req = parseHandshakeRequest(mutate(head(...CHROME_REQUEST), edits));
        const res = parseHandshakeResponse(mutate(head(...WS_RESPONSE), edits), req);
        noControls(req);
        noControls(res);
        // A request flagged for its key cannot have its accept verified.
        if (codes(req).includes('handshake.key.invalid') || req.key === null) expect(res.acceptValid).toBe(false);
      }),
      { seed: 2, numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it('a control byte in any header line is flagged', () => {
    const original = head(...CHROME_REQUEST);
    // Start and end (exclusive of CRLF) of each header line in the original bytes.
    const spans: [number, number][] = [];
    let at = CHROME_REQUEST[0].length + 2;
    for (const line of CHROME_REQUEST.slice(1)) {
      spans.push([at, at + line.length]);
      at += line.length + 2;
    }
    const control = fc.constantFrom(...[...Array(32).keys(), 0x7f].filter((b) => b !== 0x09 && b !== 0x0a));
    let runs = 0;
    fc.assert(
      fc.property(fc.nat(spans.length - 1), fc.nat(), control, (line, offset, byte) => {
        runs++;
        const [start, end] = spans[line];
        const r = parseHandshakeRequest(mutate(original, [[start + (offset % (end - start)), byte]]));
        expect(codes(r)).toContain('handshake.request.malformed');
        noControls(r);
      }),
      { seed: 4, numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it('harmless mutations: visible bytes in headers the handshake does not read change only those values', () => {
    const free = ['Pragma', 'Cache-Control', 'User-Agent', 'Origin', 'Accept-Encoding', 'Accept-Language'];
    const original = head(...CHROME_REQUEST);
    const text = Buffer.from(original).toString('latin1');
    const semantic = (r: HandshakeRequest) => {
      const { method, path, httpVersion, key, version, protocols, extensions, isUpgrade } = r;
      return { method, path, httpVersion, key, version, protocols, extensions, isUpgrade };
    };
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...free), fc.nat(), fc.integer({ min: 0x21, max: 0x7e })), {
          minLength: 1,
          maxLength: 6,
        }),
        (edits) => {
          runs++;
          const expected = chromeRequest.headers.map(([n, v]) => [n, v.split('')] as const);
          const positions = edits.map(([name, offset, byte]): [number, number] => {
            const index = expected.findIndex(([n]) => n === name);
            const value = expected[index][1];
            const i = offset % value.length;
            value[i] = String.fromCharCode(byte);
            return [text.indexOf(`\r\n${name}: `) + name.length + 4 + i, byte];
          });
          const r = parseHandshakeRequest(mutate(original, positions));
          expect(r.diagnostics).toEqual([]);
          expect(semantic(r)).toEqual(semantic(chromeRequest));
          expect(r.headers).toEqual(expected.map(([n, v]) => [n, v.join('')]));
        },
      ),
      { seed: 5, numRuns: 300 },
    );
    expect(runs).toBe(300);
  });

  it('harmless mutations: header names and Upgrade/Connection tokens in any case, any OWS around values', () => {
    const flip = (s: string, mask: readonly boolean[]) =>
      [...s].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join('');
    const vary = (lines: readonly string[], mask: readonly boolean[], ows: readonly string[]) =>
      lines.map((line, i) => {
        if (i === 0) return line;
        const colon = line.indexOf(':');
        const [name, value] = [line.slice(0, colon), line.slice(colon + 2)];
        const padded = `${ows[(2 * i) % ows.length]}${value}${ows[(2 * i + 1) % ows.length]}`;
        return /^(upgrade|connection)$/i.test(name)
          ? `${flip(name, mask)}:${flip(padded, mask)}`
          : `${flip(name, mask)}:${padded}`;
      });
    const sameHeaders = (r: HandshakeRequest | HandshakeResponse, lines: readonly string[]) =>
      expect(r.headers.map(([n, v]) => [n.toLowerCase(), v.toLowerCase()])).toEqual(
        lines.slice(1).map((l) => l.toLowerCase().split(': ')),
      );
    const wsResponse = parseHandshakeResponse(head(...WS_RESPONSE), chromeRequest);
    let runs = 0;
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 13 }),
        fc.array(fc.constantFrom('', ' ', '\t', '  ', ' \t '), { minLength: 1, maxLength: 30 }),
        (mask, ows) => {
          runs++;
          const req = parseHandshakeRequest(head(...vary(CHROME_REQUEST, mask, ows)));
          expect(req.diagnostics).toEqual([]);
          expect({ ...req, headers: [], headLength: 0 }).toEqual({ ...chromeRequest, headers: [], headLength: 0 });
          sameHeaders(req, CHROME_REQUEST);
          const res = parseHandshakeResponse(head(...vary(WS_RESPONSE, mask, ows)), req);
          expect(res.diagnostics).toEqual([]);
          expect({ ...res, headers: [], headLength: 0 }).toEqual({ ...wsResponse, headers: [], headLength: 0 });
          sameHeaders(res, WS_RESPONSE);
        },
      ),
      { seed: 6, numRuns: 200 },
    );
    expect(runs).toBe(200);
  });

  it('a huge header line gives a bounded diagnostic', () => {
    const r = parseHandshakeRequest(head(...edit(RFC_REQUEST, 'Sec-WebSocket-Key', 'A'.repeat(100_000))));
    expect(codes(r)).toEqual(['handshake.key.invalid']);
    expect(r.diagnostics[0].message.length).toBeLessThan(300);
  });

  it('NUL and ESC in values are flagged, escaped, and the values kept as sent', () => {
    const r = parseHandshakeRequest(head(...edit(RFC_REQUEST, 'Sec-WebSocket-Protocol', 'chat\x00\x1b[2J')));
    expect(codes(r)).toEqual(['handshake.request.malformed']);
    expect(r.diagnostics[0].message).toContain('chat\\x00\\x1b[2J');
    expect(r.protocols).toEqual(['chat\x00\x1b[2J']);
  });

  it('an empty head', () => {
    const r = parseHandshakeRequest(new Uint8Array(0));
    expect(codes(r)).toContain('handshake.request.malformed');
    expect(parseHandshakeResponse(new Uint8Array(0), null).upgraded).toBe(false);
  });
});

describe('control characters in a start line are flagged (RFC 9112 §3, §4)', () => {
  it('a request target or a reason phrase with a control byte gets a malformed diagnostic', () => {
    const request = parseHandshakeRequest(head('GET /a\x00\x1b[2Jb HTTP/1.1', ...RFC_REQUEST.slice(1)));
    expect(request.diagnostics.map((d) => d.code)).toEqual(['handshake.request.malformed']);
    expect(request.diagnostics[0].message).toContain('has control characters');
    expect(request.path).toBe('/a\x00\x1b[2Jb');
    const response = parseHandshakeResponse(head('HTTP/1.1 403 No\x07pe', 'Content-Length: 0'), rfcRequest);
    expect(response.diagnostics.map((d) => d.code)).toEqual([
      'handshake.response.malformed',
      'handshake.status.not-101',
    ]);
    // a tab is allowed in a reason phrase
    const tab = parseHandshakeResponse(head('HTTP/1.1 403 No\tpe', 'Content-Length: 0'), rfcRequest);
    expect(tab.diagnostics.map((d) => d.code)).toEqual(['handshake.status.not-101']);
  });
});
