// The client's opening handshake (RFC 6455 §4.1, checked as a server would in §4.2.1):
// request line, header fields, and a list of small named rules that turn each violation
// into a Diagnostic. Layer rule: protocol/ — pure; never throws on bad input.
import { keyProblem } from './accept-key.js';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import { PERMESSAGE_DEFLATE, validateDeflateOffer } from './deflate-params.js';
import { parseExtensionHeader, splitHeaderList, type ParsedExtension } from './extension-header.js';
import type { HandshakeRequest, HeaderField } from './handshake-types.js';
import { CONTROL, headerValues, quoteText, splitHttpHead } from './http-head-parser.js';

/** The start line as the handshake rules read it (leniently, with diagnostics). */
interface HandshakeStartLine {
  readonly method: string;
  readonly path: string;
  readonly httpVersion: string;
}

/** What the rules look at, parsed once. */
interface RequestFacts {
  readonly line: HandshakeStartLine;
  readonly headers: readonly HeaderField[];
  readonly upgrade: readonly string[];
  readonly connection: readonly string[];
  readonly keys: readonly string[];
  readonly versions: readonly string[];
  readonly offers: readonly ParsedExtension[];
  readonly extensionDiagnostics: readonly Diagnostic[];
}

type RequestRule = (facts: RequestFacts, out: Diagnostic[]) => void;

/** Parses a complete request head (as found by HttpHeadParser) and checks every rule. */
export function parseHandshakeRequest(head: Uint8Array): HandshakeRequest {
  const { startLine, headers, diagnostics } = splitHttpHead(head, 'handshake.request.malformed');
  const line = parseRequestLine(startLine, diagnostics);
  const extensionLines = headerValues(headers, 'Sec-WebSocket-Extensions');
  const { offers, diagnostics: extensionDiagnostics } = parseExtensionHeader(extensionLines);
  const facts: RequestFacts = {
    line,
    headers,
    upgrade: listOf(headers, 'Upgrade'),
    connection: listOf(headers, 'Connection'),
    keys: headerValues(headers, 'Sec-WebSocket-Key'),
    versions: headerValues(headers, 'Sec-WebSocket-Version'),
    offers,
    extensionDiagnostics,
  };
  for (const rule of REQUEST_RULES) rule(facts, diagnostics);
  return {
    side: 'request',
    ...line,
    headers,
    key: facts.keys[0] ?? null,
    version: facts.versions[0] ?? null,
    protocols: listOf(headers, 'Sec-WebSocket-Protocol'),
    extensions: extensionLines.flatMap(splitHeaderList),
    isUpgrade: hasToken(facts.upgrade, 'websocket'),
    headLength: head.length,
    diagnostics,
  };
}

/** request-line = method SP request-target SP HTTP-version (RFC 7230 §3.1.1). */
function parseRequestLine(startLine: string, out: Diagnostic[]): HandshakeStartLine {
  const parts = startLine.split(' ');
  if (parts.length === 3 && parts.every((p) => p !== '')) {
    if (CONTROL.test(startLine))
      out.push(
        diagnostic('handshake.request.malformed', `request line ${quoteText(startLine)} has control characters`),
      );
    return { method: parts[0], path: parts[1], httpVersion: parts[2] };
  }
  out.push(
    diagnostic('handshake.request.malformed', `request line ${quoteText(startLine)} is not "METHOD target HTTP/x.y"`),
  );
  // Best effort for display: any whitespace as separator.
  const words = startLine.split(/[ \t]+/).filter((w) => w !== '');
  return { method: words[0] ?? '', path: words[1] ?? '', httpVersion: words[2] ?? '' };
}

/** All lines of a comma-list header, as one list (RFC 7230 §3.2.2). */
export function listOf(headers: readonly HeaderField[], name: string): string[] {
  return headerValues(headers, name).flatMap(splitHeaderList);
}

/** Tokens compare ASCII case-insensitively for Upgrade and Connection (RFC 6455 §4.1). */
export function hasToken(list: readonly string[], token: string): boolean {
  const wanted = token.toLowerCase();
  return list.some((item) => item.toLowerCase() === wanted);
}

/** True for HTTP/1.1 and later, by the HTTP-version grammar of RFC 7230 §2.6. */
export function isHttp11OrLater(version: string): boolean {
  const m = /^HTTP\/(\d)\.(\d)$/.exec(version);
  if (m === null) return false;
  const major = Number(m[1]);
  return major > 1 || (major === 1 && Number(m[2]) >= 1);
}

