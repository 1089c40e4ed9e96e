// The filter language's parser and compiler: an expression is parsed once into a tree of
// closures (no eval), each comparison's literal converted to its field's type up front, so
// matching a subject is a few property reads and compares. json.* parses the subject's text
// once per match, and only when the expression names a json field.
// Layer rule: filter/ — pure.
import { DIAGNOSTIC_CATALOGUE } from '../protocol/diagnostic-catalogue.js';
import { parseIp, samePrefix } from './addresses.js';
import { fieldNamed, KNOWN_NAMES, stompHeader, type FilterField, type FilterValueType } from './fields.js';
import { closest, FilterSyntaxError } from './filter-error.js';
import { tokenize, type FilterToken } from './lexer.js';
import type { FilterSubject } from './subject.js';

export interface CompiledFilter {
  /** The expression as given. */
  readonly source: string;
  /** It names a json.* field (the text is parsed as JSON while matching). */
  readonly usesJson: boolean;
  /** It reads text (text, websocket.payload.text, json.*): a caller may leave text out otherwise. */
  readonly usesText: boolean;
  /** Payload bytes it reads from the start of data (Infinity: all; 0: data is not used). */
  readonly dataBytes: number;
  /** It reads connection context (handshake.*, ip.*, ipv6.*, tcp.*port). */
  readonly usesConnection: boolean;
  /**
   * The fields it names, as written after `!`/`(` were taken off and aliases resolved to the
   * names of the README's field table (json.* as "json", handshake.header.* as
   * "handshake.header"), each once, in order of first use: `opcode == text && json.a` gives
   * ["opcode", "json"]. A caller can tell from it which subject fields it must fill.
   */
  readonly fields: readonly string[];
  match(subject: FilterSubject): boolean;
}

type Pred = (s: FilterSubject) => boolean;

const MAX_DEPTH = 200;
const OPCODE_NAMES: Record<string, number> = {
  continuation: 0,
  text: 1,
  binary: 2,
  close: 8,
  ping: 9,
  pong: 10,
};
const SEVERITIES = ['error', 'warning', 'note'];
const DIAG_CODES = Object.keys(DIAGNOSTIC_CATALOGUE);
const WORD_OPS: Record<string, string> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const COMPARISONS = new Set(['==', '!=', '===', '!==', '<', '<=', '>', '>=']);
const NOT_JSON: unique symbol = Symbol('not json');

/** A field reference: the field, and for data a slice, for json a path. */
interface FieldRef {
  readonly field: FilterField;
  readonly name: string;
  readonly get: (s: FilterSubject) => unknown;
  readonly type: FilterValueType;
  readonly multi: boolean;
  readonly start: number;
}

/** Parses and compiles; throws FilterSyntaxError (and nothing else) for a bad expression. */
export function compileFilter(expr: string): CompiledFilter {
  try {
    return new Compiler(expr).compile();
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw error;
    // a bug must not pass for a syntax error, yet the user gets one line: say where it was
    if (error instanceof RangeError) throw new FilterSyntaxError('expression too deeply nested', 1);
    throw error;
  }
}

class Compiler {
  private readonly tokens: FilterToken[];
  private pos = 0;
  private depth = 0;
  usesJson = false;
  usesText = false;
  usesConnection = false;
  private readonly named = new Set<string>();
  dataBytes = 0;
  /** The subject json was parsed for in this match, and the result. */
  private jsonSubject: FilterSubject | null = null;
  private jsonValue: unknown = NOT_JSON;
  private readonly ipCache = new Map<string, Uint8Array | null>();

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  compile(): CompiledFilter {
    if (this.peek().kind === 'end') throw new FilterSyntaxError('empty expression', 1);
    const root = this.orExpr();
    const t = this.peek();
    if (t.kind !== 'end') {
      if (t.kind === ')') throw this.error('unmatched ")"', t);
      throw this.error(`expected && or || before "${t.text}"`, t);
    }
    const usesJson = this.usesJson;
    const match: (s: FilterSubject) => boolean = usesJson
      ? (s) => {
          this.jsonSubject = null;
          this.jsonValue = NOT_JSON;
          return root(s);
        }
      : root;
    return {
      source: this.source,
      usesJson,
      usesText: this.usesText,
      dataBytes: this.dataBytes,
      usesConnection: this.usesConnection,
      fields: [...this.named],
      match,
    };
  }

