// The MessagePack view: each binary message as one MessagePack value (@msgpack/msgpack, the
// format's reference implementation for JavaScript; 64-bit integers as exact bigints), or
// several values when the message holds a sequence of them.
// Layer rule: views/ — pure.
import type * as Msgpack from '@msgpack/msgpack';
import { lazyPackage } from './lazy-package.js';
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, MessageEvent } from '../session/events.js';
import { compact } from './app-json.js';
import { toAppValue } from './binary-values.js';
import type { ConnectionView, Decoded } from './view.js';

const msgpack = lazyPackage<typeof Msgpack>('@msgpack/msgpack');
let decoder: Msgpack.Decoder | null = null;

export function msgpackValues(bytes: Uint8Array): unknown[] {
  const { Decoder, ExtData } = msgpack();
  decoder ??= new Decoder({
    useBigInt64: true,
    // keys that are not strings (numbers, binary) are kept as their text
    mapKeyConverter: (key: unknown) => (typeof key === 'string' || typeof key === 'number' ? key : String(key)),
  });
  const out: unknown[] = [];
  for (const v of decoder.decodeMulti(bytes)) out.push(v instanceof ExtData ? { ext: v.type, data: v.data } : v);
  return out;
}

export function msgpackView(): ConnectionView {
  return {
    protocol: 'msgpack',
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode !== 2) return { app: null, diagnostics: [] };
      try {
        const items: AppItem[] = msgpackValues(msg.data).map((v) => {
          const value = toAppValue(v);
          return { kind: 'value', summary: compact(value), fields: { value } };
        });
        if (items.length === 0) throw new Error('empty message');
        return { app: { protocol: 'msgpack', items }, diagnostics: [] };
      } catch (error) {
        return {
          app: null,
          diagnostics: [diagnostic('msgpack.invalid', `not MessagePack: ${(error as Error).message}`)],
        };
      }
    },
  };
}
