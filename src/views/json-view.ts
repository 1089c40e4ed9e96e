// The JSON view: a text message's JSON value (big integers exact), compact in summaries.
// A listing needs only to know that a message is JSON (its frame line shows the text), so the
// bytes are scanned (json-scan.ts) and the value parsed when a field or the summary is read
// (--json, -V, --stats of another kind, the UI): JSON.parse of every message, and its garbage,
// was most of what views cost a listing of JSON traffic.
// Layer rule: views/ — pure.
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppValue, MessageEvent } from '../session/events.js';
import { compact, parseJson } from './app-json.js';
import { scanJson } from './json-scan.js';
import { NO_DIAGNOSTICS, textOf, type ConnectionView, type Decoded } from './view.js';

/** A message's JSON value, parsed on first read (the scan found it valid). */
class JsonValueItem implements AppItem {
  readonly kind = 'value';
  private parsed: { readonly value: AppValue } | undefined = undefined;

  constructor(private readonly msg: MessageEvent) {}

  get fields(): { readonly value: AppValue } {
    return (this.parsed ??= { value: parseJson(textOf(this.msg)!) as AppValue });
  }

  get summary(): string {
    return compact(this.fields.value);
  }
}

/** strict: every text message should be JSON; otherwise (chosen by a first message) only what looks like it. */
export function jsonView(strict: boolean): ConnectionView {
  return {
    protocol: 'json',
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode !== 1) return { app: null, diagnostics: NO_DIAGNOSTICS };
      if (scanJson(msg.data, 0, msg.data.length, false))
        return { app: { protocol: 'json', items: [new JsonValueItem(msg)] }, diagnostics: NO_DIAGNOSTICS };
      const text = textOf(msg)!;
      const value = parseJson(text);
      if (!(value instanceof Error))
        return { app: { protocol: 'json', items: [new JsonValueItem(msg)] }, diagnostics: [] };
      if (!strict && !/^\s*[[{]/.test(text)) return { app: null, diagnostics: [] };
      return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${value.message}`)] };
    },
  };
}
