// The JSON-RPC 2.0 view: requests, notifications, responses, batches (one item per call),
// each response paired with its request by id (https://www.jsonrpc.org/specification).
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';

/** True for a JSON value that is a JSON-RPC 2.0 message or a batch of them. */
export function looksLikeJsonRpc(value: AppValue): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return isObject(first) && first.jsonrpc === '2.0';
}

function idKey(id: AppValue): string {
  return typeof id === 'string' ? `s:${id}` : `n:${String(id)}`;
}

function idText(id: AppValue): string {
  return typeof id === 'string' ? JSON.stringify(id) : String(id);
}

export function jsonRpcView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);

  function call(msg: MessageEvent, v: AppValue, diagnostics: Diagnostic[]): AppItem | null {
    if (!isObject(v)) {
      diagnostics.push(diagnostic('jsonrpc.message.invalid', `a call must be a JSON object, not ${compact(v, 40)}`));
      return null;
    }
    if (v.jsonrpc !== '2.0')
      diagnostics.push(diagnostic('jsonrpc.message.invalid', 'member "jsonrpc" must be exactly "2.0"'));
    const hasId = 'id' in v;
    const id = v.id ?? null;
    if (typeof v.method === 'string') {
      const method = v.method;
      const fields: Record<string, AppValue> = hasId ? { id, method } : { method };
      if ('params' in v) fields.params = v.params;
      const params = 'params' in v ? ' ' + compact(v.params) : '';
      if (!hasId) return { kind: 'notification', summary: `notification ${method}${params}`, fields, request: method };
      if (!pairing.request(msg.dir, idKey(id), msg, method))
        diagnostics.push(diagnostic('jsonrpc.message.invalid', `request id ${idText(id)} reused before its response`));
      return {
        kind: 'request',
        summary: `request ${method} id=${idText(id)}${params}`,
        fields,
        request: method,
        awaits: true,
      };
    }
    if ('result' in v || 'error' in v) {
      const pair: AppPair | null = id === null ? null : pairing.response(msg.dir, idKey(id), msg);
      if (pair === null && id !== null)
        diagnostics.push(
          diagnostic('jsonrpc.response.orphan', `response id ${idText(id)}: no request with this id is waiting`),
        );
      const fields: Record<string, AppValue> = { id };
      let summary: string;
      const isError = 'error' in v;
      if (isError) {
        fields.error = v.error;
        const e = v.error;
        summary = isObject(e)
          ? `error id=${idText(id)} ${String(e.code)} ${typeof e.message === 'string' ? e.message : ''}`.trimEnd()
          : `error id=${idText(id)} ${compact(e)}`;
      } else {
        fields.result = v.result;
        summary = `response id=${idText(id)} ${compact(v.result)}`;
      }
      if (pair !== null) summary += ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
      return {
        kind: 'response',
        summary,
        fields,
        ...(isError ? { error: true } : {}),
        ...(pair === null ? {} : { pair }),
      };
    }
    diagnostics.push(
      diagnostic('jsonrpc.message.invalid', 'neither a request ("method") nor a response ("result" or "error")'),
    );
    return null;
  }

  return {
    protocol: 'json-rpc',
    decode(msg: MessageEvent): Decoded {
      const text = textOf(msg);
      if (text === null)
        return { app: null, diagnostics: [diagnostic('jsonrpc.message.invalid', 'binary message: JSON-RPC is text')] };
      const value = parseJson(text);
      if (value instanceof Error)
        return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${value.message}`)] };
      const diagnostics: Diagnostic[] = [];
      const calls = Array.isArray(value) ? value : [value];
      if (Array.isArray(value) && value.length === 0)
        diagnostics.push(diagnostic('jsonrpc.message.invalid', 'an empty batch'));
      const items: AppItem[] = [];
      for (const c of calls) {
        const item = call(msg, c, diagnostics);
        if (item !== null) items.push(item);
      }
      if (Array.isArray(value))
        for (let i = 0; i < items.length; i++)
          items[i] = { ...items[i], summary: `[${i + 1}/${value.length}] ${items[i].summary}` };
      const pair = items.find((i) => i.pair !== undefined)?.pair;
      return {
        app: items.length === 0 ? null : { protocol: 'json-rpc', items },
        diagnostics,
        ...(pair === undefined ? {} : { pair }),
      };
    },
    finish(): Diagnostic[] {
      return pairing
        .unanswered()
        .map((w) =>
          diagnostic('jsonrpc.request.unanswered', `request ${w.label} (message at frame #${w.index}) never answered`),
        );
    },
  };
}
