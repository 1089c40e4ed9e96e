// Is a message the one a recording expected? Text that parses as JSON on both sides is compared
// structurally (key order and spacing do not matter), with `--ignore json.PATH` leaving out the
// fields that vary from run to run (timestamps, ids); other text and binary data byte for byte.
// Each difference is named: the JSON paths that differ, or the first character or byte that does.
// Layer rule: session/ — pure logic, no I/O.

export interface ComparedMessage {
  readonly opcode: number;
  readonly data: Uint8Array;
  readonly text?: string;
}

export interface Comparison {
  readonly equal: boolean;
  /** JSON paths that differ (`json.items[0].id`), for JSON on both sides. */
  readonly paths: readonly string[];
  /** One line: what differs. Empty when equal. */
  readonly detail: string;
}

/** A parsed --ignore path: keys and indexes, `*` for any. */
export type JsonPath = readonly (string | number)[];

/** `json.a.b[2]`, `json.items[*].ts`, `json["odd key"]` → segments; null when it is not a path. */
export function parseJsonPath(text: string): JsonPath | null {
  const m = /^json(.*)$/.exec(text.trim());
  if (m === null) return null;
  const out: (string | number)[] = [];
  const re = /\.([A-Za-z_$*][\w$-]*)|\[(\d+|\*)\]|\["((?:[^"\\]|\\.)*)"\]/y;
  const rest = m[1];
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const t = re.exec(rest);
    if (t === null) return null;
    if (t[1] !== undefined) out.push(t[1]);
    else if (t[2] !== undefined) out.push(t[2] === '*' ? '*' : Number(t[2]));
    else out.push(JSON.parse(`"${t[3]}"`) as string);
    at = re.lastIndex;
  }
  return out.length === 0 ? null : out;
}

function formatPath(path: readonly (string | number)[]): string {
  let s = 'json';
  for (const p of path)
    s += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return s;
}

function ignored(path: readonly (string | number)[], ignore: readonly JsonPath[]): boolean {
  return ignore.some((ip) => ip.length <= path.length && ip.every((seg, i) => seg === '*' || seg === path[i]));
}

const MAX_PATHS = 20;

function diffJson(a: unknown, b: unknown, path: (string | number)[], ignore: readonly JsonPath[], out: string[]): void {
  if (out.length >= MAX_PATHS || ignored(path, ignore)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) {
        if (!ignored([...path, i], ignore)) out.push(formatPath([...path, i]));
      } else diffJson(a[i], b[i], [...path, i], ignore, out);
    }
    return;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in a) || !(k in b)) {
        if (!ignored([...path, k], ignore)) out.push(formatPath([...path, k]));
      } else diffJson(a[k], b[k], [...path, k], ignore, out);
    }
    return;
  }
  if (!Object.is(a, b)) out.push(formatPath(path));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

function quote(text: string, at: number): string {
  const from = Math.max(0, at - 10);
  const piece = text.slice(from, at + 20);
  return JSON.stringify((from > 0 ? '…' : '') + piece + (at + 20 < text.length ? '…' : ''));
}

export function compareMessages(
  expected: ComparedMessage,
  actual: ComparedMessage,
  ignore: readonly JsonPath[] = [],
): Comparison {
  const kind = (m: ComparedMessage) => (m.opcode === 1 ? 'text' : 'binary');
  if (expected.opcode !== actual.opcode)
    return { equal: false, paths: [], detail: `${kind(actual)}, where the recording has ${kind(expected)}` };
  if (expected.opcode === 1) {
    const e = expected.text ?? new TextDecoder().decode(expected.data);
    const a = actual.text ?? new TextDecoder().decode(actual.data);
    const ej = parseJson(e);
    const aj = parseJson(a);
    if (ej.ok && aj.ok) {
      const paths: string[] = [];
      diffJson(ej.value, aj.value, [], ignore, paths);
      return paths.length === 0
        ? { equal: true, paths: [], detail: '' }
        : { equal: false, paths, detail: `JSON differs at ${paths.join(', ')}` };
    }
    if (e === a) return { equal: true, paths: [], detail: '' };
    let i = 0;
    while (i < e.length && i < a.length && e[i] === a[i]) i++;
    return {
      equal: false,
      paths: [],
      detail: `text differs at character ${i}: expected ${quote(e, i)}, got ${quote(a, i)}`,
    };
  }
  const e = expected.data;
  const a = actual.data;
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  if (i === e.length && i === a.length) return { equal: true, paths: [], detail: '' };
  return {
    equal: false,
    paths: [],
    detail:
      i < e.length && i < a.length
        ? `bytes differ at offset ${i}: expected ${e[i].toString(16).padStart(2, '0')}, got ${a[i].toString(16).padStart(2, '0')}`
        : `${a.length} bytes, where the recording has ${e.length}`,
  };
}
