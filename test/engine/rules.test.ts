// Rules (`FILTER => ACTION`): what each action parses to, the one-line errors with their
// column, a property that any text gives a rule or a RuleSyntaxError (never another throw),
// and the rules at work between real ws peers, permessage-deflate with context takeover.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRule, RuleDecider, RuleSyntaxError } from '../../src/engine/rules.js';
import { closed } from '../sources/proxy/proxy-harness.js';
import { startPeers, until } from './engine-peers.js';

/** What the rules make of one c2s text message: its text if they changed it, else undefined. */
function applyRules(rules: readonly string[], text: string): string | undefined {
  const decider = new RuleDecider(rules.map((r) => parseRule(r)));
  const data = new TextEncoder().encode(text);
  const v = decider.message({ conn: 1, dir: 'c2s', index: 1, opcode: 1, data, compressed: false, frames: 1, ts: 0 });
  return v.replace === undefined ? undefined : new TextDecoder().decode(v.replace.data);
}

describe('parseRule', () => {
  it.each([
    ['c2s => drop', { kind: 'drop' }],
    ['opcode == ping => delay 2s', { kind: 'delay', ms: 2000 }],
    ['len > 10 => delay 250ms', { kind: 'delay', ms: 250 }],
    ['text contains "=>" => hold', { kind: 'hold' }],
    ['c2s && json.op == "subscribe" => set json.topic = "test"', { kind: 'set', path: ['topic'], value: 'test' }],
    ['json.items => set json.items[0].id = {"n": 1}', { kind: 'set', path: ['items', 0, 'id'], value: { n: 1 } }],
    ['json.a => del json.a["b c"]', { kind: 'del', path: ['a', 'b c'] }],
    ['s2c => close 4000 "enough"', { kind: 'close', code: 4000, reason: 'enough' }],
    ['s2c => close 1000', { kind: 'close', code: 1000, reason: '' }],
    ['s2c => fragment 16', { kind: 'fragment', size: 16 }],
    ['c2s => inject s2c "hello \\"you\\""', { kind: 'inject', dir: 's2c', text: 'hello "you"' }],
  ])('%s', (source, action) => {
    expect(parseRule(source).action).toEqual(action);
  });

  it('parses replace with a regex, flags and $1 groups', () => {
    const a = parseRule('text matches /a=>b/ => replace /secret(\\d+)/gi "x$1"').action;
    expect(a.kind).toBe('replace');
    if (a.kind === 'replace') {
      expect(a.pattern.source).toBe('secret(\\d+)');
      expect(a.pattern.flags).toBe('gi');
      expect('SECRET12'.replace(a.pattern, a.text)).toBe('x12');
    }
  });

  it.each([
    ['c2s', 'expected "FILTER => ACTION": no "=>" at 4'],
    [' => drop', 'the filter before "=>" is empty at 1'],
    ['websocket.opcod == 1 => drop', 'unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?'],
    ['c2s => dorp', 'unknown action "dorp" at 8 — did you mean drop?'],
    ['c2s =>', 'expected an action after "=>" (drop, delay, replace, set, …) at 7'],
    ['c2s => delay 5', 'expected a duration such as 250ms or 2s at 14'],
    ['c2s => close 999', 'close code 999 is outside every range allowed on the wire at 14'],
    ['c2s => set json.a = {bad', '"{bad" is not JSON (strings take double quotes) at 21'],
    ['c2s => set topic = 1', 'expected json.PATH at 12'],
    ['c2s => replace /(/ "x"', 'bad regex: Invalid regular expression: /(/: Unterminated group at 16'],
    ['c2s => inject up "x"', 'expected c2s or s2c after inject at 15'],
    ['c2s => drop now', 'unexpected "now" after the action at 13'],
    ['c2s => fragment 0', 'the fragment size is at least 1 byte at 17'],
  ])('%s → %s', (source, message) => {
    let error: unknown;
    try {
      parseRule(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RuleSyntaxError);
    expect((error as Error).message).toBe(message);
  });

  it('gives a rule or a RuleSyntaxError for any text, never another error', () => {
    const piece = fc.constantFrom(
      'c2s',
      's2c',
      '=>',
      '"',
      '/',
      'json.a',
      '[0]',
      '=',
      'drop',
      'delay',
      '5ms',
      'replace',
      'set',
      'del',
      'close',
      'inject',
      'fragment',
      '1000',
      '"x"',
      '/a/g',
      ' ',
      '&&',
      'matches',
      '{',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(piece).map((p) => p.join(' ')),
        ),
        (text) => {
          try {
            parseRule(text);
          } catch (err) {
            if (!(err instanceof RuleSyntaxError)) throw err;
            expect(err.message).not.toContain('\n');
          }
        },
      ),
    );
  });
});

