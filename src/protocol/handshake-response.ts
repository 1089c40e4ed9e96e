// The server's opening handshake (RFC 6455 §4.2.2, checked as a client would in §4.1):
// status line, header fields, the accept key, and whether the chosen subprotocol and
// extensions were offered; negotiates permessage-deflate (RFC 7692 §7).
// Layer rule: protocol/ — pure; never throws on bad input.
import { computeAccept } from './accept-key.js';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import { negotiateDeflate, PERMESSAGE_DEFLATE } from './deflate-params.js';
import { parseExtensionHeader, plainOffer, type ParsedExtension } from './extension-header.js';
import { duplicate, hasToken, listOf } from './handshake-request.js';
import type { DeflateNegotiation, HandshakeRequest, HandshakeResponse, HeaderField } from './handshake-types.js';
import { CONTROL, headerValues, quoteText, splitHttpHead } from './http-head-parser.js';

interface StatusLine {
  readonly httpVersion: string;
  /** 0 when the status line does not parse. */
  readonly status: number;
  readonly reason: string;
}

/** What the rules look at, parsed once. */
interface ResponseFacts {
  readonly headers: readonly HeaderField[];
  /** Null when the capture began after the request: request-dependent rules are skipped. */
  readonly request: HandshakeRequest | null;
  readonly accepts: readonly string[];
  readonly acceptExpected: string | null;
  readonly protocols: readonly string[];
  readonly elements: readonly ParsedExtension[];
  readonly extensionDiagnostics: readonly Diagnostic[];
}

type ResponseRule = (facts: ResponseFacts, out: Diagnostic[]) => void;

/**
 * Parses a complete response head. `upgraded` is status 101 alone: after a 101 the wire
 * carries frames whatever else is wrong, and the header problems become diagnostics.
 */
export function parseHandshakeResponse(head: Uint8Array, request: HandshakeRequest | null): HandshakeResponse {
  const { startLine, headers, diagnostics } = splitHttpHead(head, 'handshake.response.malformed');
  const line = parseStatusLine(startLine, diagnostics);
  const upgraded = line.status === 101;
  const accepts = headerValues(headers, 'Sec-WebSocket-Accept');
  const protocols = headerValues(headers, 'Sec-WebSocket-Protocol');
  // Extensions are only in force after a 101; on any other status the headers are just shown.
  const parsed = upgraded
    ? parseExtensionHeader(headerValues(headers, 'Sec-WebSocket-Extensions'))
    : { offers: [], diagnostics: [] };
  const facts: ResponseFacts = {
    headers,
    request,
    accepts,
    // Derived: without the request's key nothing can be computed, so acceptValid stays false
    // below — "valid" must mean verified, and an unverified accept is not evidence.
    acceptExpected: request === null || request.key === null ? null : computeAccept(request.key),
    protocols,
    elements: parsed.offers,
    extensionDiagnostics: parsed.diagnostics,
  };
  if (line.status !== 0 && !upgraded) {
    diagnostics.push(
      diagnostic(
        'handshake.status.not-101',
        line.status >= 300
          ? `upgrade refused: ${line.status} ${quoteText(line.reason)}; no WebSocket frames follow`
          : `status is ${line.status} ${quoteText(line.reason)}, not 101 Switching Protocols; no WebSocket frames follow`,
      ),
    );
  }
  if (upgraded) for (const rule of RESPONSE_RULES) rule(facts, diagnostics);
  const deflate = upgraded ? negotiate(facts, diagnostics) : null;
  const accept = accepts[0] ?? null;
  return {
    side: 'response',
    ...line,
    headers,
    accept,
    acceptExpected: facts.acceptExpected,
    acceptValid: accept !== null && accept === facts.acceptExpected,
    protocol: protocols[0] ?? null,
    extensions: facts.elements.map(plainOffer),
    deflate,
    upgraded,
    headLength: head.length,
    diagnostics,
  };
}

/** status-line = HTTP-version SP status-code SP reason-phrase (RFC 7230 §3.1.2). */
function parseStatusLine(startLine: string, out: Diagnostic[]): StatusLine {
  // The reason phrase may be empty; a missing final SP is tolerated (many servers omit it).
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/s.exec(startLine);
  if (m !== null) {
    const reason = m[3] ?? '';
    if (CONTROL.test(reason))
      out.push(diagnostic('handshake.response.malformed', `reason phrase ${quoteText(reason)} has control characters`));
    return { httpVersion: m[1], status: Number(m[2]), reason };
  }
  out.push(
    diagnostic('handshake.response.malformed', `status line ${quoteText(startLine)} is not "HTTP/x.y NNN reason"`),
  );
  return { httpVersion: '', status: 0, reason: '' };
}