  // ---- tokens

  private peek(offset = 0): FilterToken {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private next(): FilterToken {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private error(reason: string, at: FilterToken, suggestion?: string): FilterSyntaxError {
    return new FilterSyntaxError(reason, at.start + 1, suggestion);
  }

  private isWord(t: FilterToken, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  private describe(t: FilterToken): string {
    return t.kind === 'end' ? 'the end' : JSON.stringify(t.text);
  }

  // ---- grammar: or := and (|| and)*; and := unary (&& unary)*; unary := ! unary | primary

  private orExpr(): Pred {
    let left = this.andExpr();
    for (;;) {
      const t = this.peek();
      if ((t.kind === 'op' && t.text === '||') || this.isWord(t, 'or')) {
        this.next();
        const a = left;
        const b = this.andExpr();
        left = (s) => a(s) || b(s);
      } else if (this.isWord(t, 'xor')) {
        this.next();
        const a = left;
        const b = this.andExpr();
        left = (s) => a(s) !== b(s);
      } else return left;
    }
  }

  private andExpr(): Pred {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if ((t.kind === 'op' && t.text === '&&') || this.isWord(t, 'and')) {
        this.next();
        const a = left;
        const b = this.unary();
        left = (s) => a(s) && b(s);
      } else return left;
    }
  }

  private unary(): Pred {
    const t = this.peek();
    if ((t.kind === 'op' && t.text === '!') || this.isWord(t, 'not')) {
      this.next();
      this.enter(t);
      const inner = this.unary();
      this.depth--;
      return (s) => !inner(s);
    }
    return this.primary();
  }

  private enter(t: FilterToken): void {
    if (++this.depth > MAX_DEPTH) throw this.error(`expression nested deeper than ${MAX_DEPTH}`, t);
  }

  private primary(): Pred {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      this.enter(t);
      const inner = this.orExpr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== ')')
        throw this.error(`expected ")" (for the "(" at ${t.start + 1}), found ${this.describe(close)}`, close);
      this.next();
      return inner;
    }
    if (t.kind === 'word' && /^[A-Za-z_]/.test(t.text)) {
      const lower = t.text.toLowerCase();
      if (lower === 'c2s' || lower === 's2c') {
        this.next();
        this.named.add('dir');
        return (s) => s.dir === lower;
      }
      const ref = this.fieldRef();
      return this.test(ref);
    }
    if (t.kind === 'end') throw this.error('expression ended where a field was expected', t);
    throw this.error(`expected a field, found ${this.describe(t)}`, t);
  }

  // ---- fields

  private fieldRef(): FieldRef {
    const t = this.next();
    const name = t.text;
    const lower = name.toLowerCase();
    if (lower === 'json' || lower.startsWith('json.')) {
      this.named.add('json');
      return this.jsonRef(t);
    }
    if (lower.startsWith('handshake.header.') && name.length > 'handshake.header.'.length) {
      const header = lower.slice('handshake.header.'.length);
      this.usesConnection = true;
      this.named.add('handshake.header');
      const field = fieldNamed('handshake.path')!;
      return {
        field,
        name,
        type: 'string',
        multi: true,
        start: t.start,
        get: (s) => {
          const headers = s.connection?.headers;
          if (headers === undefined) return undefined;
          let out: string[] | undefined;
          for (const [n, v] of headers) if (n.toLowerCase() === header) (out ??= []).push(v);
          return out;
        },
      };
    }
    if (lower.startsWith('stomp.header.') && name.length > 'stomp.header.'.length) {
      // STOMP header names are case-sensitive (STOMP 1.2 §Header), unlike HTTP's
      const header = name.slice('stomp.header.'.length);
      this.named.add('stomp.header');
      return {
        field: fieldNamed('stomp.destination')!,
        name,
        type: 'string',
        multi: true,
        start: t.start,
        get: (s) => stompHeader(s, header),
      };
    }
    const field = fieldNamed(lower);
    if (field === undefined) {
      const suggestion = closest(name, KNOWN_NAMES);
      throw this.error(`unknown field ${JSON.stringify(name)}`, t, suggestion);
    }
    this.named.add(field.aliasOf !== undefined && fieldNamed(field.aliasOf) !== undefined ? field.aliasOf : field.name);
    if (field.reads === 'text') this.usesText = true;
    if (field.reads === 'connection') this.usesConnection = true;
    const open = this.peek();
    if (open.kind === '[' && open.start === t.end) {
      if (field.type !== 'bytes') throw this.error(`${name} cannot be sliced (only data can)`, open);
      return this.slice(field, name, t);
    }
    if (field.reads === 'data') this.dataBytes = Infinity;
    return { field, name, type: field.type, multi: field.multi, get: field.get, start: t.start };
  }

