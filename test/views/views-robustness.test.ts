// Every view on random and mutated payloads: a decoded unit or a diagnostic, never an
// exception; and what it decoded renders as valid JSON (--json) and as text (listing, -V).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appJsonFields, appSummaryLines, renderAppDetail } from '../../src/render/app-view.js';
import { createStyle } from '../../src/render/style.js';
import { VIEW_NAMES } from '../../src/views/names.js';
import { createView } from '../../src/views/registry.js';
import { messageMaker } from './view-messages.js';

/** Real messages of each protocol, to mutate. */
const SAMPLES = [
  'SEND\ndestination:/queue/a\nreceipt:1\ncontent-length:5\n\nhello\0',
  'MESSAGE\nsubscription:0\nmessage-id:1\ndestination:/queue/a\n\n{"a":1}\0\n',
  '0{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":1000,"maxPayload":1000000}',
  '40/chat,{"sid":"x"}',
  '42/chat,0["message","hello",42]',
  '43/chat,0[{"ok":true}]',
  '451-/chat,1["upload","file.bin",{"_placeholder":true,"num":0}]',
  '2',
  '3probe',
  '{"type":"subscribe","id":"1","payload":{"query":"subscription S { tick }","variables":{"n":18446744073709551615}}}',
  '{"type":"next","id":"1","payload":{"data":{"tick":1}}}',
  '{"type":"start","id":"2","payload":{"query":"{ a }"}}',
  '{"type":"complete","id":"1"}',
  '{"jsonrpc":"2.0","method":"eth_subscribe","params":["newHeads"],"id":1}',
  '[{"jsonrpc":"2.0","method":"a","id":"x"},{"jsonrpc":"2.0","method":"n"}]',
  '{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}',
  '{"protocol":"json","version":1}\x1e',
  '{"protocol":"messagepack","version":1}\x1e',
  '{}\x1e{"type":1,"target":"notify","arguments":["x"]}\x1e',
  '{"type":1,"invocationId":"0","target":"add","arguments":[2,3]}\x1e{"type":6}\x1e',
  '{"type":3,"invocationId":"0","result":5}\x1e{"type":2,"invocationId":"0","item":1}\x1e',
  '{"type":7,"error":"bye","allowReconnect":true}\x1e',
  '["3","3","room:lobby","phx_join",{"user":"ann"}]',
  '["3","3","room:lobby","phx_reply",{"status":"ok","response":{}}]',
  '[null,"12","phoenix","heartbeat",{}]',
  '[null,null,"room:lobby","new_msg",{"body":"hi"}]',
  '{"type":"welcome"}',
  '{"command":"subscribe","identifier":"{\\"channel\\":\\"ChatChannel\\",\\"room\\":\\"lobby\\"}"}',
  '{"identifier":"{\\"channel\\":\\"ChatChannel\\"}","type":"confirm_subscription"}',
  '{"command":"message","identifier":"{\\"channel\\":\\"C\\"}","data":"{\\"action\\":\\"speak\\",\\"text\\":\\"hi\\"}"}',
  '{"type":"ping","message":1764680000}',
  '[1,"realm1",{"roles":{"caller":{}}}]',
  '[48,1,{},"com.example.add",[2,3]]',
  '[50,1,{},[5]]',
  '[8,48,2,{},"wamp.error.no_such_procedure",["x"]]',
  '[36,1004,1008,{},[1],{"n":1}]',
];

const mutated = fc
  .tuple(
    fc.constantFrom(...SAMPLES),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 3 })), { maxLength: 4 }),
  )
  .map(([s, edits]) => {
    let out = s;
    for (const [at, cut, insert] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + (cut % 4));
    }
    return out;
  });

