// The WAMP v2 view (https://wamp-proto.org/wamp_bp_latest_ietf.html): each message an array
// [TYPE, …] serialized as wamp.2.json (text), wamp.2.msgpack (binary, @msgpack/msgpack) or
// wamp.2.cbor (binary, cborg). Message types by code, with their fields named as the spec
// names them. Pairing by request id and the request's type: CALL → RESULT or ERROR, REGISTER →
// REGISTERED, SUBSCRIBE → SUBSCRIBED, PUBLISH (acknowledged) → PUBLISHED, UNSUBSCRIBE and
// UNREGISTER → their acks, INVOCATION → YIELD or ERROR, HELLO → WELCOME or ABORT. EVENTs and
// INVOCATIONs show the topic or procedure their subscription or registration id stands for.
// Layer rule: views/ — pure.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, MessageEvent } from '../session/events.js';
import { compact, isObject, parseJson } from './app-json.js';
import { toAppValue } from './binary-values.js';
import { cborValues } from './cbor-view.js';
import { msgpackValues } from './msgpack-view.js';
import { Pairing, textOf, type ConnectionView, type Decoded, type ViewHints } from './view.js';

/** Each type's name and the names of the elements after the type code. */
const TYPES: Record<number, readonly [string, readonly string[]]> = {
  1: ['HELLO', ['realm', 'details']],
  2: ['WELCOME', ['session', 'details']],
  3: ['ABORT', ['details', 'reason']],
  4: ['CHALLENGE', ['authMethod', 'extra']],
  5: ['AUTHENTICATE', ['signature', 'extra']],
  6: ['GOODBYE', ['details', 'reason']],
  8: ['ERROR', ['requestType', 'request', 'details', 'error', 'arguments', 'argumentsKw']],
  16: ['PUBLISH', ['request', 'options', 'topic', 'arguments', 'argumentsKw']],
  17: ['PUBLISHED', ['request', 'publication']],
  32: ['SUBSCRIBE', ['request', 'options', 'topic']],
  33: ['SUBSCRIBED', ['request', 'subscription']],
  34: ['UNSUBSCRIBE', ['request', 'subscription']],
  35: ['UNSUBSCRIBED', ['request']],
  36: ['EVENT', ['subscription', 'publication', 'details', 'arguments', 'argumentsKw']],
  48: ['CALL', ['request', 'options', 'procedure', 'arguments', 'argumentsKw']],
  49: ['CANCEL', ['request', 'options']],
  50: ['RESULT', ['request', 'details', 'arguments', 'argumentsKw']],
  64: ['REGISTER', ['request', 'options', 'procedure']],
  65: ['REGISTERED', ['request', 'registration']],
  66: ['UNREGISTER', ['request', 'registration']],
  67: ['UNREGISTERED', ['request']],
  68: ['INVOCATION', ['request', 'registration', 'details', 'arguments', 'argumentsKw']],
  69: ['INTERRUPT', ['request', 'options']],
  70: ['YIELD', ['request', 'options', 'arguments', 'argumentsKw']],
};
/** The request type each response answers. */
const ANSWERS: Record<number, number> = { 17: 16, 33: 32, 35: 34, 50: 48, 65: 64, 67: 66, 70: 68 };
/** Elements a message must have (type code included). */
const REQUIRED: Record<number, number> = {
  1: 3,
  2: 3,
  3: 3,
  6: 3,
  8: 5,
  16: 4,
  17: 3,
  32: 4,
  33: 3,
  34: 3,
  35: 2,
  36: 4,
  48: 4,
  50: 3,
  64: 4,
  65: 3,
  66: 3,
  67: 2,
  68: 4,
  70: 3,
};

export type WampSerializer = 'json' | 'msgpack' | 'cbor';

/** The serializer of a wamp.2.* sub-protocol, or null. */
export function wampSerializer(protocol: string | null): WampSerializer | null {
  const m = /^wamp\.2\.(json|msgpack|cbor)$/.exec(protocol ?? '');
  return m === null ? null : (m[1] as WampSerializer);
}

const idText = (v: AppValue | undefined): string =>
  typeof v === 'number' || typeof v === 'bigint' ? String(v) : compact(v ?? null, 40);

