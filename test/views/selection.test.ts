// Choosing a view: the negotiated sub-protocol first, then the request path, then the first
// messages (a specific protocol's, else plain JSON); --view forces one. And the JSON view
// keeps big integers exact.
import { describe, expect, it } from 'vitest';
import type { InspectEvent } from '../../src/session/events.js';
import { byContent, byPath, byProtocol } from '../../src/views/registry.js';
import { AppViewStage } from '../../src/views/view-stage.js';
import { jsonView } from '../../src/views/json-view.js';
import { parseJson } from '../../src/views/app-json.js';
import { appJsonFields } from '../../src/render/app-view.js';
import { messageMaker } from './view-messages.js';

describe('view selection rules', () => {
  it('by Sec-WebSocket-Protocol', () => {
    expect(byProtocol('graphql-transport-ws')?.name).toBe('graphql-transport-ws');
    expect(byProtocol('graphql-ws')?.name).toBe('graphql-ws');
    expect(byProtocol('chat')).toBeNull();
    expect(byProtocol(null)).toBeNull();
  });

  it('by request path', () => {
    expect(byPath('/socket.io/?EIO=4&transport=websocket')).toEqual({
      name: 'socket.io',
      why: 'request path /socket.io/?EIO=4&transport=websocket',
    });
    expect(byPath('/custom/?EIO=3&transport=websocket')?.name).toBe('socket.io');
    expect(byPath('/chat')).toBeNull();
  });

  it('by the first message', () => {
    const m = messageMaker();
    expect(byContent(m('0{"sid":"abc","upgrades":[],"pingInterval":25000}', 's2c'))?.name).toBe('socket.io');
    expect(byContent(m('{"jsonrpc":"2.0","method":"ping","id":1}', 'c2s'))?.name).toBe('json-rpc');
    expect(byContent(m('[{"jsonrpc":"2.0","method":"a"}]', 'c2s'))?.name).toBe('json-rpc');
    expect(byContent(m('{"type":"connection_init"}', 'c2s'))?.name).toBe('graphql-transport-ws');
    expect(byContent(m('{"type":"start","id":"1","payload":{}}', 'c2s'))?.name).toBe('graphql-ws');
    expect(byContent(m('{"a":1}', 'c2s'))).toEqual({ name: 'json', why: 'message is JSON' });
    expect(byContent(m('hello', 'c2s'))).toBeNull();
    expect(byContent(m(new Uint8Array([1, 2]), 'c2s'))).toBeNull();
  });
});

/** Events through a view stage, collected. */
function run(choice: ConstructorParameters<typeof AppViewStage>[0], events: InspectEvent[]): InspectEvent[] {
  const out: InspectEvent[] = [];
  const enter = new AppViewStage(choice).connect((e) => out.push(e));
  for (const e of events) enter(e);
  return out;
}

describe('the view stage', () => {
  const conn: InspectEvent = {
    type: 'connection',
    conn: 1,
    time: 0,
    client: 'a:1',
    server: 'b:2',
    detectedBy: 'heuristic',
  };

  it('auto: a JSON first message, later refined by a specific one; the note says why each time', () => {
    const m = messageMaker();
    const out = run('auto', [
      conn,
      m('{"hello":1}', 'c2s'),
      m('{"jsonrpc":"2.0","method":"x","id":7}', 'c2s'),
      m('{"jsonrpc":"2.0","result":1,"id":7}', 's2c'),
    ]);
    expect(
      out.filter((e) => e.type === 'diagnostic').map((e) => e.type === 'diagnostic' && e.diagnostic.message),
    ).toEqual(['view json (message is JSON)', 'view json-rpc (message has "jsonrpc":"2.0")']);
    const last = out.at(-1)!;
    expect(last.type === 'message' && last.pair).toMatchObject({ index: 2, request: 'x' });
  });

  it('--view NAME forces it from the connection on; raw passes events through untouched', () => {
    const m = messageMaker();
    const msg = m('{"jsonrpc":"2.0","method":"x","id":7}', 'c2s');
    const forced = run('json', [conn, msg]);
    expect(forced[1].type === 'diagnostic' && forced[1].diagnostic.message).toBe('view json (--view json)');
    expect(forced[2].type === 'message' && forced[2].app?.protocol).toBe('json');
    const raw = run('raw', [conn, msg]);
    expect(raw).toEqual([conn, msg]);
    expect(raw[1]).toBe(msg);
  });

  it('plain text never picks a view, and is never called invalid JSON', () => {
    const m = messageMaker();
    const out = run('auto', [conn, m('hello', 'c2s'), m('world', 's2c')]);
    expect(out.every((e) => e.type !== 'diagnostic' && !(e.type === 'message' && e.app !== undefined))).toBe(true);
  });
});

