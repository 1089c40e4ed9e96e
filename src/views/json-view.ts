// The JSON view: a text message's JSON value (big integers exact), compact in summaries.
// Layer rule: views/ — pure.
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { MessageEvent } from '../session/events.js';
import { compact, parseJson } from './app-json.js';
import { textOf, type ConnectionView, type Decoded } from './view.js';

/** strict: every text message should be JSON; otherwise (chosen by a first message) only what looks like it. */
export function jsonView(strict: boolean): ConnectionView {
  return {
    protocol: 'json',
    decode(msg: MessageEvent): Decoded {
      const text = textOf(msg);
      if (text === null) return { app: null, diagnostics: [] };
      const value = parseJson(text);
      if (value instanceof Error) {
        if (!strict && !/^\s*[[{]/.test(text)) return { app: null, diagnostics: [] };
        return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${value.message}`)] };
      }
      // the summary is made only when shown (--json, -V): a listing shows the frame's text instead
      const item = {
        kind: 'value',
        get summary(): string {
          return compact(value);
        },
        fields: { value },
      };
      return { app: { protocol: 'json', items: [item] }, diagnostics: [] };
    },
  };
}