  /** data[i:n] (n bytes from i), data[i-j] (i to j inclusive), data[i], data[:n], data[i:]; i < 0 counts from the end. */
  private slice(field: FilterField, name: string, at: FilterToken): FieldRef {
    this.next(); // [
    const body = this.next();
    const close = this.next();
    if (body.kind !== 'word' || close.kind !== ']')
      throw this.error('a slice is [start:length], [start-end] or [index], e.g. data[0:2]', body);
    const text = body.text;
    let m: RegExpExecArray | null;
    let start: number;
    let length: number | null;
    if ((m = /^(-?\d+)?:(\d+)?$/.exec(text)) !== null) {
      start = m[1] === undefined ? 0 : Number(m[1]);
      length = m[2] === undefined ? null : Number(m[2]);
    } else if ((m = /^(-?\d+)-(-?\d+)$/.exec(text)) !== null) {
      start = Number(m[1]);
      const end = Number(m[2]);
      if (start >= 0 !== end >= 0 || end < start) throw this.error(`slice [${text}] ends before it starts`, body);
      length = end - start + 1;
    } else if ((m = /^(-?\d+)$/.exec(text)) !== null) {
      start = Number(m[1]);
      length = 1;
    } else throw this.error(`${JSON.stringify(text)} is not a slice ([start:length], [start-end] or [index])`, body);
    if (length === 0) throw this.error('a slice of 0 bytes', body);
    this.dataBytes = Math.max(this.dataBytes, start < 0 || length === null ? Infinity : start + length);
    const get = field.get;
    return {
      field,
      name: `${name}[${text}]`,
      type: 'bytes',
      multi: false,
      start: at.start,
      get: (s) => {
        const data = get(s) as Uint8Array | undefined;
        if (data === undefined) return undefined;
        const from = start < 0 ? data.length + start : start;
        const to = length === null ? data.length : from + length;
        if (from < 0 || to > data.length || from >= to) return undefined;
        return data.subarray(from, to);
      },
    };
  }

  /** json, json.a.b, json.items[0].id, json.a["key with spaces"], json.list[-1] (the last). */
  private jsonRef(t: FilterToken): FieldRef {
    this.usesJson = true;
    this.usesText = true;
    const path: (string | number)[] = [];
    const addDotted = (text: string, at: FilterToken): void => {
      if (text === '') return;
      if (!text.startsWith('.')) throw this.error(`expected "." or "[" in a json path`, at);
      for (const key of text.slice(1).split('.')) {
        if (key === '') throw this.error('empty key in a json path', at);
        path.push(key);
      }
    };
    addDotted(t.text.slice(4), t);
    let end = t.end;
    for (;;) {
      const open = this.peek();
      if (open.kind === '[' && open.start === end) {
        this.next();
        const key = this.next();
        const close = this.next();
        if (close.kind !== ']') throw this.error('expected "]" in a json path', close);
        if (key.kind === 'string') path.push(key.text);
        else if (key.kind === 'word' && /^-?\d+$/.test(key.text)) path.push(Number(key.text));
        else throw this.error('a json index is a number or a "key"', key);
        end = close.end;
        continue;
      }
      if (open.kind === 'word' && open.start === end && open.text.startsWith('.')) {
        this.next();
        addDotted(open.text, open);
        end = open.end;
        continue;
      }
      break;
    }
    const field = fieldNamed('text')!;
    const json = (s: FilterSubject): unknown => {
      if (this.jsonSubject !== s) {
        this.jsonSubject = s;
        const text = s.text;
        this.jsonValue = NOT_JSON;
        if (text !== undefined) {
          try {
            this.jsonValue = JSON.parse(text);
          } catch {
            // not JSON: every json field is absent
          }
        }
      }
      return this.jsonValue;
    };
    return {
      field,
      name: this.source.slice(t.start, end),
      type: 'json',
      multi: false,
      start: t.start,
      get: (s) => {
        let v = json(s);
        if (v === NOT_JSON) return undefined;
        for (const key of path) {
          if (typeof key === 'number') {
            if (!Array.isArray(v)) return undefined;
            v = v[key < 0 ? v.length + key : key];
          } else if (v !== null && typeof v === 'object') {
            if (Array.isArray(v)) {
              if (!/^\d+$/.test(key)) return undefined;
              v = v[Number(key)];
            } else v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
          } else return undefined;
          if (v === undefined) return undefined;
        }
        return v;
      },
    };
  }

