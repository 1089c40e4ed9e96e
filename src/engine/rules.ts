// Rules: `FILTER => ACTION`, the proxy's --rule. FILTER is the display-filter language
// (filter/compileFilter) matched against each message (and control frame); ACTION is one of
//   drop | delay 250ms | replace /REGEX/FLAGS "TEXT" | set json.PATH = JSON | del json.PATH
//   | close CODE ["reason"] | fragment N | hold | inject c2s|s2c "TEXT"
// Rules apply in order, each to the message as the rules before it left it: replace, set and
// del change it, delays add up, inject adds messages after it, drop and close end the list.
// A bad rule is a RuleSyntaxError: one line, with the 1-based column in the rule's text.
// set and del change only what they name: the rest of the JSON keeps its numbers as written
// (a 2^64-1 id, 1.50, 1e400 — lossless-json, loaded the first time a rule edits JSON).
// Layer rule: engine/ — pure.
import { createRequire } from 'node:module';
import type * as LosslessJson from 'lossless-json';
import { compileFilter, type CompiledFilter } from '../filter/compile.js';
import { editDistance, FilterSyntaxError } from '../filter/filter-error.js';
import type { FilterConnection, FilterSubject } from '../filter/subject.js';
import { closePayload, FrameEncodeError } from '../protocol/frame-encoder.js';
import { Opcode } from '../protocol/frame.js';
import type { Direction } from '../session/events.js';
import type {
  ControlVerdict,
  Decider,
  EngineConnection,
  EngineControl,
  EngineMessage,
  Injection,
  MessageVerdict,
} from './verdict.js';

export class RuleSyntaxError extends Error {
  /** 1-based column in the rule's text. */
  readonly position: number;
  constructor(reason: string, position: number, suggestion?: string) {
    super(`${reason} at ${position}${suggestion === undefined ? '' : ` — did you mean ${suggestion}?`}`);
    this.name = 'RuleSyntaxError';
    this.position = position;
  }
}

type RuleJsonPath = readonly (string | number)[];

export type RuleAction =
  | { readonly kind: 'drop' }
  | { readonly kind: 'hold' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'replace'; readonly pattern: RegExp; readonly text: string }
  | { readonly kind: 'set'; readonly path: RuleJsonPath; readonly value: unknown }
  | { readonly kind: 'del'; readonly path: RuleJsonPath }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'fragment'; readonly size: number }
  | { readonly kind: 'inject'; readonly dir: Direction; readonly text: string };

export interface Rule {
  readonly source: string;
  readonly filter: CompiledFilter;
  readonly action: RuleAction;
}

const ACTIONS = ['drop', 'hold', 'delay', 'replace', 'set', 'del', 'close', 'fragment', 'inject'];

/** The action a typo was meant to be (a swap of two letters counts as a typo). */
function nearestAction(word: string): string | undefined {
  let best: string | undefined;
  let distance = 3;
  for (const name of ACTIONS) {
    const d = editDistance(word, name);
    if (d < distance) {
      best = name;
      distance = d;
    }
  }
  return best;
}

/** Parses `FILTER => ACTION`; throws RuleSyntaxError. */
export function parseRule(source: string): Rule {
  const arrow = findArrow(source);
  if (arrow < 0) throw new RuleSyntaxError('expected "FILTER => ACTION": no "=>"', source.length + 1);
  const filterText = source.slice(0, arrow);
  if (filterText.trim() === '') throw new RuleSyntaxError('the filter before "=>" is empty', 1);
  let filter: CompiledFilter;
  try {
    filter = compileFilter(filterText);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new RuleSyntaxError(err.reason, err.position, err.suggestion);
    throw err;
  }
  const action = new ActionParser(source, arrow + 2).parse();
  return { source, filter, action };
}

/** The first "=>" outside a "string" and outside a /regex/ after `matches`. */
function findArrow(s: string): number {
  let i = 0;
  let lastWord = '';
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      i = skipString(s, i);
      lastWord = '';
    } else if (c === '/' && (lastWord === 'matches' || lastWord === '~')) {
      i = skipRegex(s, i);
      lastWord = '';
    } else if (c === '=' && s[i + 1] === '>') {
      return i;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      const m = /^[\w.~]+/.exec(s.slice(i));
      if (m === null) {
        lastWord = c;
        i++;
      } else {
        lastWord = m[0].toLowerCase();
        i += m[0].length;
      }
    }
  }
  return -1;
}

function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
  }
  return s.length;
}