describe('set json.PATH on arrays', () => {
  const set = (rule: string, text: string): string | undefined => applyRules([rule], text);

  it('sets an element or appends one; an index past the end leaves the message alone', () => {
    expect(set('c2s => set json.a[0] = 9', '{"a":[1,2]}')).toBe('{"a":[9,2]}');
    expect(set('c2s => set json.a[2] = 9', '{"a":[1,2]}')).toBe('{"a":[1,2,9]}');
    expect(set('c2s => set json.b[0].c = 9', '{}')).toBe('{"b":[{"c":9}]}');
    expect(set('c2s => set json.b[5].c = 1', '{}')).toBeUndefined();
    // each index between would be written as null: 500 MB for this one
    expect(set('c2s => set json.a[100000000] = 1', '{"a":[]}')).toBeUndefined();
  });
});

describe("set/del json.PATH address the message's own keys", () => {
  const apply = (rule: string, text: string): string | undefined => applyRules([rule], text);
  const proto = Object.prototype as unknown as Record<string, unknown>;
  const toString = Object.getOwnPropertyDescriptor(Object.prototype, 'toString');
  afterEach(() => {
    // without the fix these rules change Object.prototype: put it back for the tests after
    delete proto.x;
    if (toString !== undefined) Object.defineProperty(Object.prototype, 'toString', toString);
  });

  it.each([
    ['c2s => set json.__proto__.x = 1', '{}', '{"__proto__":{"x":1}}'],
    ['c2s => set json.__proto__.x = 1', '{"__proto__":{"a":2}}', '{"__proto__":{"a":2,"x":1}}'],
    ['c2s => set json.__proto__ = {"x":1}', '{"a":1}', '{"a":1,"__proto__":{"x":1}}'],
    ['c2s => set json["__proto__"].x = 1', '{}', '{"__proto__":{"x":1}}'],
    ['c2s => set json.constructor.prototype.x = 1', '{}', '{"constructor":{"prototype":{"x":1}}}'],
    ['c2s => set json.a.prototype.x = 1', '{"a":{}}', '{"a":{"prototype":{"x":1}}}'],
    ['c2s => del json.__proto__', '{"__proto__":{"x":1},"b":2}', '{"b":2}'],
    ['c2s => set json.a["1"] = 9', '{"a":[1,2]}', '{"a":[1,9]}'],
  ])('%s on %s gives %s, and no object in the proxy gains x', (rule, text, edited) => {
    expect(apply(rule, text)).toBe(edited);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x')).toBe(false);
  });

  it.each([
    ['c2s => del json.__proto__.toString', '{}'],
    ['c2s => del json.constructor', '{}'],
    ['c2s => del json.a.length', '{"a":[1]}'],
    // an array's length is no member of its JSON: this one threw a RangeError in the engine
    ['c2s => set json.a.length.x = 1', '{"a":[]}'],
    ['c2s => set json.a.length = 3', '{"a":[]}'],
  ])('%s on %s leaves the message and Object.prototype alone', (rule, text) => {
    expect(apply(rule, text)).toBeUndefined();
    expect(typeof Object.prototype.toString).toBe('function');
    expect(String({})).toBe('[object Object]');
  });

  it('a filter reads own keys only: json.__proto__ and json.constructor match nothing in {}', () => {
    expect(apply('json.__proto__ => set json.hit = 1', '{}')).toBeUndefined();
    expect(apply('json.constructor => set json.hit = 1', '{}')).toBeUndefined();
    expect(apply('json.__proto__.a == 1 => set json.hit = 1', '{"__proto__":{"a":1}}')).toBe(
      '{"__proto__":{"a":1},"hit":1}',
    );
  });
});