  // ---- tests

  private test(ref: FieldRef): Pred {
    const t = this.peek();
    if (ref.type === 'protocol') {
      const compared =
        (t.kind === 'op' && (COMPARISONS.has(t.text) || t.text === '~' || t.text === '=')) ||
        this.isWord(t, 'contains', 'matches', 'in', 'eq', 'ne', 'lt', 'le', 'gt', 'ge');
      if (compared) throw this.error(`${ref.name} is a protocol: use it alone (${ref.name} && …)`, t);
    }
    let op: string | null = null;
    if (t.kind === 'op' && COMPARISONS.has(t.text)) op = t.text;
    else if (t.kind === 'word' && WORD_OPS[t.text.toLowerCase()] !== undefined) op = WORD_OPS[t.text.toLowerCase()];
    if (t.kind === 'op' && t.text === '=') throw this.error('"=" is not an operator', t, '==');
    if (op !== null) {
      this.next();
      return this.comparison(ref, op, t);
    }
    if (this.isWord(t, 'contains')) {
      this.next();
      return this.contains(ref, t);
    }
    if (this.isWord(t, 'matches') || (t.kind === 'op' && t.text === '~')) {
      this.next();
      return this.matches(ref, t);
    }
    if (this.isWord(t, 'in')) {
      this.next();
      return this.inSet(ref, false);
    }
    if (this.isWord(t, 'not') && this.isWord(this.peek(1), 'in')) {
      this.next();
      this.next();
      return this.inSet(ref, true);
    }
    // a bare field: presence (wsinspect's flags: their value)
    const get = ref.get;
    if (ref.field.bareTestsValue === true && ref.type === 'flag') return (s) => get(s) === true;
    return (s) => get(s) !== undefined;
  }

  /** A comparison of every value of the field: any (==, <, …), all (!=, ===), or not all (!==). */
  private quantify(ref: FieldRef, test: (v: unknown) => boolean, mode: 'any' | 'all' | 'notall'): Pred {
    const get = ref.get;
    if (!ref.multi) {
      if (mode === 'notall')
        return (s) => {
          const v = get(s);
          return v !== undefined && !test(v);
        };
      return (s) => {
        const v = get(s);
        return v !== undefined && test(v);
      };
    }
    if (mode === 'any')
      return (s) => {
        const vs = get(s) as unknown[] | undefined;
        if (vs === undefined) return false;
        for (const v of vs) if (test(v)) return true;
        return false;
      };
    if (mode === 'all')
      return (s) => {
        const vs = get(s) as unknown[] | undefined;
        if (vs === undefined || vs.length === 0) return false;
        for (const v of vs) if (!test(v)) return false;
        return true;
      };
    return (s) => {
      const vs = get(s) as unknown[] | undefined;
      if (vs === undefined) return false;
      for (const v of vs) if (!test(v)) return true;
      return false;
    };
  }