/** Index after the closing "/" of a regex starting at s[i] (and its flags). */
function skipRegex(s: string, i: number): number {
  let inClass = false;
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      j++;
      while (j < s.length && /[a-z]/i.test(s[j])) j++;
      return j;
    }
  }
  return s.length;
}

class ActionParser {
  constructor(
    private readonly s: string,
    private at: number,
  ) {}

  parse(): RuleAction {
    this.space();
    const start = this.at;
    const word = this.word();
    if (word === '') throw this.error('expected an action after "=>" (drop, delay, replace, set, …)', start);
    let action: RuleAction;
    switch (word) {
      case 'drop':
        action = { kind: 'drop' };
        break;
      case 'hold':
        action = { kind: 'hold' };
        break;
      case 'delay':
        action = { kind: 'delay', ms: this.duration() };
        break;
      case 'replace': {
        const pattern = this.regex();
        action = { kind: 'replace', pattern, text: this.string('the replacement "TEXT"') };
        break;
      }
      case 'set': {
        const path = this.jsonPath();
        this.space();
        if (this.s[this.at] !== '=') throw this.error('expected "=" after the json path', this.at);
        this.at++;
        action = { kind: 'set', path, value: this.jsonValue() };
        break;
      }
      case 'del':
        action = { kind: 'del', path: this.jsonPath() };
        break;
      case 'close': {
        const codeAt = this.space();
        const code = this.integer('a close code');
        this.space();
        const reason = this.at < this.s.length ? this.string('the close "reason"') : '';
        try {
          closePayload(code, reason);
        } catch (err) {
          if (err instanceof FrameEncodeError) throw this.error(err.message, codeAt);
          throw err;
        }
        action = { kind: 'close', code, reason };
        break;
      }
      case 'fragment': {
        const at = this.space();
        const size = this.integer('a fragment size in bytes');
        if (size < 1) throw this.error('the fragment size is at least 1 byte', at);
        action = { kind: 'fragment', size };
        break;
      }
      case 'inject': {
        const at = this.space();
        const dir = this.word();
        if (dir !== 'c2s' && dir !== 's2c') throw this.error('expected c2s or s2c after inject', at);
        action = { kind: 'inject', dir, text: this.string('the injected "TEXT"') };
        break;
      }
      default:
        throw new RuleSyntaxError(`unknown action "${word}"`, start + 1, nearestAction(word));
    }
    this.space();
    if (this.at < this.s.length)
      throw this.error(`unexpected "${this.s.slice(this.at, this.at + 20)}" after the action`, this.at);
    return action;
  }

  private error(reason: string, at: number): RuleSyntaxError {
    return new RuleSyntaxError(reason, at + 1);
  }

  /** Skips spaces; returns where the next token starts. */
  private space(): number {
    while (this.at < this.s.length && /\s/.test(this.s[this.at])) this.at++;
    return this.at;
  }

  private word(): string {
    const m = /^[A-Za-z0-9_]+/.exec(this.s.slice(this.at));
    if (m === null) return '';
    this.at += m[0].length;
    return m[0];
  }

  private integer(what: string): number {
    const at = this.space();
    const m = /^\d+/.exec(this.s.slice(at));
    if (m === null) throw this.error(`expected ${what}`, at);
    this.at += m[0].length;
    return Number(m[0]);
  }

  private duration(): number {
    const at = this.space();
    const m = /^(\d+(?:\.\d+)?)(ms|s)\b/.exec(this.s.slice(at));
    if (m === null) throw this.error('expected a duration such as 250ms or 2s', at);
    this.at += m[0].length;
    const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
    if (ms > 24 * 3600 * 1000) throw this.error('a delay is at most 24 hours', at);
    return ms;
  }

  private string(what: string): string {
    const at = this.space();
    if (this.s[at] !== '"') throw this.error(`expected ${what} in double quotes`, at);
    const end = skipString(this.s, at);
    if (this.s[end - 1] !== '"' || end - 1 === at) throw this.error('the string has no closing quote', at);
    this.at = end;
    try {
      return JSON.parse(this.s.slice(at, end)) as string;
    } catch {
      throw this.error('bad escape in the string (JSON escapes: \\" \\\\ \\n \\u00e9)', at);
    }
  }