const requireUpgradeWebsocket: ResponseRule = ({ headers }, out) => {
  // §4.1: the client fails the connection unless Upgrade is exactly "websocket" (any case).
  const values = listOf(headers, 'Upgrade');
  if (values.length === 1 && values[0].toLowerCase() === 'websocket') return;
  const detail =
    values.length === 0
      ? 'the 101 response has no Upgrade header'
      : `Upgrade is ${quoteText(headerValues(headers, 'Upgrade').join(', '))}, not "websocket"`;
  out.push(diagnostic('handshake.response.upgrade.missing', `${detail}`));
};

const requireConnectionUpgrade: ResponseRule = ({ headers }, out) => {
  // §4.1: Connection must contain the token "Upgrade", case-insensitively.
  if (hasToken(listOf(headers, 'Connection'), 'upgrade')) return;
  const values = headerValues(headers, 'Connection');
  const detail =
    values.length === 0
      ? 'the 101 response has no Connection header'
      : `Connection is ${quoteText(values.join(', '))}, without the token "Upgrade"`;
  out.push(diagnostic('handshake.response.connection.missing', `${detail}`));
};

const checkAccept: ResponseRule = ({ accepts, acceptExpected }, out) => {
  // §4.1: Sec-WebSocket-Accept must be base64(SHA-1(key + GUID)), whitespace trimmed.
  if (accepts.length === 0) {
    out.push(diagnostic('handshake.accept.missing', 'the 101 response has no Sec-WebSocket-Accept header'));
  } else if (acceptExpected !== null && accepts[0] !== acceptExpected) {
    out.push(
      diagnostic(
        'handshake.accept.mismatch',
        `Sec-WebSocket-Accept is ${quoteText(accepts[0])}, expected ${quoteText(acceptExpected)} from the key`,
      ),
    );
  }
};

const flagDuplicates: ResponseRule = ({ accepts, protocols }, out) => {
  // §11.3.3 and §11.3.4: Accept and Protocol must not appear more than once in a response.
  if (accepts.length > 1) out.push(duplicate('Sec-WebSocket-Accept', accepts.length));
  if (protocols.length > 1) out.push(duplicate('Sec-WebSocket-Protocol', protocols.length));
};

const checkProtocolOffered: ResponseRule = ({ request, protocols }, out) => {
  // §4.1: a subprotocol "that was not present in the client's handshake" fails the
  // connection; the server selects one, so a list is never a valid answer (§4.2.2).
  if (protocols.length === 0) return;
  const chosen = protocols[0];
  if (chosen.includes(',')) {
    out.push(
      diagnostic(
        'handshake.protocol.not-offered',
        `Sec-WebSocket-Protocol is ${quoteText(chosen)}; the server must choose exactly one`,
      ),
    );
  } else if (request !== null && !request.protocols.includes(chosen)) {
    const offered =
      request.protocols.length === 0
        ? 'the client offered none'
        : `offered: ${quoteText(request.protocols.join(', '))}`;
    out.push(
      diagnostic('handshake.protocol.not-offered', `the server chose subprotocol ${quoteText(chosen)}; ${offered}`),
    );
  }
};

const checkExtensionsOffered: ResponseRule = ({ request, elements, extensionDiagnostics }, out) => {
  // §4.1 and §9.1: every extension in the response must have been offered, by name.
  out.push(...extensionDiagnostics);
  if (request === null) return;
  const offered = new Set(parseExtensionHeader(request.extensions).offers.map((o) => o.name));
  for (const e of elements) {
    if (!offered.has(e.name))
      out.push(
        diagnostic(
          'handshake.extension.not-offered',
          `the server accepted extension ${quoteText(e.name)}, which the client did not offer`,
        ),
      );
  }
};

/** Run in order on a 101 response; each appends its own diagnostics. */
const RESPONSE_RULES: readonly ResponseRule[] = [
  requireUpgradeWebsocket,
  requireConnectionUpgrade,
  checkAccept,
  flagDuplicates,
  checkProtocolOffered,
  checkExtensionsOffered,
];

/** RFC 7692 §7: the first permessage-deflate element decides; a second one is not allowed. */
function negotiate({ request, elements }: ResponseFacts, out: Diagnostic[]): DeflateNegotiation | null {
  const deflates = elements.filter((e) => e.name === PERMESSAGE_DEFLATE);
  if (deflates.length === 0) return null;
  if (deflates.length > 1) {
    out.push(
      diagnostic(
        'handshake.deflate.response-invalid',
        `the response accepts permessage-deflate ${deflates.length} times; only the first is used, as both would claim RSV1`,
      ),
    );
  }
  const offers = request === null ? null : parseExtensionHeader(request.extensions).offers;
  const { deflate, diagnostics } = negotiateDeflate(offers, deflates[0]);
  out.push(...diagnostics);
  return deflate;
}
