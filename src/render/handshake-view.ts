// The opening handshake (RFC 6455 §4): request and response heads (every wire string escaped),
// the Sec-WebSocket-Accept check (sent vs computed), the negotiated subprotocol and
// extensions, and the permessage-deflate parameters for each direction (RFC 7692 §7).
// Layer rule: render/ — pure string building over protocol/ handshake records.
import type {
  DeflateDirection,
  DeflateNegotiation,
  ExtensionOffer,
  HandshakeRequest,
  HandshakeResponse,
  HeaderField,
} from '../protocol/handshake-types.js';
import type { HandshakeEvent } from '../session/events.js';
import { renderDiagnosticCodes, renderDiagnosticDetails, renderDiagnostics } from './diagnostics-view.js';
import { escapeForTerminal } from './escape.js';
import type { Style } from './style.js';

export interface HandshakeViewOptions {
  /** Show every header as sent; default true. */
  readonly headers?: boolean;
}

const LABEL = 12;

function field(label: string, value: string, style: Style): string {
  return `  ${style.dim(label.padEnd(LABEL))}${value}`;
}

function headerLines(headers: readonly HeaderField[], style: Style): string[] {
  return headers.map(([name, value]) => `    ${style.bold(escapeForTerminal(name))}: ${escapeForTerminal(value)}`);
}

function list(items: readonly string[], style: Style): string {
  return items.length === 0 ? style.dim('(none)') : items.map(escapeForTerminal).join(', ');
}

/** "permessage-deflate; client_max_window_bits=15; server_no_context_takeover" */
export function formatExtension(ext: ExtensionOffer): string {
  let out = ext.name;
  for (const [name, value] of Object.entries(ext.params)) out += value === true ? `; ${name}` : `; ${name}=${value}`;
  return escapeForTerminal(out);
}

