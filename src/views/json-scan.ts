// A JSON text checked by scanning its UTF-8 bytes, without building its value: whether
// JSON.parse would accept it, and whether it is already in the compact form compact() writes
// back (so a summary can be the text itself). A listing's views ask only that of most
// messages; the value is parsed when a field is actually read (--json, -V, a filter).
// Layer rule: views/ — pure.

/** What the last scanJson call found (valid texts only); one object, reused: no garbage per message. */
export const scanned = {
  /**
   * compact(parseJson(text)) === text, and the text is printable ASCII without a backslash
   * (escapeForTerminal leaves it as it is): no whitespace, escapes, DEL or non-ASCII, plain
   * integers, keys that keep their order.
   */
  canonical: false,
  /** The first byte of the top-level value ('{', '[', '"', a digit…). */
  top: 0,
  /** A top-level array's first comma (the end of its first element), or -1. */
  firstComma: -1,
};

const enum Ch {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Plus = 0x2b,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  OpenSquare = 0x5b,
  Backslash = 0x5c,
  CloseSquare = 0x5d,
  OpenCurly = 0x7b,
  CloseCurly = 0x7d,
}

/** Per nesting level: 1 in an object, 2 in an array. */
let containers = new Uint8Array(64);
/** Per object level: where its keys start in `keys`. */
let keyBase = new Int32Array(64);
/** Start and end offsets of the keys of the open objects (duplicates are not canonical). */
let keys = new Int32Array(64);
let nkeys = 0;
/** The end of the key member() scanned last. */
let memberKeyEnd = 0;

const WS = new Uint8Array(256).map((_, c) => (c === Ch.Space || c === Ch.Lf || c === Ch.Cr || c === Ch.Tab ? 1 : 0));
/** Whitespace: compared first (most bytes are above the space), the table only for the few below. */
const isWs = (c: number): boolean => c <= Ch.Space && WS[c] === 1;
const isDigit = (c: number): boolean => c >= Ch.Zero && c <= Ch.Nine;
const isHex = (c: number): boolean =>
  (c >= Ch.Zero && c <= Ch.Nine) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

function grow<T extends Uint8Array | Int32Array>(a: T, need: number): T {
  if (need < a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need + 1, a.length * 2));
  b.set(a);
  return b;
}

function sameBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/**
 * True when JSON.parse would accept the UTF-8 text `b[start, end)` (after a byte order mark,
 * which decoding drops); `scanned` then says more (`canonical` only when `shape` is asked). Never allocates for texts nested less
 * than 64 deep.
 */
