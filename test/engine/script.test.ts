// --script modules as the engine's decider, between real ws peers: every hook and result
// kind, ctx.send/close/log, a hook that throws or whose Promise is pending past 5 s (the
// message passes, the error is reported once per connection), reload on change, and the load
// errors.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScript, ScriptDecider, ScriptLoadError } from '../../src/engine/script.js';
import { closed } from '../sources/proxy/proxy-harness.js';
import { changed, startPeers, until } from './engine-peers.js';

const SCRIPT = `
export default {
  onConnect(conn, ctx) { ctx.log('connected', conn.path, conn.compressed); },
  async onMessage(msg, ctx) {
    if (msg.json?.op === 'subscribe') return { json: { ...msg.json, topic: 'test' } };
    if (msg.text === 'drop me') return 'drop';
    if (msg.text === 'hello') { ctx.send('s2c', 'hi from the script'); ctx.log('saw', msg.text); return; }
    if (msg.text === 'async') { await new Promise((r) => setTimeout(r, 20)); return { text: 'async done' }; }
    if (msg.text === 'binary') return { data: new Uint8Array([1, 2, 3]) };
    if (msg.text?.startsWith('throw')) throw new Error('boom from the script');
    if (msg.text === 'slow') return new Promise(() => {});
    if (msg.text === 'quit') ctx.close(4002, 'script closed');
  },
  onControl(frame) { if (frame.opcodeName === 'ping' && new TextDecoder().decode(frame.payload) === 'drop-me') return 'drop'; },
};
`;

function scriptFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-script-')), 'script.mjs');
  writeFileSync(file, text);
  return file;
}

