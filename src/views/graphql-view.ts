// The GraphQL over WebSocket views: graphql-transport-ws (the graphql-ws library's protocol,
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) and the legacy graphql-ws
// of subscriptions-transport-ws. Operations are tracked by id: subscribe/start → next/data…
// → complete, each result paired with its operation (the first one's latency is the time to
// first result), a result for an unknown id and a reused id are diagnostics.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';

export type GraphqlProtocol = 'graphql-transport-ws' | 'graphql-ws';

const TYPES: Record<GraphqlProtocol, readonly string[]> = {
  'graphql-transport-ws': [
    'connection_init',
    'connection_ack',
    'ping',
    'pong',
    'subscribe',
    'next',
    'error',
    'complete',
  ],
  'graphql-ws': [
    'connection_init',
    'connection_ack',
    'connection_error',
    'connection_terminate',
    'ka',
    'start',
    'data',
    'error',
    'complete',
    'stop',
  ],
};

/** graphql-transport-ws close codes (PROTOCOL.md); 4400–4499 are the client's faults. */
const CLOSE_CODES: Record<number, string> = {
  4400: 'Bad request (invalid message)',
  4401: 'Unauthorized',
  4403: 'Forbidden',
  4406: 'Subprotocol not acceptable',
  4408: 'Connection initialisation timeout',
  4409: 'Subscriber for this id already exists',
  4429: 'Too many initialisation requests',
  4499: 'Terminated',
  4500: 'Internal server error',
  4504: 'Connection acknowledgement timeout',
};

/** The operation kind and name of a query document: "subscription OnMessage", "query". */
function operationOf(payload: AppValue | undefined): { kind: string; name: string | null } {
  if (!isObject(payload)) return { kind: 'operation', name: null };
  const query = typeof payload.query === 'string' ? payload.query : '';
  const m = /^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/.exec(query);
  const kind = m === null ? 'query' : m[1];
  const name = typeof payload.operationName === 'string' ? payload.operationName : (m?.[2] ?? null);
  return { kind, name };
}

/** True for a first message that is a GraphQL over WebSocket one; which protocol it suggests. */
export function graphqlOfMessage(value: AppValue): GraphqlProtocol | null {
  if (!isObject(value) || typeof value.type !== 'string') return null;
  if (['subscribe', 'next', 'ping', 'pong'].includes(value.type)) return 'graphql-transport-ws';
  if (['start', 'data', 'ka', 'stop', 'connection_terminate'].includes(value.type)) return 'graphql-ws';
  return value.type === 'connection_init' ? 'graphql-transport-ws' : null;
}

export function graphqlView(protocol: GraphqlProtocol, hints: ViewHints): ConnectionView {
  const types = TYPES[protocol];
  const legacy = protocol === 'graphql-ws';
  const pairing = new Pairing(hints.conn);
  const startType = legacy ? 'start' : 'subscribe';
  const resultType = legacy ? 'data' : 'next';
  const stopType = legacy ? 'stop' : 'complete';
  return {
    protocol,
    heartbeat(frame: FrameEvent): boolean {
      if (frame.textBytes !== undefined && frame.textBytes.length >= 40) return false;
      const t = frame.frame.opcode === 1 && frame.frame.fin ? frame.text : undefined;
      return t !== undefined && t.length < 40 && /^\{\s*"type"\s*:\s*"(ping|pong|ka)"\s*\}$/.test(t);
    },
    closeName(code: number): string | null {
      return legacy ? null : (CLOSE_CODES[code] ?? null);
    },
    decode(msg: MessageEvent): Decoded {
      const text = textOf(msg);
      const bad = (why: string): Decoded => ({
        app: null,
        diagnostics: [diagnostic('graphql.message.malformed', why)],
      });
      if (text === null) return bad('binary message: GraphQL over WebSocket is text');
      const value = parseJson(text);
      if (value instanceof Error)
        return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${value.message}`)] };
      if (!isObject(value) || typeof value.type !== 'string')
        return bad('a message must be a JSON object with a "type"');
      const type = value.type;
      if (!types.includes(type)) return bad(`type "${type}" is not one of ${protocol}'s`);
      const diagnostics: Diagnostic[] = [];
      const fields: Record<string, AppValue> = { type };
      const id = typeof value.id === 'string' || typeof value.id === 'number' ? String(value.id) : null;
      if (id !== null) fields.id = id;
      const needsId = [startType, resultType, 'error', 'complete', 'stop'].includes(type);
      if (needsId && id === null && !(legacy && type === 'error'))
        diagnostics.push(diagnostic('graphql.message.malformed', `"${type}" without an operation id`));
      let summary = id === null ? type : `${type} id=${id}`;
      let pair: AppPair | null = null;
      let request: string | undefined;
      let error = false;
      if (type === startType) {
        const op = operationOf(value.payload);
        if (op.name !== null) fields.operationName = op.name;
        request = `${op.kind} ${op.name ?? '(anonymous)'}`;
        summary += ` ${request}`;
        if (isObject(value.payload) && value.payload.variables !== undefined && value.payload.variables !== null)
          summary += ' ' + compact(value.payload.variables, 120);
        if (id !== null && !pairing.request(msg.dir, id, msg, request))
          diagnostics.push(diagnostic('graphql.id.reused', `operation id ${id} is still in use`));
      } else if (
        id !== null &&
        (type === resultType || type === 'error' || (type === 'complete' && msg.dir === 's2c'))
      ) {
        const done = type !== resultType;
        pair = pairing.response(msg.dir, id, msg, done);
        if (pair === null)
          diagnostics.push(diagnostic('graphql.id.unknown', `${type} for operation id ${id}, which is not running`));
        else summary += ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
        if (type === 'error') error = true;
        if (type === resultType && isObject(value.payload) && Array.isArray(value.payload.errors)) error = true;
        // subscriptions-transport-ws sends "payload":null with complete: nothing to show
        if (value.payload !== undefined && value.payload !== null) summary += ' ' + compact(value.payload, 160);
      } else if (id !== null && (type === stopType || type === 'complete') && msg.dir === 'c2s') {
        pairing.drop('c2s', id);
      } else if (value.payload !== undefined && value.payload !== null) summary += ' ' + compact(value.payload, 160);
      if (value.payload !== undefined) fields.payload = value.payload;
      const item: AppItem = {
        kind: type,
        summary,
        fields,
        ...(type === 'ping' || type === 'pong' || type === 'ka' ? { heartbeat: true } : {}),
        ...(request === undefined ? {} : { request, awaits: true }),
        ...(error ? { error } : {}),
        ...(pair === null ? {} : { pair }),
      };
      return { app: { protocol, items: [item] }, diagnostics, ...(pair === null ? {} : { pair }) };
    },
  };
}
