// Citations come from the diagnostic catalogue only (its `rfc` field, shown once after the
// message): a message that cites a section itself prints the citation twice, or two different
// sections for one rule.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHandshakeRequest } from '../../src/protocol/handshake-request.js';
import { parseHandshakeResponse } from '../../src/protocol/handshake-response.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const CITATION = /RFC ?\d{3,5}/;

const headOf = (lines: string[]): Uint8Array => enc(lines.join('\r\n') + '\r\n\r\n');

const BAD_REQUESTS: string[][] = [
  ['POST /chat HTTP/1.0', 'Host: x', 'Sec-WebSocket-Key: short', 'Sec-WebSocket-Version: 12'],
  [
    'GET /chat HTTP/1.1',
    'Upgrade: h2c',
    'Connection: keep-alive',
    'Sec-WebSocket-Extensions: permessage-deflate; x=1; x=1, ;;',
  ],
  ['GET /chat', ' folded: header', 'Bad Name : v'],
];

const REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Protocol: chat',
  'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
  'Sec-WebSocket-Version: 13',
];

const BAD_RESPONSES: string[][] = [
  ['HTTP/1.1 101 Switching Protocols', 'Sec-WebSocket-Accept: wrong', 'Sec-WebSocket-Protocol: other, more'],
  [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=15; foo, permessage-deflate, x-unknown',
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=20',
  ],
  ['HTTP/1.1 403 Forbidden'],
  ['HTTX 101'],
];

describe('diagnostic messages cite no RFC: the section comes from the catalogue', () => {
  it('handshake diagnostics of many broken heads', () => {
    const request = parseHandshakeRequest(headOf(REQUEST));
    let seen = 0;
    for (const lines of BAD_REQUESTS) {
      for (const d of parseHandshakeRequest(headOf(lines)).diagnostics) {
        seen++;
        expect(d.message, d.code).not.toMatch(CITATION);
      }
    }
    for (const lines of BAD_RESPONSES) {
      for (const d of parseHandshakeResponse(headOf(lines), request).diagnostics) {
        seen++;
        expect(d.message, d.code).not.toMatch(CITATION);
      }
    }
    expect(seen).toBeGreaterThan(12);
  });

  it('no message text in src/ outside the catalogue and the field table names a section', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !/diagnostic-catalogue|frame-fields/.test(name)) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.trim();
              if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
              const strings = code.match(/(['`"])(?:\\.|(?!\1).)*\1/g) ?? [];
              if (strings.some((s) => CITATION.test(s) && !/^['"`]\(?RFC \d+ §[\d.]+\)?['"`]$/.test(s)))
                offenders.push(`${path}:${i + 1}: ${code}`);
            });
        }
      }
    };
    walk(join(import.meta.dirname, '../../src/protocol'));
    walk(join(import.meta.dirname, '../../src/session'));
    expect(offenders).toEqual([]);
  });
});