  private regex(): RegExp {
    const at = this.space();
    if (this.s[at] !== '/') throw this.error('expected /REGEX/FLAGS', at);
    const end = skipRegex(this.s, at);
    const text = this.s.slice(at, end);
    const m = /^\/([\s\S]*)\/([a-z]*)$/i.exec(text);
    if (m === null) throw this.error('the regex has no closing "/"', at);
    this.at = end;
    try {
      return new RegExp(m[1], m[2]);
    } catch (err) {
      throw this.error(`bad regex: ${(err as Error).message}`, at);
    }
  }

  /** json.a.b[0]["key"] */
  private jsonPath(): RuleJsonPath {
    const at = this.space();
    const m = /^json(?=[.[])/.exec(this.s.slice(at));
    if (m === null) throw this.error('expected json.PATH', at);
    this.at += 4;
    const path: (string | number)[] = [];
    for (;;) {
      const c = this.s[this.at];
      if (c === '.') {
        this.at++;
        const key = /^[A-Za-z0-9_$-]+/.exec(this.s.slice(this.at));
        if (key === null) throw this.error('expected a key after "." in the json path', this.at);
        path.push(key[0]);
        this.at += key[0].length;
      } else if (c === '[') {
        const open = this.at;
        this.at++;
        if (this.s[this.at] === '"') path.push(this.string('a "key"'));
        else {
          const n = /^\d+/.exec(this.s.slice(this.at));
          if (n === null) throw this.error('a json index is a number or a "key"', this.at);
          path.push(Number(n[0]));
          this.at += n[0].length;
        }
        if (this.s[this.at] !== ']') throw this.error('expected "]" in the json path', open);
        this.at++;
      } else break;
    }
    if (path.length === 0) throw this.error('expected json.PATH', at);
    return path;
  }

  private jsonValue(): unknown {
    const at = this.space();
    const text = this.s.slice(at).trim();
    if (text === '') throw this.error('expected a JSON value after "="', at);
    this.at = this.s.length;
    try {
      // a number a double cannot hold exactly (an id of 2^64-1) is kept as written
      const { parse, isSafeNumber, LosslessNumber } = lossless();
      return parse(text, null, (n) => (isSafeNumber(n) ? Number(n) : new LosslessNumber(n)));
    } catch {
      throw this.error(`${JSON.stringify(text.slice(0, 30))} is not JSON (strings take double quotes)`, at);
    }
  }
}

/** The current state of a message while the rules work on it. */
interface Working {
  opcode: number;
  data: Uint8Array;
  text: string | undefined;
  changed: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const require = createRequire(import.meta.url);
let losslessJson: typeof LosslessJson | undefined;
const lossless = (): typeof LosslessJson => (losslessJson ??= require('lossless-json') as typeof LosslessJson);
/** No rule matched: the message passes (one shared, empty verdict). */
const PASS: MessageVerdict = Object.freeze({});

/** Rules as the engine's Decider. */
export class RuleDecider implements Decider {
  private readonly started = Date.now() / 1000;
  private readonly connections = new Map<number, EngineConnection>();
  private readonly contexts = new WeakMap<EngineConnection, FilterConnection>();

  constructor(private readonly rules: readonly Rule[]) {}

  open(conn: EngineConnection): void {
    this.connections.set(conn.conn, conn);
  }

  closed(conn: EngineConnection): void {
    this.connections.delete(conn.conn);
  }

  message(msg: EngineMessage): MessageVerdict {
    const w: Working = { opcode: msg.opcode, data: msg.data, text: undefined, changed: false };
    let delayMs = 0;
    let hold = false;
    let fragment: number | undefined;
    // made only when a rule injects: no array, iterator or entry pair per message
    let inject: Injection[] | null = null;
    let subject: FilterSubject | null = null;
    let subjectOf: Uint8Array | null = null;
    let matched = false;
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      // one subject per state of the message (a change by an earlier rule makes a new one)
      if (subject === null || subjectOf !== w.data) {
        subject = this.subject(msg, w);
        subjectOf = w.data;
      }
      if (!rule.filter.match(subject)) continue;
      matched = true;
      const a = rule.action;
      switch (a.kind) {
        case 'drop':
          return { drop: true, by: ruleName(i) };
        case 'close':
          return { close: { code: a.code, reason: a.reason }, by: ruleName(i) };
        case 'hold':
          hold = true;
          break;
        case 'delay':
          delayMs += a.ms;
          break;
        case 'fragment':
          fragment = a.size;
          break;
        case 'inject':
          (inject ??= []).push({ dir: a.dir, opcode: Opcode.text, data: encoder.encode(a.text) });
          break;
        case 'replace':
          if (w.opcode === Opcode.text) {
            const before = textOf(w);
            const after = before.replace(a.pattern, a.text);
            if (after !== before) setText(w, after);
          }
          break;
        case 'set':
        case 'del':
          editJson(w, a);
          break;
      }
    }
    if (!matched) return PASS;
    return {
      replace: w.changed ? { opcode: w.opcode, data: w.data } : undefined,
      delayMs: delayMs > 0 ? delayMs : undefined,
      hold: hold || undefined,
      fragment,
      inject: inject ?? undefined,
    };
  }