export function scanJson(b: Uint8Array, start = 0, end = b.length, shape = true): boolean {
  let p = start;
  if (p === 0 && end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) p = 3;
  // once not canonical, no key is kept (nothing else is asked of the keys)
  let canonical = shape && p === start;
  let depth = 0;
  nkeys = 0;
  let firstComma = -1;
  while (p < end && isWs(b[p])) {
    p++;
    canonical = false;
  }
  if (p >= end) return false;
  const top = b[p];
  // a value is expected at p (after '[', ',' or ':', or at the top)
  for (;;) {
    let c = b[p];
    // one value
    if (c === Ch.OpenCurly || c === Ch.OpenSquare) {
      if (depth >= containers.length) containers = grow(containers, depth + 1);
      containers[depth] = c === Ch.OpenCurly ? 1 : 2;
      if (c === Ch.OpenCurly) {
        if (depth >= keyBase.length) keyBase = grow(keyBase, depth + 1);
        if (canonical) keyBase[depth] = nkeys;
      }
      depth++;
      p++;
      while (p < end && isWs(b[p])) {
        p++;
        canonical = false;
      }
      if (p >= end) return false;
      const close = c === Ch.OpenCurly ? Ch.CloseCurly : Ch.CloseSquare;
      if (b[p] === close) {
        depth--;
        if (c === Ch.OpenCurly && canonical) nkeys = keyBase[depth];
        p++;
      } else if (c === Ch.OpenCurly) {
        const v = member(b, p, end);
        if (v < 0) return false;
        if (v >= KEY_NOT_CANONICAL) canonical = false;
        else if (canonical) keepKey(b, p, keyBase[depth - 1]);
        p = v & KEY_END;
        continue;
      } else continue;
    } else if (c === Ch.Quote) {
      // a plain string here, anything else (escapes, controls, non-ASCII) by string()
      let q = p + 1;
      while (q < end && STRING_STOP[b[q]] === 0) q++;
      if (q < end && b[q] === Ch.Quote) p = q + 1;
      else {
        const e = string(b, p, end);
        if (e < 0) return false;
        if (e >= KEY_NOT_CANONICAL) canonical = false;
        p = e & KEY_END;
      }
    } else if (c === Ch.Minus || isDigit(c)) {
      // an integer not starting with 0 here, anything else by number()
      let q = c === Ch.Minus ? p + 1 : p;
      const d0 = q;
      let next = -1;
      if (q < end && b[q] > Ch.Zero && b[q] <= Ch.Nine) {
        q++;
        while (q < end && isDigit(b[q])) q++;
        next = q < end ? b[q] : 0;
      }
      if (next >= 0 && next !== Ch.Dot && next !== 0x65 && next !== 0x45) {
        if (q - d0 > 15) canonical = false;
        p = q;
      } else {
        const e = number(b, p, end);
        if (e < 0) return false;
        if (e >= KEY_NOT_CANONICAL) canonical = false;
        p = e & KEY_END;
      }
    } else if (c === 0x74) {
      if (!(p + 4 <= end && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65)) return false;
      p += 4;
    } else if (c === 0x66) {
      if (!(p + 5 <= end && b[p + 1] === 0x61 && b[p + 2] === 0x6c && b[p + 3] === 0x73 && b[p + 4] === 0x65))
        return false;
      p += 5;
    } else if (c === 0x6e) {
      if (!(p + 4 <= end && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c)) return false;
      p += 4;
    } else return false;
    // after a value: ',' or the container's end, repeatedly
    for (;;) {
      while (p < end && isWs(b[p])) {
        p++;
        canonical = false;
      }
      if (depth === 0) {
        if (p !== end) return false;
        scanned.canonical = canonical;
        scanned.top = top;
        scanned.firstComma = firstComma;
        return true;
      }
      if (p >= end) return false;
      c = b[p];
      const inObject = containers[depth - 1] === 1;
      if (c === Ch.Comma) {
        if (depth === 1 && firstComma < 0 && !inObject) firstComma = p;
        p++;
        while (p < end && isWs(b[p])) {
          p++;
          canonical = false;
        }
        if (p >= end) return false;
        if (inObject) {
          const v = member(b, p, end);
          if (v < 0) return false;
          if (v >= KEY_NOT_CANONICAL || (canonical && !keepKey(b, p, keyBase[depth - 1]))) canonical = false;
          p = v & KEY_END;
        }
        break; // a value follows
      }
      if (c !== (inObject ? Ch.CloseCurly : Ch.CloseSquare)) return false;
      depth--;
      if (inObject && canonical) nkeys = keyBase[depth];
      p++;
    }
  }
}

/**
 * An object member's key at p, its ':' and the whitespace around it: the offset of its value,
 * flagged when not in compact()'s form (whitespace, escapes, a leading digit); -1 when not JSON.
 * The key's end is left in memberKeyEnd. A plain key is scanned here (a call per string cost
 * more than its scan).
 */
function member(b: Uint8Array, p: number, end: number): number {
  if (b[p] !== Ch.Quote) return -1;
  let flag = 0;
  let q = p + 1;
  while (q < end && STRING_STOP[b[q]] === 0) q++;
  if (q < end && b[q] === Ch.Quote) {
    q++;
    if (isDigit(b[p + 1])) flag = KEY_NOT_CANONICAL;
  } else {
    const k = key(b, p, end);
    if (k < 0) return -1;
    if (k >= KEY_NOT_CANONICAL) flag = KEY_NOT_CANONICAL;
    q = k & KEY_END;
  }
  memberKeyEnd = q;
  while (q < end && isWs(b[q])) {
    q++;
    flag = KEY_NOT_CANONICAL;
  }
  if (b[q] !== Ch.Colon) return -1;
  q++;
  while (q < end && isWs(b[q])) {
    q++;
    flag = KEY_NOT_CANONICAL;
  }
  if (q >= end) return -1;
  return q | flag;
}

