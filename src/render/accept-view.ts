// The Sec-WebSocket-Accept derivation for `wsinspect accept KEY`, step by step (RFC 6455
// §4.2.2): key + GUID → SHA-1 → base64, optionally checked against a value a server sent.
// Layer rule: render/ — pure string building; the hashing is done in protocol/accept-key.ts.
import type { AcceptDerivation } from '../protocol/accept-key.js';
import { escapeForTerminal } from './escape.js';
import type { Style } from './style.js';

export interface AcceptViewOptions {
  /** A Sec-WebSocket-Accept value to check against the derived one. */
  readonly sent?: string;
}

/** The derivation with each intermediate value; the key is user input, so it is escaped. */
export function renderAcceptDerivation(d: AcceptDerivation, style: Style, opts?: AcceptViewOptions): string {
  const key = escapeForTerminal(d.key);
  const steps: [string, string][] = [
    ['1. Sec-WebSocket-Key, as sent (not base64-decoded)', style.bold(key)],
    ['2. append the fixed GUID (RFC 6455 §1.3)', d.guid],
    ['   = key + GUID', key + style.dim(d.guid)],
    ['3. SHA-1 of those characters (20 bytes, hex)', style.derived(d.sha1Hex)],
    ['4. base64 of the 20 SHA-1 bytes', style.ok(d.accept)],
  ];
  const width = Math.max(...steps.map(([label]) => label.length));
  const lines = [
    style.heading('Sec-WebSocket-Accept derivation') + ' ' + style.dim('(RFC 6455 §4.2.2)'),
    ...steps.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    `Sec-WebSocket-Accept: ${style.bold(d.accept)}`,
  ];
  if (opts?.sent !== undefined) lines.push(acceptCheckLine(opts.sent, d.accept, style));
  return lines.join('\n');
}

/** "✓ matches" or "✗ does not match: sent X, expected Y". */
export function acceptCheckLine(sent: string, expected: string, style: Style): string {
  if (sent === expected) return style.ok('✓ the sent value matches');
  return style.bad('✗ mismatch') + `: sent ${escapeForTerminal(sent)}, expected ${style.derived(expected)}`;
}

/** --explain: why the GUID is there at all (RFC 6455 §1.3, §4.2.2). */
export function renderGuidExplanation(style: Style): string {
  return [
    style.heading('Why a fixed GUID') + ' ' + style.dim('(RFC 6455 §1.3)'),
    '  The GUID is a string no other protocol uses. A server can only produce this value if it',
    '  read the key and knows WebSocket, so an HTTP server, cache or proxy that just echoes or',
    '  replays headers cannot fake an upgrade: the client drops any 101 without the right',
    '  Sec-WebSocket-Accept. The key is random per connection, so a cached answer never fits.',
    '  It proves the server understood the handshake; it is not authentication or encryption.',
  ].join('\n');
}