const requireGet: RequestRule = ({ line }, out) => {
  // §4.1 item 2: "The method of the request MUST be GET" (methods are case-sensitive).
  if (line.method !== 'GET')
    out.push(diagnostic('handshake.request.method', `method is ${quoteText(line.method)}, not GET`));
};

const requireHttp11: RequestRule = ({ line }, out) => {
  // §4.1 item 2: "the HTTP version MUST be at least 1.1".
  if (!isHttp11OrLater(line.httpVersion)) {
    out.push(
      diagnostic(
        'handshake.request.http-version',
        `HTTP version is ${quoteText(line.httpVersion)}; a WebSocket request needs HTTP/1.1 or later`,
      ),
    );
  }
};

const requireHost: RequestRule = ({ headers }, out) => {
  // §4.1 item 4, §4.2.1 item 2.
  if (headerValues(headers, 'Host').length === 0)
    out.push(diagnostic('handshake.request.host.missing', 'the request has no Host header'));
};

const requireUpgradeWebsocket: RequestRule = ({ headers, upgrade }, out) => {
  // §4.2.1 item 3: an Upgrade header "containing the value "websocket"", case-insensitively.
  if (hasToken(upgrade, 'websocket')) return;
  const values = headerValues(headers, 'Upgrade');
  const detail =
    values.length === 0
      ? 'the request has no Upgrade header'
      : `Upgrade is ${quoteText(values.join(', '))}, without the token "websocket"`;
  out.push(diagnostic('handshake.upgrade.missing', `${detail}`));
};

const requireConnectionUpgrade: RequestRule = ({ headers, connection }, out) => {
  // §4.2.1 item 4: Connection includes the token "Upgrade" (may sit beside keep-alive).
  if (hasToken(connection, 'upgrade')) return;
  const values = headerValues(headers, 'Connection');
  const detail =
    values.length === 0
      ? 'the request has no Connection header'
      : `Connection is ${quoteText(values.join(', '))}, without the token "Upgrade"`;
  out.push(diagnostic('handshake.connection.missing', `${detail}`));
};

const requireValidKey: RequestRule = ({ keys }, out) => {
  // §4.1 item 7, §4.2.1 item 5: a base64-encoded random 16-byte value.
  if (keys.length === 0) {
    out.push(diagnostic('handshake.key.missing', 'the request has no Sec-WebSocket-Key header'));
  } else if (keyProblem(keys[0]) !== null) {
    out.push(
      diagnostic(
        'handshake.key.invalid',
        `Sec-WebSocket-Key ${quoteText(keys[0])} is not the base64 encoding of 16 bytes`,
      ),
    );
  }
};

const requireVersion13: RequestRule = ({ versions }, out) => {
  // §4.1 item 9, §4.2.1 item 6: "The value of this header field MUST be 13."
  if (versions.length === 0) {
    out.push(
      diagnostic('handshake.version.unsupported', 'the request has no Sec-WebSocket-Version header; it must be 13'),
    );
  } else if (versions[0] !== '13') {
    out.push(
      diagnostic('handshake.version.unsupported', `Sec-WebSocket-Version is ${quoteText(versions[0])}; it must be 13`),
    );
  }
};

const flagDuplicates: RequestRule = ({ keys, versions }, out) => {
  // §11.3.1 and §11.3.5: Sec-WebSocket-Key and -Version must not appear more than once.
  if (keys.length > 1) out.push(duplicate('Sec-WebSocket-Key', keys.length));
  if (versions.length > 1) out.push(duplicate('Sec-WebSocket-Version', versions.length));
};

/** handshake.header.duplicate with the header's name and count. */
export function duplicate(name: string, count: number): Diagnostic {
  return diagnostic(
    'handshake.header.duplicate',
    `${name} appears ${count} times; it must appear once; the first is used`,
  );
}

const checkExtensionOffers: RequestRule = ({ offers, extensionDiagnostics }, out) => {
  // §9.1 grammar, then RFC 7692 §7 for each permessage-deflate offer.
  out.push(...extensionDiagnostics);
  for (const offer of offers) if (offer.name === PERMESSAGE_DEFLATE) out.push(...validateDeflateOffer(offer));
};

/** Run in order; each appends its own diagnostics. */
const REQUEST_RULES: readonly RequestRule[] = [
  requireGet,
  requireHttp11,
  requireHost,
  requireUpgradeWebsocket,
  requireConnectionUpgrade,
  requireValidKey,
  requireVersion13,
  flagDuplicates,
  checkExtensionOffers,
];