/** Keeps the key at p (ending at memberKeyEnd) for its object, whose keys start at `base`; false when it has it already. */
function keepKey(b: Uint8Array, p: number, base: number): boolean {
  for (let i = base; i < nkeys; i++) if (sameBytes(b, keys[i * 2], keys[i * 2 + 1], p, memberKeyEnd)) return false;
  if (nkeys * 2 + 2 > keys.length) keys = grow(keys, nkeys * 2 + 2);
  keys[nkeys * 2] = p;
  keys[nkeys * 2 + 1] = memberKeyEnd;
  nkeys++;
  return true;
}

/** Set on a returned end offset: valid, but not in compact()'s form. */
const KEY_NOT_CANONICAL = 1 << 30;
const KEY_END = KEY_NOT_CANONICAL - 1;

/** A key at p: its string's end, flagged when an array index could reorder it (a leading digit). */
function key(b: Uint8Array, p: number, end: number): number {
  if (b[p] !== Ch.Quote) return -1;
  const e = string(b, p, end);
  if (e < 0) return -1;
  return p + 1 < end && isDigit(b[p + 1]) ? (e & KEY_END) | KEY_NOT_CANONICAL : e;
}

/** Bytes a string's scan stops at: 1 for '"', '\\' and controls, 2 for DEL and non-ASCII (not canonical: a summary escapes them); 0 for the rest. */
const STRING_STOP = new Uint8Array(256).map((_, c) =>
  c === Ch.Quote || c === Ch.Backslash || c < 0x20 ? 1 : c >= 0x7f ? 2 : 0,
);

/** A string at p (its '"'): the offset after its closing quote, flagged when it has escapes or non-ASCII. */
function string(b: Uint8Array, p: number, end: number): number {
  let plain = true;
  p++;
  while (p < end) {
    // the plain run first: most of a JSON text is in its strings
    while (p < end && STRING_STOP[b[p]] === 0) p++;
    if (p >= end) return -1;
    const c = b[p];
    if (c === Ch.Quote) return plain ? p + 1 : (p + 1) | KEY_NOT_CANONICAL;
    if (c < 0x20) return -1;
    if (c === Ch.Backslash) {
      plain = false;
      const e = b[p + 1];
      if (e === 0x75) {
        if (!(p + 5 < end && isHex(b[p + 2]) && isHex(b[p + 3]) && isHex(b[p + 4]) && isHex(b[p + 5]))) return -1;
        p += 6;
        continue;
      }
      if (!(
        e === Ch.Quote ||
        e === Ch.Backslash ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ))
        return -1;
      p += 2;
      continue;
    }
    if (c >= 0x7f) plain = false;
    p++;
  }
  return -1;
}

/** A number at p: its end, flagged unless a plain integer of at most 15 digits (not -0). */
function number(b: Uint8Array, p: number, end: number): number {
  const s = p;
  if (b[p] === Ch.Minus) p++;
  const d0 = p;
  if (p >= end || !isDigit(b[p])) return -1;
  if (b[p] === Ch.Zero) p++;
  else while (p < end && isDigit(b[p])) p++;
  let plain = p - d0 <= 15 && !(b[s] === Ch.Minus && b[d0] === Ch.Zero);
  if (p < end && b[p] === Ch.Dot) {
    plain = false;
    p++;
    if (p >= end || !isDigit(b[p])) return -1;
    while (p < end && isDigit(b[p])) p++;
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    plain = false;
    p++;
    if (p < end && (b[p] === Ch.Plus || b[p] === Ch.Minus)) p++;
    if (p >= end || !isDigit(b[p])) return -1;
    while (p < end && isDigit(b[p])) p++;
  }
  return plain ? p : p | KEY_NOT_CANONICAL;
}
