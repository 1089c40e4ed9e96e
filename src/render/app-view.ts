// What an application view understood of a message (MessageEvent.app, .pair), as text: one
// line per unit for listings, a block with the fields as pretty JSON for -V, and as JSON
// for --json ("Application views" of docs/json-output.md). Big integers are written exactly;
// bytes as {"hex": "…"}. Everything from the wire is escaped for the terminal.
// Layer rule: render/ — pure string building.
import type { AppAnswer, AppAnswers, AppInfo, AppItem, AppPair, AppValue } from '../session/events.js';
import { escapeForTerminal } from './escape.js';
import { jsonString } from './json-encoder.js';
import type { Style } from './style.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(bytes: Uint8Array, max: number): string {
  let s = '';
  for (let i = 0; i < Math.min(bytes.length, max); i++) s += HEX[bytes[i]];
  return s;
}

/**
 * Arrays and objects nested deeper are written as "…", as toAppValue cuts MessagePack and CBOR
 * values: a message of 10 000 nested brackets would overflow the stack here, and its -V
 * indentation grows with the square of the depth.
 */
const MAX_DEPTH = 64;

/** A decoded value as JSON (compact, or indented by `indent` spaces), big integers exact. */
export function appValueJson(value: AppValue, indent = 0, maxBytes = Infinity, depth = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  if (depth > MAX_DEPTH && !(value instanceof Uint8Array)) return jsonString('…');
  const nl = indent === 0 ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const end = indent === 0 ? '' : '\n' + ' '.repeat(indent * depth);
  const colon = indent === 0 ? ':' : ': ';
  if (value instanceof Uint8Array) return `{"hex"${colon}"${hex(value, maxBytes)}"}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[' + value.map((v) => nl + appValueJson(v as AppValue, indent, maxBytes, depth + 1)).join(',') + end + ']';
  }
  const entries = Object.entries(value as Record<string, AppValue>);
  if (entries.length === 0) return '{}';
  return (
    '{' +
    entries.map(([k, v]) => nl + jsonString(k) + colon + appValueJson(v, indent, maxBytes, depth + 1)).join(',') +
    end +
    '}'
  );
}

function itemJson(item: AppItem, maxBytes: number): string {
  let s = `{"kind":${jsonString(item.kind)},"summary":${jsonString(item.summary)}`;
  for (const [k, v] of Object.entries(item.fields)) s += `,${jsonString(k)}:${appValueJson(v, 0, maxBytes)}`;
  return s + '}';
}

/** `,"app":{…}` and `,"pair":{…}` of a message's JSON (empty when it has neither). */
export function appJsonFields(app: AppInfo | undefined, pair: AppPair | undefined, maxBytes: number): string {
  let s = '';
  if (app !== undefined)
    s += `,"app":{"protocol":${jsonString(app.protocol)},"items":[${app.items.map((i) => itemJson(i, maxBytes)).join(',')}]}`;
  if (pair !== undefined)
    s += `,"pair":{"conn":${pair.conn},"index":${pair.index},"latencyMs":${pair.latencyMs ?? 'null'},"request":${jsonString(pair.request)}}`;
  return s;
}

/** The listing's lines of a message's units (keep-alives left out unless `heartbeats`); none for plain JSON. */
export function appSummaryLines(app: AppInfo, style: Style, heartbeats: boolean): string[] {
  if (app.protocol === 'json') return [];
  const out: string[] = [];
  for (const item of app.items) {
    if (item.heartbeat === true && !heartbeats) continue;
    out.push(`${style.dim('↳')} ${style.bold(app.protocol)} ${escapeForTerminal(item.summary)}`);
  }
  return out;
}

/** -V: the units of a message, each with its fields as pretty JSON, and its pairing. */
export function renderAppDetail(
  app: AppInfo,
  pair: AppPair | undefined,
  style: Style,
  maxBytes: number,
  answers?: AppAnswers,
): string {
  const lines: string[] = [style.heading(`Application (${app.protocol})`)];
  for (const item of app.items) {
    // plain JSON: the value alone (its summary is the same text, compact)
    if (app.protocol !== 'json')
      lines.push(`  ${style.bold(escapeForTerminal(item.kind))}: ${escapeForTerminal(item.summary)}`);
    for (const [k, v] of Object.entries(item.fields)) {
      const json = appValueJson(v, 2, maxBytes)
        .split('\n')
        .map((l) => paintJsonLine(escapeForTerminal(l), style));
      lines.push(`    ${style.key(k)}: ${json[0]}`, ...json.slice(1).map((l) => '    ' + l));
    }
    const p = item.pair ?? (app.items.length === 1 ? pair : undefined);
    if (p !== undefined) lines.push(`    ${style.derived(pairText(p))}`);
  }
  if (answers !== undefined && app.items.some((i) => i.awaits === true))
    lines.push(`  ${style.derived(answersText(answers))}`);
  return lines.join('\n');
}

/**
 * "answered by frame #5 (2.257 ms later)"; "4 answers: frame #4 (next, 2.257 ms later), #5
 * (next, …), …"; "no answer (the connection ended)".
 */
export function answersText(a: AppAnswers): string {
  const limit = typeof a.until === 'object' ? `looked ${a.until.messages} messages ahead` : null;
  if (a.count === 0) {
    if (a.until === 'pending') return 'no answer yet';
    return `no answer (${limit ?? (a.until === 'input-ended' ? 'the capture ends first' : 'the connection ended')})`;
  }
  const one = (x: AppAnswer, kind: boolean): string => {
    const parts = [kind ? escapeForTerminal(x.kind) : '', x.error ? 'an error' : '', latencyText(x.latencyMs)].filter(
      (t) => t !== '',
    );
    return `#${x.index}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
  };
  const open = limit !== null ? ` (${limit}: there may be more)` : a.until === 'pending' ? ' (so far)' : '';
  if (a.count === 1) return `answered by frame ${one(a.found[0], false)}${open}`;
  const more = a.count - a.found.length;
  return `${a.count} answers: frame ${a.found.map((x) => one(x, true)).join(', ')}${more > 0 ? `, and ${more} more` : ''}${open}`;
}

function latencyText(ms: number | null): string {
  return ms === null ? '' : `${ms} ms later`;
}

/** One line of indented JSON (as appValueJson writes it) with keys, strings and other values painted. */
const JSON_LINE = /^(\s*)("(?:[^"\\]|\\.)*": )?(.*?)(,?)$/;

export function paintJsonLine(line: string, style: Style): string {
  if (!style.color) return line;
  const m = JSON_LINE.exec(line);
  if (m === null) return line;
  const [, indent, key, value, comma] = m;
  const painted = /^[[\]{}]*$/.test(value) ? value : value.startsWith('"') ? style.opcode(value) : style.len(value);
  return indent + (key === undefined ? '' : style.key(key.slice(0, -2)) + ': ') + painted + comma;
}

function pairText(p: AppPair): string {
  const latency = p.latencyMs === null ? '' : `, ${latencyText(p.latencyMs)}`;
  return `answers ${p.request} (connection ${p.conn}, message at frame #${p.index}${latency})`;
}
