// The CBOR view (RFC 8949): each binary message as CBOR values, decoded by cborg (maintained,
// strict by default; maps with non-string keys kept; big integers exact as bigint).
// cborg loads on first use (lazy-package.ts): `wsinspect hex …` and listings without CBOR never load it.
// Layer rule: views/ — pure.
import type * as Cborg from 'cborg';
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, MessageEvent } from '../session/events.js';
import { compact } from './app-json.js';
import { toAppValue } from './binary-values.js';
import { lazyEsmPackage } from './lazy-package.js';
import type { ConnectionView, Decoded } from './view.js';

const cborg = lazyEsmPackage<typeof Cborg>('cborg');

const OPTIONS = { useMaps: true, rejectDuplicateMapKeys: false } as const;

export function cborValues(bytes: Uint8Array): unknown[] {
  const out: unknown[] = [];
  const { decodeFirst } = cborg();
  let rest = bytes;
  while (rest.length > 0 && out.length < 1000) {
    const [value, remainder] = decodeFirst(rest, OPTIONS);
    out.push(value);
    rest = remainder;
  }
  return out;
}

export function cborView(): ConnectionView {
  return {
    protocol: 'cbor',
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode !== 2) return { app: null, diagnostics: [] };
      try {
        const items: AppItem[] = cborValues(msg.data).map((v) => {
          const value = toAppValue(v);
          return { kind: 'value', summary: compact(value), fields: { value } };
        });
        if (items.length === 0) throw new Error('empty message');
        return { app: { protocol: 'cbor', items }, diagnostics: [] };
      } catch (error) {
        return { app: null, diagnostics: [diagnostic('cbor.invalid', `not CBOR: ${(error as Error).message}`)] };
      }
    },
  };
}
