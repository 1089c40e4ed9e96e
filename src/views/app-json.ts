// JSON for the application views: parsed without losing big integers (an id of 2^64-1 stays
// 18446744073709551615, not 18446744073709552000), and written back compactly for summaries.
// JSON.parse does the common text (no run of 16 digits: no integer it could round);
// lossless-json (josdejong/lossless-json, a maintained lossless parser) the rest.
// Layer rule: views/ — pure; may use parser packages.
import { parse as losslessParse, isSafeNumber } from 'lossless-json';
import type { AppValue } from '../session/events.js';

/** A number of 16 digits or more (after a delimiter, not inside a word): one JSON.parse may round. */
const LONG_DIGITS = /(?:^|[:[,\s-])\d{16}/;

function number(text: string): number | bigint {
  if (/^-?\d+$/.test(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

/** The JSON value of `text`, or an Error (never thrown) saying why it is not JSON. */
export function parseJson(text: string): AppValue | Error {
  try {
    if (!LONG_DIGITS.test(text)) return JSON.parse(text) as AppValue;
  } catch (error) {
    return error as Error;
  }
  try {
    return losslessParse(text, null, number) as AppValue;
  } catch (error) {
    // lossless-json refuses duplicate keys JSON.parse accepts (the last one wins)
    try {
      return JSON.parse(text) as AppValue;
    } catch {
      return error as Error;
    }
  }
}

export function isObject(v: AppValue | undefined): v is { readonly [key: string]: AppValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexOf(bytes: Uint8Array, max = Infinity): string {
  let s = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) s += HEX[bytes[i]];
  return s;
}

/**
 * Compact JSON of a value (big integers exact, bytes as <N bytes>), cut to about `max`
 * characters with an ellipsis: the one-line summaries of the listing.
 */
export function compact(value: AppValue | undefined, max = 200): string {
  const out: string[] = [];
  let length = 0;
  const put = (s: string): boolean => {
    out.push(s);
    length += s.length;
    return length <= max;
  };
  const walk = (v: AppValue | undefined): boolean => {
    if (v === undefined || v === null) return put('null');
    if (typeof v === 'string') return put(JSON.stringify(v));
    if (typeof v === 'number' || typeof v === 'boolean') return put(String(v));
    if (typeof v === 'bigint') return put(v.toString());
    if (v instanceof Uint8Array) return put(`<${v.length} bytes>`);
    if (Array.isArray(v)) {
      if (!put('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(',')) || !walk(v[i])) return false;
      return put(']');
    }
    if (!put('{')) return false;
    let first = true;
    for (const [k, x] of Object.entries(v as Record<string, AppValue>)) {
      if ((!first && !put(',')) || !put(JSON.stringify(k) + ':') || !walk(x)) return false;
      first = false;
    }
    return put('}');
  };
  walk(value);
  const s = out.join('');
  return s.length > max ? s.slice(0, max) + '…' : s;
}