  private comparison(ref: FieldRef, op: string, opToken: FilterToken): Pred {
    const litToken = this.next();
    if (ref.type === 'flag' && op !== '==' && op !== '!=' && op !== '===' && op !== '!==')
      throw this.error(`${ref.name} is a flag: compare it with == or != (true/false, 1/0)`, opToken);
    if (ref.type === 'addr' && op !== '==' && op !== '!=' && op !== '===' && op !== '!==')
      throw this.error(`${ref.name} is an address: compare it with == or !=`, opToken);
    const eq = this.equality(ref, litToken);
    if (op === '==') return this.quantify(ref, eq, 'any');
    // Wireshark: a != b is !(a == b) for a field with several values (all differ)
    if (op === '!=') return this.quantify(ref, (v) => !eq(v), 'all');
    if (op === '===') return this.quantify(ref, eq, 'all');
    if (op === '!==') return this.quantify(ref, eq, 'notall');
    const order = this.ordering(ref, litToken);
    const cmp =
      op === '<'
        ? (c: number) => c < 0
        : op === '<='
          ? (c: number) => c <= 0
          : op === '>'
            ? (c: number) => c > 0
            : (c: number) => c >= 0;
    return this.quantify(
      ref,
      (v) => {
        const c = order(v);
        return c !== null && cmp(c);
      },
      'any',
    );
  }

  /** The literal as a test of one value of the field for equality. */
  private equality(ref: FieldRef, lit: FilterToken): (v: unknown) => boolean {
    switch (ref.type) {
      case 'number':
      case 'opcode': {
        const range = lit.kind === 'word' ? /^(-?[\d.]+)\.\.(-?[\d.]+)$/.exec(lit.text) : null;
        if (range !== null && this.inSetContext) {
          const lo = this.number(ref, { ...lit, text: range[1] });
          const hi = this.number(ref, { ...lit, text: range[2] });
          return (v) => (v as number) >= lo && (v as number) <= hi;
        }
        const n = this.number(ref, lit);
        return (v) => v === n;
      }
      case 'flag': {
        const b = this.flag(ref, lit);
        return (v) => v === b;
      }
      case 'string': {
        const str = this.string(ref, lit);
        return (v) => v === str;
      }
      case 'dir':
      case 'severity':
      case 'diag': {
        const str = this.enumValue(ref, lit);
        return (v) => v === str;
      }
      case 'bytes': {
        const bytes = this.bytes(ref, lit);
        return (v) => bytesEqual(v as Uint8Array, bytes);
      }
      case 'addr': {
        const { bytes, bits } = this.address(ref, lit);
        return (v) => {
          const a = this.ip(v as string);
          return a !== null && samePrefix(a, bytes, bits);
        };
      }
      case 'json': {
        const value = this.jsonLiteral(lit);
        return (v) => v === value;
      }
      case 'protocol':
        throw this.error(`${ref.name} is a protocol: use it alone`, lit);
    }
  }

  /** The literal as an ordering of one value against it (sign), or null when they do not compare. */
  private ordering(ref: FieldRef, lit: FilterToken): (v: unknown) => number | null {
    switch (ref.type) {
      case 'number':
      case 'opcode': {
        const n = this.number(ref, lit);
        return (v) => (v as number) - n;
      }
      case 'string':
      case 'dir':
      case 'severity':
      case 'diag': {
        const str = ref.type === 'string' ? this.string(ref, lit) : this.enumValue(ref, lit);
        return (v) => ((v as string) < str ? -1 : (v as string) > str ? 1 : 0);
      }
      case 'bytes': {
        const bytes = this.bytes(ref, lit);
        return (v) => compareBytes(v as Uint8Array, bytes);
      }
      case 'json': {
        const value = this.jsonLiteral(lit);
        if (typeof value === 'number') return (v) => (typeof v === 'number' ? v - value : null);
        if (typeof value === 'string')
          return (v) => (typeof v === 'string' ? (v < value ? -1 : v > value ? 1 : 0) : null);
        throw this.error(
          `${this.describe(lit)} has no order: compare a json field with < > to a number or a string`,
          lit,
        );
      }
      default:
        throw this.error(`${ref.name} has no order`, lit);
    }
  }

