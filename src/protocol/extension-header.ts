// Sec-WebSocket-Extensions (RFC 6455 §9.1): comma-separated extensions, each a token with
// `;`-separated parameters whose values are tokens or quoted-strings; and the comma-list
// split shared by Upgrade, Connection and Sec-WebSocket-Protocol (RFC 7230 §7).
// Layer rule: protocol/ — pure; a bad element becomes a Diagnostic and parsing goes on.
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import type { ExtensionOffer } from './handshake-types.js';
import { quoteText } from './http-head-parser.js';

export interface ExtensionParam {
  readonly name: string;
  /** The value (quoted-strings unescaped), or true when the parameter has none. */
  readonly value: string | true;
}

/** An offer (or response element) with what the plain record cannot hold. */
export interface ParsedExtension extends ExtensionOffer {
  /** The element as written, trimmed: "permessage-deflate; client_max_window_bits". */
  readonly text: string;
  /** Every parameter in wire order, duplicates included (`params` keeps the first of each). */
  readonly paramList: readonly ExtensionParam[];
}

export interface ExtensionHeaderResult {
  readonly offers: ParsedExtension[];
  readonly diagnostics: Diagnostic[];
}

// Past this many, a hostile header gets one summary diagnostic instead of thousands.
const MAX_DIAGNOSTICS = 16;

/**
 * Splits a comma-separated header value into trimmed, non-empty items (RFC 7230 §7: empty
 * list elements are ignored). Commas inside quoted-strings do not split.
 */
export function splitHeaderList(value: string): string[] {
  const items: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuotes) {
      if (c === '\\') i++;
      else if (c === '"') inQuotes = false;
    } else if (c === '"') {
      inQuotes = true;
    } else if (c === ',') {
      pushItem(items, value.slice(start, i));
      start = i + 1;
    }
  }
  pushItem(items, value.slice(start));
  return items;
}

function pushItem(items: string[], raw: string): void {
  const item = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (item !== '') items.push(item);
}

/**
 * Parses every Sec-WebSocket-Extensions line (several lines read as one comma list,
 * RFC 7230 §3.2.2). An element that does not parse is reported and left out.
 */
export function parseExtensionHeader(values: readonly string[]): ExtensionHeaderResult {
  const offers: ParsedExtension[] = [];
  const problems: string[] = [];
  for (const value of values) {
    for (const element of splitHeaderList(value)) {
      const notes: string[] = [];
      const parsed = parseElement(element, notes);
      if (typeof parsed === 'string') problems.push(`element ${quoteText(element)}: ${parsed}; element ignored`);
      else offers.push(parsed);
      for (const note of notes) problems.push(`element ${quoteText(element)}: ${note}`);
    }
  }
  return { offers, diagnostics: toDiagnostics(problems) };
}

function toDiagnostics(problems: readonly string[]): Diagnostic[] {
  const shown = problems
    .slice(0, MAX_DIAGNOSTICS)
    .map((p) => diagnostic('handshake.extension.malformed', `Sec-WebSocket-Extensions ${p}`));
  if (problems.length > MAX_DIAGNOSTICS) {
    const more = `${problems.length - MAX_DIAGNOSTICS} more malformed Sec-WebSocket-Extensions elements not listed`;
    shown.push(diagnostic('handshake.extension.malformed', more));
  }
  return shown;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const WHOLE_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OWS = /[ \t]*/y;
// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 7230 §3.2.6).
const QUOTED = /"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"/y;

/** A read position over one element; each read advances past what it matched. */
class Scanner {
  pos = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos];
  }

  skipOws(): void {
    this.read(OWS);
  }

  read(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m !== null) this.pos = re.lastIndex;
    return m;
  }
}

/** extension = extension-token *( ";" extension-param ); returns a problem string on failure. */
function parseElement(text: string, notes: string[]): ParsedExtension | string {
  const s = new Scanner(text);
  const name = s.read(TOKEN)?.[0];
  if (name === undefined) return 'the extension name is missing or not a token';
  const paramList: ExtensionParam[] = [];
  s.skipOws();
  while (!s.done) {
    if (s.peek() !== ';') return `unexpected ${quoteText(s.peek())} at character ${s.pos + 1}`;
    s.pos++;
    s.skipOws();
    const param = parseParam(s, notes);
    if (typeof param === 'string') return param;
    paramList.push(param);
    s.skipOws();
  }
  return { name, params: firstOfEach(paramList), text, paramList };
}

/** extension-param = token [ "=" ( token / quoted-string ) ], with implied OWS around "=". */
function parseParam(s: Scanner, notes: string[]): ExtensionParam | string {
  const name = s.read(TOKEN)?.[0];
  if (name === undefined) return `a parameter name is missing or not a token at character ${s.pos + 1}`;
  s.skipOws();
  if (s.done || s.peek() !== '=') return { name, value: true };
  s.pos++;
  s.skipOws();
  const token = s.read(TOKEN)?.[0];
  if (token !== undefined) return { name, value: token };
  const quoted = s.read(QUOTED);
  if (quoted === null) return `the value of ${name} is neither a token nor a quoted-string`;
  const value = quoted[1].replace(/\\(.)/gs, '$1');
  // RFC 6455 §9.1: a quoted value must still conform to token once unescaped; kept anyway.
  if (!WHOLE_TOKEN.test(value)) notes.push(`the quoted value of ${name} ${quoteText(value)} is not a token`);
  return { name, value };
}

function firstOfEach(list: readonly ExtensionParam[]): Record<string, string | true> {
  const seen = new Set<string>();
  const entries: [string, string | true][] = [];
  for (const p of list) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    entries.push([p.name, p.value]);
  }
  // fromEntries defines own properties, so a parameter named "__proto__" stays data.
  return Object.fromEntries(entries);
}

/** Parameters in wire order: the full list when parsed here, else the record's entries. */
export function paramsInOrder(offer: ExtensionOffer): readonly ExtensionParam[] {
  if ('paramList' in offer) return (offer as ParsedExtension).paramList;
  return Object.entries(offer.params).map(([name, value]) => ({ name, value }));
}

/** The first value of a parameter, or undefined when absent (own properties only). */
export function paramValue(offer: ExtensionOffer, name: string): string | true | undefined {
  return Object.hasOwn(offer.params, name) ? offer.params[name] : undefined;
}

/** Just the ExtensionOffer record (name and params), as the JSON contract shows it. */
export function plainOffer(offer: ExtensionOffer): ExtensionOffer {
  return { name: offer.name, params: offer.params };
}
