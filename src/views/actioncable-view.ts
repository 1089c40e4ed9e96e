// The ActionCable view (actioncable-v1-json, Rails' ActionCable::Connection and the
// @rails/actioncable client): server messages {type: welcome|ping|confirm_subscription|
// reject_subscription|disconnect} and broadcasts {identifier, message}; client commands
// {command: subscribe|unsubscribe|message, identifier, data}. The identifier, and a command's
// data, are JSON inside a JSON string: both are shown parsed. A subscribe pairs with its
// confirm_subscription or reject_subscription by identifier; pings fold.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, FrameEvent, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';

const SERVER_TYPES = ['welcome', 'ping', 'confirm_subscription', 'reject_subscription', 'disconnect'];
const COMMANDS = ['subscribe', 'unsubscribe', 'message'];

/** True for the first message of an ActionCable server: {"type":"welcome"}. */
export function looksLikeActionCable(value: AppValue): boolean {
  return isObject(value) && value.type === 'welcome' && Object.keys(value).length <= 2;
}

/** JSON inside a string: the parsed value, or the string itself when it is not JSON. */
function inner(v: AppValue | undefined): AppValue | undefined {
  if (typeof v !== 'string') return v;
  const parsed = parseJson(v);
  return parsed instanceof Error ? v : parsed;
}

/** "ChatChannel {"room":"lobby"}" for an identifier. */
function channelText(id: AppValue | undefined): { channel: string | null; text: string } {
  if (!isObject(id)) return { channel: null, text: id === undefined ? '' : compact(id, 80) };
  const channel = typeof id.channel === 'string' ? id.channel : null;
  const rest = Object.fromEntries(Object.entries(id).filter(([k]) => k !== 'channel'));
  const params = Object.keys(rest).length === 0 ? '' : ' ' + compact(rest, 80);
  return { channel, text: (channel ?? compact(id, 80)) + params };
}

export function actionCableView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);

  function item(msg: MessageEvent, v: Readonly<Record<string, AppValue>>, diagnostics: Diagnostic[]): AppItem | null {
    const identifier = inner(v.identifier);
    const { channel, text } = channelText(identifier);
    const fields: Record<string, AppValue> = {};
    const key = typeof v.identifier === 'string' ? v.identifier : compact(v.identifier ?? null);
    if (msg.dir === 'c2s') {
      const command = v.command;
      if (typeof command !== 'string' || !COMMANDS.includes(command)) {
        diagnostics.push(
          diagnostic(
            'actioncable.message.malformed',
            `client message without a known "command" (subscribe, unsubscribe, message): ${compact(command ?? null, 40)}`,
          ),
        );
        return null;
      }
      fields.command = command;
      if (identifier !== undefined) fields.identifier = identifier;
      if (channel !== null) fields.channel = channel;
      const data = inner(v.data);
      if (data !== undefined) fields.data = data;
      if (command === 'subscribe') {
        const request = `subscribe ${channel ?? text}`;
        if (!pairing.request(msg.dir, key, msg, request))
          diagnostics.push(
            diagnostic('actioncable.message.malformed', `subscribe to ${text} again before its confirmation`),
          );
        return { kind: command, summary: `subscribe ${text}`, fields, request, awaits: true };
      }
      if (command === 'unsubscribe') return { kind: command, summary: `unsubscribe ${text}`, fields };
      const action = isObject(data) && typeof data.action === 'string' ? data.action : null;
      if (action !== null) fields.action = action;
      const args = isObject(data) ? Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'action')) : data;
      return {
        kind: command,
        summary: `message ${channel ?? text}${action === null ? '' : `#${action}`} ${compact(args ?? null)}`,
        fields,
        request: `${channel ?? text}${action === null ? '' : `#${action}`}`,
      };
    }
    const type = v.type;
    if (type === undefined) {
      if (v.message === undefined || identifier === undefined) {
        diagnostics.push(
          diagnostic('actioncable.message.malformed', 'server message with neither "type" nor identifier and message'),
        );
        return null;
      }
      fields.identifier = identifier;
      if (channel !== null) fields.channel = channel;
      fields.message = v.message;
      return { kind: 'broadcast', summary: `broadcast ${text} ${compact(v.message)}`, fields };
    }
    if (typeof type !== 'string' || !SERVER_TYPES.includes(type)) {
      diagnostics.push(diagnostic('actioncable.message.malformed', `unknown server message type ${compact(type, 40)}`));
      return null;
    }
    fields.type = type;
    if (identifier !== undefined) fields.identifier = identifier;
    if (channel !== null) fields.channel = channel;
    for (const k of ['message', 'reason', 'reconnect'] as const) if (v[k] !== undefined) fields[k] = v[k];
    if (type === 'ping') return { kind: type, summary: `ping ${compact(v.message ?? null)}`, fields, heartbeat: true };
    if (type === 'welcome') return { kind: type, summary: 'welcome', fields };
    if (type === 'disconnect') {
      let summary = 'disconnect';
      if (v.reason !== undefined) summary += ` reason=${compact(v.reason)}`;
      if (v.reconnect !== undefined) summary += ` reconnect=${compact(v.reconnect)}`;
      return { kind: type, summary, fields };
    }
    const pair: AppPair | null = pairing.response(msg.dir, key, msg);
    if (pair === null)
      diagnostics.push(
        diagnostic('actioncable.subscription.unknown', `${type} for ${text}, which no subscribe is waiting on`),
      );
    const rejected = type === 'reject_subscription';
    return {
      kind: type,
      summary: `${type} ${text}${pair === null ? '' : ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`}`,
      fields,
      ...(rejected ? { error: true } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  return {
    protocol: 'actioncable',
    heartbeat(frame: FrameEvent): boolean {
      return frame.text !== undefined && frame.text.startsWith('{"type":"ping"');
    },
    decode(msg: MessageEvent): Decoded {
      const text = textOf(msg);
      if (text === null)
        return {
          app: null,
          diagnostics: [diagnostic('actioncable.message.malformed', 'binary message: actioncable-v1-json is text')],
        };
      const v = parseJson(text);
      if (v instanceof Error)
        return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${v.message}`)] };
      if (!isObject(v))
        return {
          app: null,
          diagnostics: [diagnostic('actioncable.message.malformed', 'a message must be a JSON object')],
        };
      const diagnostics: Diagnostic[] = [];
      const it = item(msg, v, diagnostics);
      return {
        app: it === null ? null : { protocol: 'actioncable', items: [it] },
        diagnostics,
        ...(it?.pair === undefined ? {} : { pair: it.pair }),
      };
    },
    finish(): Diagnostic[] {
      return pairing
        .unanswered()
        .map((w) =>
          diagnostic(
            'actioncable.subscription.unknown',
            `${w.label} (message at frame #${w.index}) was never confirmed nor rejected`,
          ),
        );
    },
  };
}