  private contains(ref: FieldRef, opToken: FilterToken): Pred {
    const lit = this.next();
    switch (ref.type) {
      case 'string':
      case 'diag': {
        const str = this.string(ref, lit);
        return this.quantify(ref, (v) => (v as string).includes(str), 'any');
      }
      case 'bytes': {
        const bytes = this.bytes(ref, lit);
        return this.quantify(ref, (v) => indexOfBytes(v as Uint8Array, bytes) >= 0, 'any');
      }
      case 'json': {
        const value = this.jsonLiteral(lit);
        return this.quantify(
          ref,
          (v) =>
            (typeof v === 'string' && typeof value === 'string' && v.includes(value)) ||
            (Array.isArray(v) && v.includes(value)),
          'any',
        );
      }
      default:
        throw this.error(`contains needs a text, bytes or json field; ${ref.name} is not one`, opToken);
    }
  }

  private matches(ref: FieldRef, opToken: FilterToken): Pred {
    const lit = this.next();
    if (lit.kind !== 'string' && lit.kind !== 'regex')
      throw this.error(`matches needs a regular expression: "…" or /…/flags, found ${this.describe(lit)}`, lit);
    const re = this.regex(lit);
    switch (ref.type) {
      case 'string':
      case 'diag':
      case 'dir':
      case 'severity':
        return this.quantify(ref, (v) => re.test(v as string), 'any');
      case 'json':
        return this.quantify(ref, (v) => typeof v === 'string' && re.test(v), 'any');
      case 'bytes':
        return this.quantify(ref, (v) => re.test(latin1(v as Uint8Array)), 'any');
      default:
        throw this.error(`matches needs a text field; ${ref.name} is not one`, opToken);
    }
  }

  private inSetContext = false;