describe('--script through the engine', () => {
  it('onMessage results, ctx.send, ctx.log, onConnect and onControl do what they say', async () => {
    const decider = new ScriptDecider(await loadScript(scriptFile(SCRIPT)), 'script.mjs');
    const peers = await startPeers(decider, { serverDeflate: { threshold: 0 } });
    try {
      peers.client.send(JSON.stringify({ op: 'subscribe', topic: 'prices' }));
      peers.client.send('drop me');
      peers.client.send('async');
      peers.client.send('binary');
      peers.client.send('hello');
      let pongs = 0;
      peers.client.on('pong', () => {
        pongs++;
        changed();
      });
      peers.client.ping('drop-me');
      peers.client.ping('keep');
      await until(() => peers.received.c2s.length === 4 && peers.received.s2c.length === 1 && pongs === 1, 'all');
      expect(peers.received.c2s.map((m) => (m.text ? m.data.toString() : [...m.data]))).toEqual([
        '{"op":"subscribe","topic":"test"}',
        'async done',
        [1, 2, 3],
        'hello',
      ]);
      expect(peers.received.s2c.map((m) => m.data.toString())).toEqual(['hi from the script']);
      expect(peers.notes).toEqual(['script.mjs: connected / true', 'script.mjs: saw hello']);
      expect(peers.dropped).toEqual(['c2s dropped by script.mjs drop me']);
      expect(peers.errors).toEqual([]);
    } finally {
      await peers.close();
    }
  });

  it('a hook that throws or whose Promise is pending past 5 s lets the message pass; the error is shown once', async () => {
    const decider = new ScriptDecider(await loadScript(scriptFile(SCRIPT)), 'script.mjs');
    const peers = await startPeers(decider, { serverDeflate: { threshold: 0 } });
    try {
      peers.client.send('throw 1');
      peers.client.send('throw 2');
      peers.client.send('slow');
      peers.client.send('after');
      await until(() => peers.received.c2s.length === 4, 'all four, unchanged');
      expect(peers.received.c2s.map((m) => m.data.toString())).toEqual(['throw 1', 'throw 2', 'slow', 'after']);
      const errors = peers.notes.filter((n) => n.includes('hook failed'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('Error: boom from the script');
      expect(errors[0]).toContain('script.mjs'); // the stack names the script
    } finally {
      await peers.close();
    }
  }, 20_000);

  it('ctx.send with a wrong argument fails the hook in one line; the next message is not marked injected', async () => {
    const script = `export default {
      onMessage(msg, ctx) {
        if (msg.text === 'number') ctx.send('s2c', 12345);
        if (msg.text === 'sideways') ctx.send('sideways', 'x');
      },
    };`;
    const decider = new ScriptDecider(await loadScript(scriptFile(script)), 'bad-send.mjs');
    const peers = await startPeers(decider, { serverDeflate: false });
    try {
      peers.client.send('number');
      peers.client.send('sideways');
      peers.client.send('after');
      await until(() => peers.received.c2s.length === 3, 'all three, unchanged');
      expect(peers.received.c2s.map((m) => m.data.toString())).toEqual(['number', 'sideways', 'after']);
      expect(peers.received.s2c).toEqual([]);
      expect(peers.marks).toEqual(['c2s wire', 'c2s wire', 'c2s wire']);
      const errors = peers.notes.filter((n) => n.includes('hook failed'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('TypeError: ctx.send: the message is a string or a Uint8Array, not number 12345');
      expect(peers.notes.filter((n) => n.includes('internal error'))).toEqual([]);
    } finally {
      await peers.close();
    }
  });

  it('ctx.close closes both legs cleanly', async () => {
    const decider = new ScriptDecider(await loadScript(scriptFile(SCRIPT)), 'script.mjs');
    const peers = await startPeers(decider, { serverDeflate: false });
    try {
      const a = closed(peers.client);
      const b = closed(peers.server);
      peers.client.send('quit');
      expect(await a).toEqual({ code: 4002, reason: 'script closed' });
      expect(await b).toEqual({ code: 4002, reason: 'script closed' });
    } finally {
      await peers.close();
    }
  });

  it('reloads the module when the file changes', async () => {
    const file = scriptFile(`export default { onMessage(m) { return { text: 'v1 ' + m.text }; } };`);
    const decider = new ScriptDecider(await loadScript(file), 'script.mjs');
    const reloads: string[] = [];
    decider.watch(file, (text) => {
      reloads.push(text);
      changed();
    });
    const peers = await startPeers(decider, { serverDeflate: false });
    try {
      peers.client.send('a');
      await until(() => peers.received.c2s.length === 1, 'the first message');
      writeFileSync(file, `export default { onMessage(m) { return { text: 'v2 ' + m.text }; } };`);
      await until(() => reloads.length > 0, 'the reload');
      expect(reloads[0]).toBe('script.mjs reloaded');
      peers.client.send('b');
      await until(() => peers.received.c2s.length === 2, 'the second message');
      // an editor that saves by renaming a new file over the old one
      writeFileSync(`${file}.tmp`, `export default { onMessage(m) { return { text: 'v3 ' + m.text }; } };`);
      renameSync(`${file}.tmp`, file);
      await until(() => reloads.length > 1, 'the second reload');
      peers.client.send('c');
      await until(() => peers.received.c2s.length === 3, 'the third message');
      expect(peers.received.c2s.map((m) => m.data.toString())).toEqual(['v1 a', 'v2 b', 'v3 c']);
    } finally {
      decider.stop();
      await peers.close();
    }
  });

  it.each([
    ['export default 42;', /has no default export object/],
    [
      'export default { onMesage() {} };',
      /exports none of the hooks onConnect, onMessage, onControl, onClose \(it has onMesage\)/,
    ],
    ['export default { onMessage: 1 };', /onMessage is not a function/],
    ['export default {', /cannot load .*script\.mjs: /],
    // the script is there: what is missing is the package it imports
    [
      'import "no-such-package-here";\nexport default { onMessage() {} };',
      /cannot load .*script\.mjs: Cannot find package 'no-such-package-here' imported from /,
    ],
  ])('refuses %s in one line', async (text, message) => {
    const error = await loadScript(scriptFile(text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptLoadError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
