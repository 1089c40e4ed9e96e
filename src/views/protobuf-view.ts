// The protobuf view: binary messages as Protocol Buffers. Without a schema, a field tree
// (https://protobuf.dev/programming-guides/encoding/): each field {number, wireType, value} —
// a varint as its integer, fixed64/fixed32 as unsigned integers, a length-delimited field as a
// nested message when its bytes parse as one, else as text when they are UTF-8, else as bytes;
// groups nest. With `--proto FILE --proto-type NAME`, decoded by the schema with protobufjs
// (loaded on first use), 64-bit integers as exact text, and the field tree kept beside it.
// Layer rule: views/ — pure; may use parser packages (the schema arrives as text).
import type * as Protobuf from 'protobufjs';
import { lazyPackage } from './lazy-package.js';
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppValue, MessageEvent } from '../session/events.js';
import { compact } from './app-json.js';
import { toAppValue } from './binary-values.js';
import type { ConnectionView, Decoded, ProtoSchema, ViewHints } from './view.js';

export type { ProtoSchema } from './view.js';

const protobuf = lazyPackage<typeof Protobuf>('protobufjs');
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Nesting deeper than this is shown as bytes. */
const MAX_DEPTH = 32;

interface Field {
  number: number;
  wireType: number;
  value: AppValue;
}

class WireReader {
  constructor(
    readonly b: Uint8Array,
    public i = 0,
    readonly end = b.length,
  ) {}

  varint(): bigint {
    let v = 0n;
    for (let k = 0; k < 10; k++) {
      if (this.i >= this.end) throw new Error('varint cut short');
      const byte = this.b[this.i++];
      v |= BigInt(byte & 0x7f) << BigInt(7 * k);
      if ((byte & 0x80) === 0) return v;
    }
    throw new Error('varint longer than 10 bytes');
  }

  fixed(n: 4 | 8): bigint {
    if (this.i + n > this.end) throw new Error(`fixed${n * 8} cut short`);
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(this.b[this.i + k]);
    this.i += n;
    return v;
  }
}

const num = (v: bigint): AppValue => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** The fields from i to end; throws where the bytes are not a message. `group`: stop at its end-group tag. */
function fields(r: WireReader, depth: number, group: number | null = null): Field[] {
  const out: Field[] = [];
  while (r.i < r.end) {
    const key = r.varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new Error('field number 0');
    switch (wireType) {
      case 0:
        out.push({ number, wireType, value: num(r.varint()) });
        break;
      case 1:
        out.push({ number, wireType, value: num(r.fixed(8)) });
        break;
      case 5:
        out.push({ number, wireType, value: num(r.fixed(4)) });
        break;
      case 2: {
        const len = Number(r.varint());
        if (r.i + len > r.end) throw new Error(`field ${number}: length ${len} runs past the end`);
        const bytes = r.b.subarray(r.i, r.i + len);
        r.i += len;
        out.push({ number, wireType, value: lengthDelimited(bytes, depth) });
        break;
      }
      case 3:
        out.push({ number, wireType, value: fields(r, depth + 1, number).map(fieldValue) });
        break;
      case 4:
        if (group !== number) throw new Error(`end of group ${number} outside it`);
        return out;
      default:
        throw new Error(`field ${number}: wire type ${wireType} does not exist`);
    }
  }
  if (group !== null) throw new Error(`group ${group} never ended`);
  return out;
}

/** A nested message if the bytes are one (and not plain text), else text, else bytes. */
function lengthDelimited(bytes: Uint8Array, depth: number): AppValue {
  let text: string | null = null;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = null;
  }
  // printable text is text, even where its bytes would also parse as fields
  if (text !== null && /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text)) return text;
  if (bytes.length > 0 && depth < MAX_DEPTH) {
    try {
      return fields(new WireReader(bytes), depth + 1).map(fieldValue);
    } catch {
      // not a message
    }
  }
  return text ?? bytes.slice();
}

const fieldValue = (f: Field): AppValue => ({ number: f.number, wireType: f.wireType, value: f.value });

/** The schema's type, parsed once per schema text. */
const types = new Map<string, Protobuf.Type>();

/** The message type NAME of a .proto text; throws with the reason where it cannot. */
export function protoType(schema: ProtoSchema): Protobuf.Type {
  const key = `${schema.type}\0${schema.text}`;
  let t = types.get(key);
  if (t === undefined) {
    const { root } = protobuf().parse(schema.text, { keepCase: true });
    const found: Protobuf.ReflectionObject = root.lookupType(schema.type);
    // lookupType('') and lookupType('.') give the root namespace, which decodes nothing
    if (!(found instanceof protobuf().Type)) throw new Error(`no such type: ${schema.type}`);
    t = found;
    resolveUsed(t, new Set());
    types.set(key, t);
  }
  return t;
}

/**
 * Resolves the field types of `t` and of every type they use: a name the file does not define
 * (an import, a typo) is found once, when the schema is read, not on every message.
 */
function resolveUsed(t: Protobuf.Type, seen: Set<Protobuf.Type>): void {
  if (seen.has(t)) return;
  seen.add(t);
  t.resolveAll();
  for (const f of t.fieldsArray) if (f.resolvedType instanceof protobuf().Type) resolveUsed(f.resolvedType, seen);
}

function summaryOf(tree: readonly Field[]): string {
  return tree
    .slice(0, 8)
    .map((f) => `${f.number}:${Array.isArray(f.value) ? '{…}' : compact(f.value, 40)}`)
    .join(' ')
    .concat(tree.length > 8 ? ` …+${tree.length - 8}` : '');
}

export function protobufView(hints: ViewHints): ConnectionView {
  const schema = hints.proto ?? null;
  return {
    protocol: 'protobuf',
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode !== 2) return { app: null, diagnostics: [] };
      let tree: Field[];
      try {
        tree = fields(new WireReader(msg.data), 0);
      } catch (e) {
        return { app: null, diagnostics: [diagnostic('protobuf.invalid', `not protobuf: ${(e as Error).message}`)] };
      }
      const diagnostics: Diagnostic[] = [];
      const item: { kind: string; summary: string; fields: Record<string, AppValue> } = {
        kind: 'message',
        summary: summaryOf(tree),
        fields: { fields: tree.map(fieldValue) },
      };
      if (schema !== null) {
        try {
          const type = protoType(schema);
          const decoded = type.toObject(type.decode(msg.data), { longs: String, enums: String });
          const value = toAppValue(decoded);
          item.kind = type.name;
          item.summary = `${type.name} ${compact(value)}`;
          item.fields = { type: type.fullName.replace(/^\./, ''), value, fields: tree.map(fieldValue) };
        } catch (e) {
          diagnostics.push(
            diagnostic('protobuf.invalid', `not a ${schema.type} (${schema.file}): ${(e as Error).message}`),
          );
        }
      }
      return { app: { protocol: 'protobuf', items: [item as AppItem] }, diagnostics };
    },
  };
}