  private inSet(ref: FieldRef, negate: boolean): Pred {
    const open = this.next();
    if (open.kind !== '{') throw this.error(`expected "{" after in, found ${this.describe(open)}`, open);
    const tests: ((v: unknown) => boolean)[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        this.next();
        break;
      }
      if (t.kind === ',') {
        this.next();
        continue;
      }
      if (t.kind === 'end') throw this.error('expected "}" to close the set', t);
      this.next();
      this.inSetContext = true;
      try {
        tests.push(this.equality(ref, t));
      } finally {
        this.inSetContext = false;
      }
    }
    if (tests.length === 0) throw this.error('empty set', open);
    const any = (v: unknown): boolean => {
      for (const test of tests) if (test(v)) return true;
      return false;
    };
    const pred = this.quantify(ref, any, 'any');
    return negate ? (s) => !pred(s) : pred;
  }

  // ---- literals

  private number(ref: FieldRef, lit: FilterToken): number {
    if (lit.kind === 'word') {
      const text = lit.text;
      if (ref.type === 'opcode' && OPCODE_NAMES[text.toLowerCase()] !== undefined)
        return OPCODE_NAMES[text.toLowerCase()];
      if (/^-?(\d+(\.\d*)?|\.\d+)$/.test(text) || /^0x[0-9a-f]+$/i.test(text)) {
        const n = Number(text);
        if (Number.isFinite(n)) return n;
      }
    }
    if (lit.kind === 'end') throw this.error(`expected a value for ${ref.name}`, lit);
    if (ref.type === 'opcode') {
      const suggestion = lit.kind === 'word' ? closest(lit.text, Object.keys(OPCODE_NAMES)) : undefined;
      throw this.error(
        `${this.describe(lit)} is not an opcode (0-15 or ${Object.keys(OPCODE_NAMES).join(', ')})`,
        lit,
        suggestion,
      );
    }
    throw this.error(`${this.describe(lit)} is not a number (${ref.name} is numeric)`, lit);
  }

  private flag(ref: FieldRef, lit: FilterToken): boolean {
    if (lit.kind === 'word') {
      const text = lit.text.toLowerCase();
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
    }
    throw this.error(`${this.describe(lit)} is not a flag value (true, false, 1 or 0)`, lit);
  }

  private string(ref: FieldRef, lit: FilterToken): string {
    if (lit.kind === 'string' || lit.kind === 'word') return lit.text;
    throw this.error(`expected a value for ${ref.name}, found ${this.describe(lit)}`, lit);
  }

  private enumValue(ref: FieldRef, lit: FilterToken): string {
    const text = this.string(ref, lit);
    const known = ref.type === 'dir' ? ['c2s', 's2c'] : ref.type === 'severity' ? SEVERITIES : DIAG_CODES;
    if (known.includes(text)) return text;
    if (known.includes(text.toLowerCase()) && ref.type !== 'diag') return text.toLowerCase();
    const what =
      ref.type === 'dir'
        ? 'a direction (c2s or s2c)'
        : ref.type === 'severity'
          ? 'a severity (error, warning or note)'
          : 'a diagnostic code';
    throw this.error(`${JSON.stringify(text)} is not ${what}`, lit, closest(text, known));
  }

  private bytes(ref: FieldRef, lit: FilterToken): Uint8Array {
    if (lit.kind === 'string') return new TextEncoder().encode(lit.text);
    if (lit.kind === 'word') {
      const text = lit.text;
      if (/^[0-9a-f]{2}([:.-][0-9a-f]{2})*$/i.test(text) || /^([0-9a-f]{2})+$/i.test(text)) {
        const hex = text.replace(/[:.-]/g, '');
        const out = new Uint8Array(hex.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
        return out;
      }
    }
    throw this.error(`${this.describe(lit)} is not a byte string (like 0a:0b, or "text")`, lit);
  }

  private address(ref: FieldRef, lit: FilterToken): { bytes: Uint8Array; bits: number } {
    if (lit.kind === 'word' || lit.kind === 'string') {
      const [ip, prefix, more] = lit.text.split('/');
      const bytes = parseIp(ip);
      const family = ref.field.name.startsWith('ipv6') ? 6 : 4;
      const bits = prefix === undefined ? (bytes?.length ?? 0) * 8 : /^\d+$/.test(prefix) ? Number(prefix) : -1;
      if (bytes !== null && more === undefined && bits >= 0 && bits <= bytes.length * 8) {
        if ((bytes.length === 4 ? 4 : 6) !== family)
          throw this.error(
            `${JSON.stringify(lit.text)} is an IPv${family === 4 ? 6 : 4} address; ${ref.name} holds IPv${family}`,
            lit,
          );
        return { bytes, bits };
      }
    }
    throw this.error(`${this.describe(lit)} is not an IP address (like 10.0.0.1, 10.0.0.0/8, ::1)`, lit);
  }

  private jsonLiteral(lit: FilterToken): unknown {
    if (lit.kind === 'string') return lit.text;
    if (lit.kind === 'word') {
      const text = lit.text;
      if (text === 'true') return true;
      if (text === 'false') return false;
      if (text === 'null') return null;
      if (/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
      return text;
    }
    throw this.error(`expected a value, found ${this.describe(lit)}`, lit);
  }

  private regex(lit: FilterToken): RegExp {
    let source = lit.text;
    let flags = lit.kind === 'regex' ? (lit.flags ?? '') : '';
    // (?i): any case, as grep -P and PCRE write it (JavaScript before Node 23 has no inline
    // flags); (?-i), the case-sensitive default, is accepted as tshark users write it
    if (source.startsWith('(?i)')) {
      source = source.slice(4);
      if (!flags.includes('i')) flags += 'i';
    } else if (source.startsWith('(?-i)')) source = source.slice(5);
    for (const f of flags)
      if (!'ims'.includes(f) || flags.indexOf(f) !== flags.lastIndexOf(f))
        throw this.error(`regular expression flag "${f}" (i, m and s are allowed)`, lit);
    try {
      return new RegExp(source, flags + 'u');
    } catch (error) {
      throw this.error(`not a valid regular expression: ${(error as Error).message.split('\n')[0]}`, lit);
    }
  }

  private ip(text: string): Uint8Array | null {
    let bytes = this.ipCache.get(text);
    if (bytes === undefined) {
      bytes = parseIp(text);
      if (this.ipCache.size > 10_000) this.ipCache.clear();
      this.ipCache.set(text, bytes);
    }
    return bytes;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  outer: for (let i = hay.indexOf(first); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192)
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  return s;
}