describe('the JSON view', () => {
  it('keeps integers beyond 2^53 exact, in --json and in summaries', () => {
    const text = '{"id":18446744073709551615,"small":9007199254740991,"neg":-12345678901234567890,"f":1.5}';
    const decoded = jsonView(true).decode(messageMaker()(text, 's2c'));
    expect(decoded.app?.items[0].summary).toBe(text);
    expect(appJsonFields(decoded.app!, undefined, 100)).toBe(
      `,"app":{"protocol":"json","items":[{"kind":"value","summary":${JSON.stringify(text)},"value":${text}}]}`,
    );
    expect(parseJson('[12345678901234567]')).toEqual([12345678901234567n]);
  });

  it('invalid JSON is app.json.invalid when forced; auto JSON lets plain text be', () => {
    const m = messageMaker();
    expect(jsonView(true).decode(m('{"a":', 'c2s')).diagnostics[0].code).toBe('app.json.invalid');
    expect(jsonView(false).decode(m('{"a":', 'c2s')).diagnostics[0].code).toBe('app.json.invalid');
    expect(jsonView(false).decode(m('plain words', 'c2s')).diagnostics).toEqual([]);
  });
});

describe('-V draws the fields as coloured JSON', () => {
  it('keys, strings and other values each in their colour; no colour, no change', async () => {
    const { paintJsonLine } = await import('../../src/render/app-view.js');
    const { createStyle } = await import('../../src/render/style.js');
    const color = createStyle({ color: true, level: 1 });
    const plain = createStyle({ color: false });
    expect(paintJsonLine('  "a": "x",', plain)).toBe('  "a": "x",');
    expect(paintJsonLine('  "a": "x",', color)).toBe(`  ${color.key('"a"')}: ${color.opcode('"x"')},`);
    expect(paintJsonLine('  18446744073709551615', color)).toBe(`  ${color.len('18446744073709551615')}`);
    expect(paintJsonLine('  "k": [', color)).toBe(`  ${color.key('"k"')}: [`);
  });
});

describe('views in hex and on stdin', () => {
  const text = '{"jsonrpc":"2.0","method":"ping","id":18446744073709551615}';
  const frame = `81${text.length.toString(16).padStart(2, '0')}${Buffer.from(text).toString('hex')}`;

  it('hex: auto picks JSON-RPC by content; --view json is obeyed though hex has no connection event', async () => {
    const { runCli } = await import('../helpers/cli-run.js');
    const auto = runCli(['hex', frame]);
    expect(auto.stdout).toContain('view json-rpc (message has "jsonrpc":"2.0")');
    expect(auto.stdout).toContain('    id: 18446744073709551615');
    const forced = runCli(['hex', '--view', 'json', frame]);
    expect(forced.stdout).toContain('view json (--view json)');
    expect(forced.stdout).toContain('Application (json)');
    expect(forced.stdout).not.toContain('json-rpc');
  });

  it('stdin: the same listing as the file', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { ROOT, runCli } = await import('../helpers/cli-run.js');
    const file = join(ROOT, 'fixtures', 'views', 'socketio.pcap');
    const fromFile = runCli([file]);
    const fromStdin = runCli(['-'], { input: readFileSync(file) });
    expect(fromStdin.stdout).toContain('↳ socket.io EVENT /chat "message" ["hello",42] ack=0');
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });
});
