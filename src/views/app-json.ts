// JSON for the application views: parsed without losing big integers (an id of 2^64-1 stays
// 18446744073709551615, not 18446744073709552000), and written back compactly for summaries.
// JSON.parse does the common text (no run of 16 digits: no integer it could round);
// lossless-json (josdejong/lossless-json, a maintained lossless parser) the rest.
// Layer rule: views/ — pure; may use parser packages.
import type * as LosslessJson from 'lossless-json';
import { lazyPackage } from './lazy-package.js';

const lossless = lazyPackage<typeof LosslessJson>('lossless-json');
import type { AppValue } from '../session/events.js';

/** A number of 16 digits or more (after a delimiter, not inside a word): one JSON.parse may round. */
const LONG_DIGITS = /(?:^|[:[,\s-])\d{16}/;

function number(text: string): number | bigint {
  if (/^-?\d+$/.test(text) && !lossless().isSafeNumber(text)) return BigInt(text);
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
    return lossless().parse(text, null, number) as AppValue;
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
  // one growing string (no array of parts): the summaries of a busy listing are made per message
  let s = '';
  const walk = (v: AppValue | undefined): boolean => {
    // checked before going down, not only on the way back: each level adds a character, so the
    // recursion stops within `max` levels however deep the value is nested
    if (s.length > max) return false;
    if (v === undefined || v === null) s += 'null';
    else if (typeof v === 'string') s += JSON.stringify(v);
    else if (typeof v === 'number' || typeof v === 'boolean') s += String(v);
    else if (typeof v === 'bigint') s += v.toString();
    else if (v instanceof Uint8Array) s += `<${v.length} bytes>`;
    else if (Array.isArray(v)) {
      s += '[';
      for (let i = 0; i < v.length; i++) {
        if (i > 0) s += ',';
        if (!walk(v[i] as AppValue)) return false;
      }
      s += ']';
    } else {
      s += '{';
      let first = true;
      for (const k in v) {
        if (!first) s += ',';
        first = false;
        s += JSON.stringify(k) + ':';
        if (!walk((v as Record<string, AppValue>)[k])) return false;
      }
      s += '}';
    }
    return s.length <= max;
  };
  walk(value);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
