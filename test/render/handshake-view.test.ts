import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import type { HandshakeRequest, HandshakeResponse } from '../../src/protocol/handshake-types.js';
import { EventTextRenderer } from '../../src/render/event-text.js';
import { renderHandshake, renderHandshakeLine } from '../../src/render/handshake-view.js';
import { createStyle } from '../../src/render/style.js';
import type { HandshakeEvent } from '../../src/session/events.js';

const plain = createStyle({ color: false });
const event = (handshake: HandshakeRequest | HandshakeResponse): HandshakeEvent => ({
  type: 'handshake',
  conn: 1,
  time: null,
  handshake,
});

const request: HandshakeRequest = {
  side: 'request',
  method: 'GET',
  path: '/chat',
  httpVersion: 'HTTP/1.1',
  headers: [
    ['Host', 'server.example.com'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ],
  key: 'dGhlIHNhbXBsZSBub25jZQ==',
  version: '13',
  protocols: ['chat', 'superchat'],
  extensions: ['permessage-deflate; client_max_window_bits'],
  isUpgrade: true,
  headLength: 120,
  diagnostics: [],
};

const response: HandshakeResponse = {
  side: 'response',
  httpVersion: 'HTTP/1.1',
  status: 101,
  reason: 'Switching Protocols',
  headers: [
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
  ],
  accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  acceptExpected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  acceptValid: true,
  protocol: 'chat',
  extensions: [
    { name: 'permessage-deflate', params: { server_no_context_takeover: true, client_max_window_bits: '10' } },
  ],
  deflate: {
    client: { windowBits: 10, noContextTakeover: false },
    server: { windowBits: 15, noContextTakeover: true },
  },
  upgraded: true,
  headLength: 100,
  diagnostics: [],
};

describe('renderHandshake', () => {
  it('request: start line, headers as sent, key, version, protocols, offered extensions', () => {
    const lines = renderHandshake(event(request), plain).split('\n');
    expect(lines[0]).toBe('→ Opening handshake: request  GET /chat HTTP/1.1');
    expect(lines).toContain('    Host: server.example.com');
    expect(lines).toContain('  key         dGhlIHNhbXBsZSBub25jZQ==');
    expect(lines).toContain('  version     13');
    expect(lines).toContain('  protocols   chat, superchat');
    expect(lines).toContain('  extensions  permessage-deflate; client_max_window_bits');
  });

  it('headers can be left out', () => {
    expect(renderHandshake(event(request), plain, { headers: false })).not.toContain('Host:');
  });

  it('response: accept check ✓, protocol, extensions and deflate per direction', () => {
    const out = renderHandshake(event(response), plain);
    expect(out.split('\n')[0]).toBe('← Opening handshake: response  HTTP/1.1 101 Switching Protocols');
    expect(out).toContain('sent      s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(out).toContain('expected  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= [derived: base64(SHA-1(key + GUID))]');
    expect(out).toContain('✓ matches');
    expect(out).toContain('  protocol    chat');
    expect(out).toContain('  extensions  permessage-deflate; server_no_context_takeover; client_max_window_bits=10');
    expect(out).toContain('client → server  LZ77 window 2^10 (1 KiB), context takeover');
    expect(out).toContain('server → client  LZ77 window 2^15 (32 KiB), no context takeover');
    expect(out).toContain('upgraded    yes');
  });

  it('response: a mismatched or missing accept is ✗, and diagnostics are listed', () => {
    const bad = {
      ...response,
      accept: 'AAAA',
      acceptValid: false,
      diagnostics: [diagnostic('handshake.accept.mismatch')],
    };
    const out = renderHandshake(event(bad), plain);
    expect(out).toContain('✗ does not match');
    expect(out).toContain('handshake.accept.mismatch');
    expect(renderHandshake(event({ ...response, accept: null, acceptValid: false }), plain)).toContain('✗ missing');
    expect(renderHandshake(event({ ...response, acceptExpected: null, acceptValid: false }), plain)).toContain(
      'cannot be checked',
    );
  });

  it('escapes every wire string (header names and values, path, reason)', () => {
    const hostile: HandshakeRequest = {
      ...request,
      path: '/\x1b[2J',
      headers: [['X-\u202eevil', 'a\x00b\x9bc']],
      protocols: ['\u200bchat'],
    };
    const out = renderHandshake(event(hostile), plain);
    expect(out).toContain('GET /\\x1b[2J HTTP/1.1');
    expect(out).toContain('X-\\u{202e}evil: a\\x00b\\x9bc');
    expect(out).toContain('\\u{200b}chat');
    // nothing raw but the newlines between lines
    expect(out.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });
});

describe('renderHandshakeLine (-s)', () => {
  it('both sides on one line: request line, status, the accept check, protocol, extensions', () => {
    expect(renderHandshakeLine(request, response, plain)).toBe(
      'handshake GET /chat → 101, Sec-WebSocket-Accept ✓, protocol chat (permessage-deflate)',
    );
  });

  it('says what went wrong: no response, a wrong accept, no upgrade, and the diagnostics codes', () => {
    expect(renderHandshakeLine(request, null, plain)).toBe('handshake GET /chat → no response');
    const bad: HandshakeResponse = {
      ...response,
      status: 200,
      acceptValid: false,
      protocol: null,
      extensions: [],
      upgraded: false,
      diagnostics: [diagnostic('handshake.accept.mismatch')],
    };
    expect(renderHandshakeLine(request, bad, plain)).toBe(
      'handshake GET /chat → 200, Sec-WebSocket-Accept ✗, not upgraded  ✖ handshake.accept.mismatch',
    );
    expect(renderHandshakeLine(null, { ...response, accept: null }, plain)).toContain('Sec-WebSocket-Accept ✗ missing');
  });

  it('through the text renderer: the request waits for its response, or prints alone before the end', () => {
    const text = new EventTextRenderer(plain, {
      frames: 'line',
      handshakes: 'line',
      messages: 'fragmented',
      time: 'none',
      connections: true,
      explain: false,
      maxPayload: 100,
      assumptions: [],
    });
    expect(text.render(event(request))).toEqual([]);
    expect(text.render(event(response))).toEqual([
      '[1] handshake GET /chat → 101, Sec-WebSocket-Accept ✓, protocol chat (permessage-deflate)',
    ]);
    expect(text.render(event(request))).toEqual([]);
    expect(text.finish()).toEqual(['[1] handshake GET /chat → no response']);
    // a response a display filter hid still completes the request's line
    text.render(event(request));
    text.observe(event(response));
    expect(text.finish()).toEqual([
      '[1] handshake GET /chat → 101, Sec-WebSocket-Accept ✓, protocol chat (permessage-deflate)',
    ]);
  });
});