/** Messages of the right shape with any JSON in their members. */
const anyJson = fc.jsonValue({ maxDepth: 2 });
const shaped = fc.oneof(
  fc
    .record(
      {
        jsonrpc: fc.constantFrom('2.0', '1.0'),
        id: anyJson,
        method: fc.oneof(fc.string({ maxLength: 4 }), anyJson),
        params: anyJson,
        result: anyJson,
        error: anyJson,
        type: fc.constantFrom(
          'connection_init',
          'subscribe',
          'next',
          'error',
          'complete',
          'start',
          'data',
          'stop',
          'ka',
        ),
        payload: anyJson,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc
    .tuple(fc.constantFrom('40', '41', '42', '43', '44', '451-', '461-', '42/ns,', '4312'), anyJson)
    .map(([head, v]) => head + JSON.stringify(v)),
);

const payload = fc.oneof(
  mutated,
  shaped,
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.uint8Array({ maxLength: 48 }),
  fc.uint8Array({ maxLength: 16 }).map((b) => Uint8Array.from([4, ...b])),
  // SignalR MessagePack records: a VarInt length, then an array
  fc.uint8Array({ maxLength: 16 }).map((b) => Uint8Array.from([b.length + 2, 0x95, 1, ...b])),
  // Phoenix binary push, reply, broadcast: a kind byte, then small lengths
  fc
    .tuple(fc.constantFrom(0, 1, 2, 3), fc.uint8Array({ maxLength: 24 }))
    .map(([k, b]) => Uint8Array.from([k, ...b.map((x) => x % 6)])),
);

const style = createStyle({ color: false });

describe('views never throw', () => {
  for (const name of VIEW_NAMES) {
    for (const path of [null, '/socket.io/?EIO=3&transport=websocket']) {
      it(`${name}${path === null ? '' : ' (EIO 3)'}: a unit or a diagnostic for every message`, () => {
        fc.assert(
          fc.property(
            fc.array(fc.tuple(payload, fc.constantFrom('c2s' as const, 's2c' as const)), { maxLength: 12 }),
            (msgs) => {
              const view = createView(name, { conn: 1, path, strict: true });
              const make = messageMaker();
              msgs.forEach(([p, dir], i) => {
                const decoded = view.decode(make(p, dir, i / 10));
                if (decoded.app === null) {
                  // the JSON view has nothing to say about a binary message, nor MessagePack and CBOR
                  // about a text one; MQTT and STOMP may be waiting for the rest of a packet or frame
                  const silent =
                    (name === 'json' && typeof p !== 'string') ||
                    ((name === 'msgpack' || name === 'cbor' || name === 'protobuf') && typeof p === 'string') ||
                    name === 'mqtt' ||
                    name === 'stomp' ||
                    name === 'signalr';
                  if (!silent) expect(decoded.diagnostics.length).toBeGreaterThan(0);
                  return;
                }
                const json = appJsonFields(decoded.app, decoded.pair, 64);
                expect(() => JSON.parse(`{${json.slice(1)}}`)).not.toThrow();
                appSummaryLines(decoded.app, style, true);
                renderAppDetail(decoded.app, decoded.pair, style, 64);
              });
              view.finish?.();
            },
          ),
        );
      });
    }
  }
});

describe('a value nested deeper than the stack', () => {
  // JSON.parse takes any depth; what walks the value after it must not recurse as deep
  const deep = (n: number, inner: string): string => '['.repeat(n) + inner + ']'.repeat(n);
  const cases: [string, string][] = [
    ['json', deep(20000, '1')],
    ['json-rpc', `{"jsonrpc":"2.0","method":"m","params":${deep(20000, '')},"id":1}`],
    ['socket.io', `42["ev",${deep(20000, '')}]`],
    ['graphql-transport-ws', `{"type":"next","id":"1","payload":{"data":${deep(20000, '')}}}`],
    ['phoenix', `["1","1","room:a","ev",${deep(20000, '')}]`],
  ];
  for (const [name, text] of cases) {
    it(`${name}: its summary, --json and -V are written, deep levels cut to "…"`, () => {
      const view = createView(name as (typeof VIEW_NAMES)[number], { conn: 1, path: null, strict: true });
      const decoded = view.decode(messageMaker()(text, 'c2s'));
      expect(decoded.app).not.toBeNull();
      const json = appJsonFields(decoded.app!, decoded.pair, 64);
      expect(JSON.stringify(JSON.parse(`{${json.slice(1)}}`))).toContain('"…"');
      expect(appSummaryLines(decoded.app!, style, true).join('\n').length).toBeLessThan(400);
      // -V indents each level: 64 levels, not 20 000 (whose indentation would be 400 MB)
      expect(renderAppDetail(decoded.app!, decoded.pair, style, 64).length).toBeLessThan(20_000);
    });
  }
});