function kib(bits: number): string {
  const bytes = 2 ** bits;
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function deflateLine(label: string, dir: DeflateDirection, style: Style): string {
  const context = dir.noContextTakeover
    ? 'no context takeover (the compressor resets after every message)'
    : 'context takeover (later messages may refer to earlier ones)';
  return `    ${style.dim(label)}  LZ77 window 2^${dir.windowBits} (${kib(dir.windowBits)}), ${context}`;
}

/** The permessage-deflate parameters in force for each direction (RFC 7692 §7.1). */
export function renderDeflateNegotiation(deflate: DeflateNegotiation, style: Style): string[] {
  return [
    `  ${style.bold('permessage-deflate')} ${style.dim('(RFC 7692 §7.1)')}`,
    deflateLine('client → server', deflate.client, style),
    deflateLine('server → client', deflate.server, style),
  ];
}

function requestLines(req: HandshakeRequest, style: Style, headers: boolean): string[] {
  const start = `${escapeForTerminal(req.method)} ${escapeForTerminal(req.path)} ${escapeForTerminal(req.httpVersion)}`;
  const lines = [`${style.c2s('→')} ${style.heading('Opening handshake: request')}  ${style.bold(start)}`];
  if (headers) lines.push(...headerLines(req.headers, style));
  if (!req.isUpgrade) lines.push(field('upgrade', style.warning('not a WebSocket upgrade request'), style));
  lines.push(
    field('key', req.key === null ? style.dim('(none)') : escapeForTerminal(req.key), style),
    field('version', req.version === null ? style.dim('(none)') : escapeForTerminal(req.version), style),
    field('protocols', list(req.protocols, style), style),
    field('extensions', list(req.extensions, style), style),
  );
  return lines;
}

/** The Sec-WebSocket-Accept check: sent value, value computed from the key, verdict. */
export function renderAcceptCheck(res: HandshakeResponse, style: Style): string[] {
  const lines = [`  ${style.bold('Sec-WebSocket-Accept')} ${style.dim('(RFC 6455 §4.2.2)')}`];
  lines.push(
    `    ${style.dim('sent    ')}  ${res.accept === null ? style.dim('(missing)') : escapeForTerminal(res.accept)}`,
  );
  const expected =
    res.acceptExpected === null
      ? style.dim('(unknown: no Sec-WebSocket-Key seen)')
      : `${style.derived(res.acceptExpected)} ${style.derived('[derived: base64(SHA-1(key + GUID))]')}`;
  lines.push(`    ${style.dim('expected')}  ${expected}`);
  let verdict: string;
  if (res.accept === null) verdict = style.bad('✗ missing');
  else if (res.acceptExpected === null) verdict = style.warning('? cannot be checked without the key');
  else verdict = res.acceptValid ? style.ok('✓ matches') : style.bad('✗ does not match');
  lines.push(`    ${verdict}`);
  return lines;
}

function responseLines(res: HandshakeResponse, style: Style, headers: boolean): string[] {
  const start = `${escapeForTerminal(res.httpVersion)} ${res.status} ${escapeForTerminal(res.reason)}`;
  const lines = [`${style.s2c('←')} ${style.heading('Opening handshake: response')}  ${style.bold(start)}`];
  if (headers) lines.push(...headerLines(res.headers, style));
  lines.push(...renderAcceptCheck(res, style));
  lines.push(
    field('protocol', res.protocol === null ? style.dim('(none)') : escapeForTerminal(res.protocol), style),
    field(
      'extensions',
      res.extensions.length === 0 ? style.dim('(none)') : res.extensions.map(formatExtension).join(', '),
      style,
    ),
  );
  if (res.deflate !== null) lines.push(...renderDeflateNegotiation(res.deflate, style));
  lines.push(
    field(
      'upgraded',
      res.upgraded
        ? style.ok('yes: WebSocket frames follow')
        : style.bad('no: the connection did not switch to WebSocket'),
      style,
    ),
  );
  return lines;
}

/** One side of the opening handshake with its diagnostics. */
export function renderHandshake(ev: HandshakeEvent, style: Style, opts?: HandshakeViewOptions): string {
  const h = ev.handshake;
  const headers = opts?.headers ?? true;
  const lines = h.side === 'request' ? requestLines(h, style, headers) : responseLines(h, style, headers);
  const diagnostics = renderDiagnostics(h.diagnostics, style, '    ');
  if (diagnostics !== '') lines.push('  ' + diagnostics);
  return lines.join('\n');
}

/**
 * -s: a whole opening handshake on one line, e.g.
 * `handshake GET /chat → 101, Sec-WebSocket-Accept ✓ (permessage-deflate)`, then the codes of
 * both sides' diagnostics (with `details`, --errors: their lines under it). Either side may be
 * missing (a response seen without its request, a request never answered).
 */
export function renderHandshakeLine(
  req: HandshakeRequest | null,
  res: HandshakeResponse | null,
  style: Style,
  details = false,
): string {
  let line = style.dim('handshake');
  if (req !== null) line += ' ' + style.bold(`${escapeForTerminal(req.method)} ${escapeForTerminal(req.path)}`);
  if (res === null) line += ' → ' + style.warning('no response');
  else {
    line += ' → ' + style.bold(String(res.status));
    const accept =
      res.accept === null
        ? style.bad('✗ missing')
        : res.acceptExpected === null
          ? style.warning('?')
          : res.acceptValid
            ? style.ok('✓')
            : style.bad('✗');
    line += ', Sec-WebSocket-Accept ' + accept;
    if (res.protocol !== null) line += ', protocol ' + escapeForTerminal(res.protocol);
    if (res.extensions.length > 0) line += ' (' + res.extensions.map((e) => escapeForTerminal(e.name)).join(', ') + ')';
    if (!res.upgraded) line += ', ' + style.bad('not upgraded');
  }
  const diagnostics = [...(req?.diagnostics ?? []), ...(res?.diagnostics ?? [])];
  const codes = renderDiagnosticCodes(diagnostics, style);
  if (codes !== '') line += '  ' + codes;
  return details ? line + renderDiagnosticDetails(diagnostics, style) : line;
}
