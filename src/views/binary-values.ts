// Values of the binary views (MessagePack, CBOR) as AppValues: maps with keys that are not
// strings become objects keyed by the key's text, extension types and tags a small object.
// Layer rule: views/ — pure.
import type { AppValue } from '../session/events.js';

export function toAppValue(v: unknown, depth = 0): AppValue {
  if (depth > 64) return '…';
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => toAppValue(x, depth + 1));
  if (v instanceof Map) {
    const out: Record<string, AppValue> = {};
    for (const [k, x] of v) out[typeof k === 'string' ? k : keyText(k)] = toAppValue(x, depth + 1);
    return out;
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out: Record<string, AppValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toAppValue(x, depth + 1);
    return out;
  }
  return String(v);
}

function keyText(k: unknown): string {
  if (k instanceof Uint8Array) return `<${k.length} bytes>`;
  try {
    return typeof k === 'object'
      ? JSON.stringify(toAppValue(k), (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))
      : String(k);
  } catch {
    return String(k);
  }
}