export function wampView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);
  const serializer = wampSerializer(hints.protocol ?? null);
  /** Subscription and registration ids, to the topic or procedure they were asked for. */
  const names = new Map<string, string>();
  /** Request ids of SUBSCRIBE and REGISTER, to their topic or procedure, until their answer. */
  const asked = new Map<string, string>();

  function item(msg: MessageEvent, a: AppValue, diagnostics: Diagnostic[]): AppItem | null {
    if (!Array.isArray(a) || a.length === 0 || typeof a[0] !== 'number') {
      diagnostics.push(diagnostic('wamp.message.malformed', 'a WAMP message is an array starting with its type code'));
      return null;
    }
    const code = a[0];
    const spec = TYPES[code];
    if (spec === undefined) {
      diagnostics.push(diagnostic('wamp.message.malformed', `unknown message type ${code}`));
      return null;
    }
    const [name, elements] = spec;
    if (a.length < (REQUIRED[code] ?? 1)) {
      diagnostics.push(
        diagnostic('wamp.message.malformed', `${name} needs ${REQUIRED[code]} elements, has ${a.length}`),
      );
      return null;
    }
    const fields: Record<string, AppValue> = { type: name };
    elements.forEach((e, i) => {
      if (i + 1 < a.length) fields[e] = a[i + 1];
    });
    const req = idText(fields.request);
    const args = (): string =>
      (fields.arguments === undefined ? '' : ' ' + compact(fields.arguments)) +
      (isObject(fields.argumentsKw) && Object.keys(fields.argumentsKw).length > 0
        ? ' ' + compact(fields.argumentsKw)
        : '');
    let summary = name;
    let request: string | undefined;
    let awaits = false;
    let pair: AppPair | null = null;
    let error = false;
    const ask = (key: string, label: string): void => {
      request = label;
      awaits = true;
      if (!pairing.request(msg.dir, key, msg, label))
        diagnostics.push(diagnostic('wamp.message.malformed', `${name} request id ${req} reused before its answer`));
    };
    const answer = (key: string): void => {
      pair = pairing.response(msg.dir, key, msg);
      if (pair === null)
        diagnostics.push(
          diagnostic('wamp.request.unknown', `${name} for request ${req}, which no request of that type is waiting on`),
        );
    };
    switch (code) {
      case 1:
        summary = `HELLO ${compact(fields.realm ?? null)}`;
        ask('hello', 'HELLO');
        break;
      case 2:
      case 3:
        summary = code === 2 ? `WELCOME session=${idText(fields.session)}` : `ABORT ${compact(fields.reason ?? null)}`;
        error = code === 3;
        answer('hello');
        break;
      case 6:
        summary = `GOODBYE ${compact(fields.reason ?? null)}`;
        break;
      case 16: {
        const topic = String(fields.topic);
        summary = `PUBLISH ${topic} request=${req}${args()}`;
        const ack = isObject(fields.options) && fields.options.acknowledge === true;
        if (ack) ask(`16:${req}`, `PUBLISH ${topic}`);
        else request = `PUBLISH ${topic}`;
        break;
      }
      case 32:
      case 64: {
        const what = String(code === 32 ? fields.topic : fields.procedure);
        summary = `${name} ${what} request=${req}`;
        asked.set(`${code}:${req}`, what);
        ask(`${code}:${req}`, `${name} ${what}`);
        break;
      }
      case 48: {
        const procedure = String(fields.procedure);
        summary = `CALL ${procedure} request=${req}${args()}`;
        ask(`48:${req}`, procedure);
        break;
      }
      case 34:
      case 66: {
        const id = idText(code === 34 ? fields.subscription : fields.registration);
        summary = `${name} ${names.get(id) ?? id} request=${req}`;
        ask(`${code}:${req}`, `${name} ${names.get(id) ?? id}`);
        break;
      }
      case 68: {
        const reg = idText(fields.registration);
        const procedure = names.get(reg) ?? `registration ${reg}`;
        summary = `INVOCATION ${procedure} request=${req}${args()}`;
        ask(`68:${req}`, procedure);
        break;
      }
      case 36: {
        const sub = idText(fields.subscription);
        summary = `EVENT ${names.get(sub) ?? `subscription ${sub}`} publication=${idText(fields.publication)}${args()}`;
        break;
      }
      case 8: {
        const type = typeof fields.requestType === 'number' ? fields.requestType : -1;
        summary = `ERROR ${TYPES[type]?.[0] ?? type} request=${req} ${compact(fields.error ?? null)}${args()}`;
        error = true;
        answer(`${type}:${req}`);
        break;
      }
      case 17:
      case 33:
      case 35:
      case 50:
      case 65:
      case 67:
      case 70: {
        const key = `${ANSWERS[code]}:${req}`;
        const what = asked.get(key);
        asked.delete(key);
        if (what !== undefined && (code === 33 || code === 65)) {
          const id = idText(code === 33 ? fields.subscription : fields.registration);
          names.set(id, what);
          summary = `${name} ${what} request=${req} ${code === 33 ? 'subscription' : 'registration'}=${id}`;
        } else summary = `${name} request=${req}${args()}`;
        answer(key);
        break;
      }
      default:
        summary = `${name}${fields.request === undefined ? '' : ` request=${req}`}`;
    }
    const p = pair as AppPair | null;
    if (p !== null) summary += ` (${p.request}${p.latencyMs === null ? '' : `, ${p.latencyMs} ms`})`;
    return {
      kind: name.toLowerCase(),
      summary,
      fields,
      ...(request === undefined ? {} : { request, awaits }),
      ...(error ? { error: true } : {}),
      ...(p === null ? {} : { pair: p }),
    };
  }

  return {
    protocol: 'wamp',
    decode(msg: MessageEvent): Decoded {
      let value: AppValue;
      try {
        if (msg.opcode === 1) {
          const v = parseJson(textOf(msg) ?? '');
          if (v instanceof Error)
            return { app: null, diagnostics: [diagnostic('app.json.invalid', `not JSON: ${v.message}`)] };
          value = v;
        } else {
          const values = serializer === 'cbor' ? cborValues(msg.data) : msgpackValues(msg.data);
          if (values.length !== 1) throw new Error(`${values.length} values in one message`);
          value = toAppValue(values[0]);
        }
      } catch (e) {
        return {
          app: null,
          diagnostics: [
            diagnostic(
              'wamp.message.malformed',
              `not ${serializer === 'cbor' ? 'CBOR' : 'MessagePack'}: ${(e as Error).message}`,
            ),
          ],
        };
      }
      const diagnostics: Diagnostic[] = [];
      const it = item(msg, value, diagnostics);
      return {
        app: it === null ? null : { protocol: 'wamp', items: [it] },
        diagnostics,
        ...(it?.pair === undefined ? {} : { pair: it.pair }),
      };
    },
    finish(): Diagnostic[] {
      return pairing
        .unanswered()
        .map((w) => diagnostic('wamp.request.unanswered', `${w.label} (message at frame #${w.index}) never answered`));
    },
  };
}