  control(frame: EngineControl): ControlVerdict {
    let delayMs = 0;
    const inject: Injection[] = [];
    const subject = this.controlSubject(frame);
    for (const rule of this.rules) {
      if (!rule.filter.match(subject)) continue;
      const a = rule.action;
      if (a.kind === 'drop') return { drop: true };
      if (a.kind === 'close') return { close: { code: a.code, reason: a.reason } };
      if (a.kind === 'delay') delayMs += a.ms;
      if (a.kind === 'inject') inject.push({ dir: a.dir, opcode: Opcode.text, data: encoder.encode(a.text) });
    }
    return { delayMs: delayMs > 0 ? delayMs : undefined, inject: inject.length > 0 ? inject : undefined };
  }

  private subject(msg: EngineMessage, w: Working): FilterSubject {
    const c = this.connections.get(msg.conn);
    const connection = c === undefined ? undefined : (this.contexts.get(c) ?? this.context(c));
    return new EngineMessageSubject(msg, w, Math.round((msg.ts - this.started) * 1e6) / 1e6, connection);
  }

  /** The connection's filter context, made once per connection. */
  private context(c: EngineConnection): FilterConnection {
    const context = { path: c.path, protocol: c.protocol };
    this.contexts.set(c, context);
    return context;
  }

  private controlSubject(f: EngineControl): FilterSubject {
    const c = this.connections.get(f.conn);
    const close =
      f.opcode !== Opcode.close
        ? undefined
        : f.payload.length < 2
          ? { code: null, reason: null }
          : { code: (f.payload[0] << 8) | f.payload[1], reason: decoder.decode(f.payload.subarray(2)) };
    return {
      kind: 'frame',
      conn: f.conn,
      dir: f.dir,
      index: 0,
      opcode: f.opcode,
      fin: true,
      rsv1: false,
      rsv2: false,
      rsv3: false,
      masked: f.dir === 'c2s',
      len: f.payload.length,
      compressed: false,
      data: f.payload,
      close,
      diagnostics: [],
      time: Math.round((f.ts - this.started) * 1e6) / 1e6,
      connection: c === undefined ? undefined : { path: c.path, protocol: c.protocol },
    };
  }
}

/**
 * An engine message as the filter language sees it (seconds since `time`'s origin, the
 * connection's handshake context when known): what --rule matches, and the UI's intercept.
 */
export function engineMessageSubject(
  msg: EngineMessage,
  time: number,
  connection: FilterConnection | undefined,
): FilterSubject {
  return new EngineMessageSubject(
    msg,
    { opcode: msg.opcode, data: msg.data, text: undefined, changed: false },
    time,
    connection,
  );
}

/** A message as the filter sees it: a class, so the lazy text is a prototype getter (cheap to make per message). */
class EngineMessageSubject implements FilterSubject {
  readonly kind = 'message' as const;
  readonly conn: number;
  readonly dir: Direction;
  readonly index: number;
  readonly opcode: number;
  readonly fin = true;
  readonly rsv1: boolean;
  readonly rsv2 = false;
  readonly rsv3 = false;
  readonly len: number;
  readonly compressed: boolean;
  readonly data: Uint8Array;
  readonly diagnostics: readonly { readonly code: string; readonly severity: string }[] = NO_DIAGNOSTICS;

  constructor(
    msg: EngineMessage,
    private readonly w: Working,
    readonly time: number,
    readonly connection: FilterConnection | undefined,
  ) {
    this.conn = msg.conn;
    this.dir = msg.dir;
    this.index = msg.index;
    this.opcode = w.opcode;
    this.rsv1 = msg.compressed;
    this.len = w.data.length;
    this.compressed = msg.compressed;
    this.data = w.data;
  }