describe('set and del on JSON', () => {
  const apply = applyRules;

  it('a set that leaves the text as it was does not change the message', () => {
    expect(apply(['c2s => set json.a = 1'], '{"a":1,"b":[2]}')).toBeUndefined();
    expect(apply(['c2s => set json.b[0] = 2'], '{"a":1,"b":[2]}')).toBeUndefined();
    expect(apply(['c2s => del json.missing'], '{"a":1}')).toBeUndefined();
    // re-written all the same when the text differs, even only in its spaces
    expect(apply(['c2s => set json.a = 1'], '{"a": 1}')).toBe('{"a":1}');
  });

  it('change only what they name: the other numbers stay as written', () => {
    const msg = '{"id":18446744073709551615,"price":1.50,"big":1e400,"topic":"x","n":[1.0,-0]}';
    expect(apply(['c2s => set json.topic = "t"'], msg)).toBe(
      '{"id":18446744073709551615,"price":1.50,"big":1e400,"topic":"t","n":[1.0,-0]}',
    );
    expect(apply(['c2s => del json.topic'], msg)).toBe(
      '{"id":18446744073709551615,"price":1.50,"big":1e400,"n":[1.0,-0]}',
    );
    // the rule's own value too, and a number set inside a message's number is not walked into
    expect(apply(['c2s => set json.id = 18446744073709551616'], msg)).toBe(
      '{"id":18446744073709551616,"price":1.50,"big":1e400,"topic":"x","n":[1.0,-0]}',
    );
    // …also into a message whose numbers need no care
    expect(apply(['c2s => set json.v = {"id": 18446744073709551616, "x": 1.5}'], '{"a":1}')).toBe(
      '{"a":1,"v":{"id":18446744073709551616,"x":1.5}}',
    );
    expect(apply(['c2s => set json.price.x = 1'], msg)).toBe(
      '{"id":18446744073709551615,"price":{"x":1},"big":1e400,"topic":"x","n":[1.0,-0]}',
    );
    // valid JSON lossless-json refuses (a key twice) is still edited
    expect(apply(['c2s => set json.b = 2'], '{"a":1,"a":2}')).toBe('{"a":2,"b":2}');
  });

  it('__proto__ is a key of the message, never Object.prototype', () => {
    expect(apply(['c2s => set json.__proto__.polluted = 1'], '{"a":1}')).toBe('{"a":1,"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBe(undefined);
    expect(apply(['c2s => set json.constructor = 1'], '{}')).toBe('{"constructor":1}');
  });
});

describe('rules between ws peers (permessage-deflate, context takeover)', () => {
  it('set, replace, drop, inject and delay do what they say, in order', async () => {
    const rules = [
      'c2s && json.op == "subscribe" => set json.topic = "test"',
      'text contains "secret" => replace /secret(\\d+)/g "redacted$1"',
      's2c && text == "bye" => drop',
      'c2s && text == "ping me" => inject s2c "injected"',
      'opcode == ping => delay 20ms',
      'c2s && json.op == "subscribe" => del json.extra',
    ].map(parseRule);
    const peers = await startPeers(new RuleDecider(rules), {
      serverDeflate: { threshold: 0 },
      clientDeflate: { threshold: 0 },
    });
    try {
      peers.client.send(JSON.stringify({ op: 'subscribe', topic: 'prices', extra: 1 }));
      peers.client.send('my secret42 and secret7');
      peers.client.send('ping me');
      peers.server.send('bye');
      peers.server.send('still here');
      const pong = new Promise<string>((resolve) => peers.client.once('pong', (d) => resolve(d.toString())));
      peers.client.ping('p');
      expect(await pong).toBe('p');
      await until(() => peers.received.c2s.length === 3 && peers.received.s2c.length === 2, 'the messages');
      expect(peers.received.c2s.map((m) => m.data.toString())).toEqual([
        '{"op":"subscribe","topic":"test"}',
        'my redacted42 and redacted7',
        'ping me',
      ]);
      expect(peers.received.s2c.map((m) => m.data.toString()).sort()).toEqual(['injected', 'still here']);
      expect(peers.errors).toEqual([]);
    } finally {
      await peers.close();
    }
  });

  it('close CODE "reason" closes both legs cleanly', async () => {
    const peers = await startPeers(new RuleDecider([parseRule('c2s && text == "quit" => close 4001 "rule said so"')]), {
      serverDeflate: { threshold: 0 },
    });
    try {
      const a = closed(peers.client);
      const b = closed(peers.server);
      peers.client.send('quit');
      expect(await a).toEqual({ code: 4001, reason: 'rule said so' });
      expect(await b).toEqual({ code: 4001, reason: 'rule said so' });
    } finally {
      await peers.close();
    }
  });
});
