// The HTTP/1.1 head of an opening handshake: incremental framing (find the blank line that
// ends the head, however the bytes are split, by upgrade-detection's rule) and splitting a
// complete head into its start line and header fields (RFC 7230 §3, §3.2). What a stream's
// first bytes are (request, response, other) is upgrade-detection's too.
// Layer rule: protocol/ — pure, no I/O; bad input becomes a Diagnostic, never a throw.
import { Buffer } from 'node:buffer';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import type { HeaderField } from './handshake-types.js';
import { HeadEndScanner } from './upgrade-detection.js';

/**
 * What `HttpHeadParser.push` returns once it knows where the head ends. Both variants carry
 * `kind` and a literal `tooLarge`, so callers may narrow on either. `head` and `rest` may be
 * views into the pushed bytes (no copy on the common single-push path).
 */
export type HttpHeadResult =
  | {
      readonly kind: 'head';
      readonly tooLarge: false;
      /** The head, including the terminating blank line. */
      readonly head: Uint8Array;
      /** Bytes after the head in the push that completed it (frames, or a body). */
      readonly rest: Uint8Array;
    }
  | {
      readonly kind: 'too-large';
      readonly tooLarge: true;
      /** The first `maxHead` bytes, none of which ended the head. */
      readonly head: Uint8Array;
      /** Bytes of the last push beyond `maxHead`, not scanned. */
      readonly rest: Uint8Array;
      readonly diagnostic: Diagnostic;
    };

/**
 * Finds the end of an HTTP head in a byte stream pushed in pieces of any size. After it
 * returns a result it is ready for a new head (for example the next request on a keep-alive
 * connection after a non-101 answer); what to do with `rest` is the caller's choice.
 */
export class HttpHeadParser {
  private chunks: Uint8Array[] = [];
  private length = 0;
  // The blank line is found by the rule every source shares: LF [CR] LF, which accepts
  // CRLFCRLF and, leniently, bare LFLF (RFC 7230 §3.5 allows a bare LF terminator).
  private readonly headEnd = new HeadEndScanner();

  constructor(private readonly maxHead: number) {}

  /** Bytes held back waiting for the end of the head. */
  get bufferedLength(): number {
    return this.length;
  }

  /** Returns null while the head is incomplete ("need more" is a value, not an error). */
  push(bytes: Uint8Array): HttpHeadResult | null {
    // Never scan past maxHead, so a peer that never ends its head costs bounded memory.
    const scanEnd = Math.min(bytes.length, Math.max(0, this.maxHead - this.length));
    const end = this.headEnd.scan(bytes, 0, scanEnd);
    if (end >= 0) {
      const head = this.take(bytes.subarray(0, end));
      return { kind: 'head', tooLarge: false, head, rest: bytes.subarray(end) };
    }
    if (scanEnd < bytes.length) {
      const head = this.take(bytes.subarray(0, scanEnd));
      const detail = `HTTP head longer than ${this.maxHead} bytes without the blank line that ends it; the rest is not parsed as HTTP`;
      return {
        kind: 'too-large',
        tooLarge: true,
        head,
        rest: bytes.subarray(scanEnd),
        diagnostic: diagnostic('handshake.head.too-large', detail),
      };
    }
    if (bytes.length > 0) {
      // Copied: the caller may reuse its buffer before the head completes.
      this.chunks.push(bytes.slice());
      this.length += bytes.length;
    }
    return null;
  }

  /** Forgets any partial head. */
  reset(): void {
    this.chunks = [];
    this.length = 0;
    this.headEnd.reset();
  }

  private take(last: Uint8Array): Uint8Array {
    const whole = this.chunks.length === 0 ? last : Buffer.concat([...this.chunks, last]);
    this.reset();
    return whole;
  }
}

/** A complete head split into its first line and header fields. */
export interface HttpHeadLines {
  readonly startLine: string;
  readonly headers: HeaderField[];
  readonly diagnostics: Diagnostic[];
}

export type HeadMalformedCode = 'handshake.request.malformed' | 'handshake.response.malformed';

// A hostile head can hold thousands of bad lines; past this many, one summary is enough.
const MAX_LINE_DIAGNOSTICS = 16;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Controls other than HTAB are not field-content (RFC 7230 §3.2).
/** Control characters other than HTAB: never allowed in a start line or a field value (RFC 9110 §5.5, RFC 9112 §3, §4). */
export const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Splits a head into start line and header fields. Decoded as latin1 so every byte maps to
 * one character and nothing is lost; names are kept as written, values trimmed of OWS.
 * Malformed lines get `malformed` diagnostics and are skipped; parsing goes on.
 */
export function splitHttpHead(head: Uint8Array, malformed: HeadMalformedCode): HttpHeadLines {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  const lines = text.split('\n');
  const problems: string[] = [];
  let i = 0;
  // RFC 7230 §3.5: a recipient should ignore empty lines before the start line.
  while (i < lines.length - 1 && stripCr(lines[i]) === '') i++;
  const startLine = stripCr(lines[i++] ?? '');
  const headers: HeaderField[] = [];
  let ended = false;
  for (; i < lines.length; i++) {
    const line = stripCr(lines[i]);
    if (line === '') {
      ended = true;
      break;
    }
    const field = parseHeaderLine(line, problems);
    if (field !== null) headers.push(field);
  }
  if (!ended) problems.push('the head ends without the blank line that terminates it');
  return { startLine, headers, diagnostics: toDiagnostics(problems, malformed) };
}

function parseHeaderLine(line: string, problems: string[]): HeaderField | null {
  if (line[0] === ' ' || line[0] === '\t') {
    problems.push(`obsolete line folding in ${quoteText(line)}; line ignored`);
    return null;
  }
  const colon = line.indexOf(':');
  if (colon <= 0) {
    problems.push(`header line without "name:" ${quoteText(line)}; line ignored`);
    return null;
  }
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) {
    const why = /[ \t]$/.test(name) ? 'whitespace before the colon' : 'a name that is not a token';
    problems.push(`header line with ${why}: ${quoteText(line)}; line ignored`);
    return null;
  }
  const value = trimOws(line.slice(colon + 1));
  if (CONTROL.test(value)) problems.push(`header ${name} has control characters in its value ${quoteText(value)}`);
  return [name, value];
}

function toDiagnostics(problems: readonly string[], code: HeadMalformedCode): Diagnostic[] {
  const shown = problems.slice(0, MAX_LINE_DIAGNOSTICS).map((p) => diagnostic(code, p));
  if (problems.length > MAX_LINE_DIAGNOSTICS) {
    shown.push(diagnostic(code, `${problems.length - MAX_LINE_DIAGNOSTICS} more malformed header lines not listed`));
  }
  return shown;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Trims SP and HTAB only (OWS); String.trim would also eat latin1 NBSP and others. */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

/** Every value of a header, in wire order (names compare case-insensitively, RFC 7230 §3.2). */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === wanted) values.push(v);
  return values;
}

/**
 * Quotes wire text for a diagnostic message: printable ASCII as is, everything else
 * escaped (\xNN), cut after `max` characters, so hostile bytes cannot reach a terminal.
 */
export function quoteText(text: string, max = 80): string {
  let out = '"';
  const n = Math.min(text.length, max);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${text[i]}`;
    else if (c >= 0x20 && c < 0x7f) out += text[i];
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  out += '"';
  return text.length > max ? `${out}... (${text.length} characters)` : out;
}