  get text(): string | undefined {
    return this.w.opcode === Opcode.text ? textOf(this.w) : undefined;
  }
}

const NO_DIAGNOSTICS: readonly { readonly code: string; readonly severity: string }[] = [];

function ruleName(i: number): string {
  return `--rule ${i + 1}`;
}

function textOf(w: Working): string {
  return (w.text ??= decoder.decode(w.data));
}

function setText(w: Working, text: string): void {
  w.text = text;
  w.data = encoder.encode(text);
  w.changed = true;
}

/** An array's element index for a path key (`[1]` or `["1"]`, as the filter reads it); a name such as `length` is none. */
function elementIndex(key: string | number): number | undefined {
  if (typeof key === 'number') return key;
  return /^\d+$/.test(key) ? Number(key) : undefined;
}

/**
 * The member at key, the node's own only: `__proto__`, `constructor` or `prototype` in a path
 * name a key of the message's JSON, never what a JS object inherits (`set json.__proto__.x`
 * walked into Object.prototype and changed every object in the proxy). On an array a key is
 * an element index or nothing (`length` is no member of JSON).
 */
function member(node: object, key: string | number): unknown {
  if (Array.isArray(node)) {
    const i = elementIndex(key);
    return i === undefined ? undefined : (node[i] as unknown);
  }
  return Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
}

/**
 * Sets the node's own member (defined, not assigned: assigning `__proto__` would change the
 * object's prototype instead of adding the key). False when an array has no such element slot:
 * an index beyond the element after the last (JSON has no holes: each index between would be
 * written as null — `set json.a[100000000]` made one 8-byte message 500 MB).
 */
function setMember(node: object, key: string | number, value: unknown): boolean {
  if (Array.isArray(node)) {
    const i = elementIndex(key);
    if (i === undefined || i > node.length) return false;
    node[i] = value;
    return true;
  }
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
  return true;
}

/**
 * set/del on a text message that is JSON, on its own keys only (anything else, an index past
 * an array's end, or a name on an array, is left alone).
 */
function editJson(w: Working, a: { kind: 'set' | 'del'; path: RuleJsonPath; value?: unknown }): void {
  if (w.opcode !== Opcode.text || a.path.length === 0) return;
  const text = textOf(w);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return;
  }
  const last = a.path[a.path.length - 1];
  // JSON.stringify gives the text back when every number is as it would write it (the usual
  // case, and the fast one); else the numbers are kept as written (2^64-1, 1.50, 1e400) and
  // the rest stays as it was: parsed again with lossless-json
  // (so does a rule's value with a number a double cannot hold)
  let stringify: (value: unknown) => string | undefined = JSON.stringify;
  let isNumber = (_v: unknown): boolean => false;
  if (JSON.stringify(root) !== text || (a.kind === 'set' && holdsExactNumber(a.value))) {
    const l = lossless();
    stringify = (value) => l.stringify(value);
    isNumber = l.isLosslessNumber;
    try {
      root = l.parse(text);
    } catch {
      // valid JSON lossless-json refuses (a key twice with two values): JSON.parse's reading
    }
  }
  // a node is an object or array of the message's own (not a LosslessNumber)
  const isNode = (v: unknown): v is Record<string | number, unknown> =>
    typeof v === 'object' && v !== null && !isNumber(v);
  if (a.kind === 'set') {
    let node = root;
    for (let i = 0; i < a.path.length - 1; i++) {
      if (!isNode(node)) return;
      const key = a.path[i];
      let next = member(node, key);
      if (!isNode(next)) {
        next = typeof a.path[i + 1] === 'number' ? [] : {};
        if (!setMember(node, key, next)) return;
      }
      node = next;
    }
    if (!isNode(node) || !setMember(node, last, a.value)) return;
  } else {
    let node = root;
    for (let i = 0; i < a.path.length - 1; i++) {
      if (!isNode(node)) return;
      node = member(node, a.path[i]);
    }
    if (!isNode(node)) return;
    if (Array.isArray(node)) {
      const i = elementIndex(last);
      if (i === undefined || i >= node.length) return;
      node.splice(i, 1);
    } else {
      if (!Object.hasOwn(node, last)) return;
      delete (node as Record<string | number, unknown>)[last];
    }
  }
  const after = stringify(root);
  // the same text again (a value set to what it was): the message is not changed, nor listed so
  if (after !== undefined && after !== text) setText(w, after);
}

/** Whether a rule's JSON value holds a number kept as written (one a double cannot hold). */
function holdsExactNumber(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (lossless().isLosslessNumber(v)) return true;
  return Object.values(v).some(holdsExactNumber);
}
