// The read options that make sense live work on `wsinspect proxy` as on a capture: --messages,
// --errors, --grep (-i), --opcode, --dir and -V (with --explain). The same conversation is
// recorded with --write, and `wsinspect FILE` with the same flags must show the same lines
// (times and addresses aside): one option parser and one filter for both.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { closed, nextMessage, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, startProxyCli } from './proxy-cli.js';

/** A line's content without the time column (live and file times differ). */
function content(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^\s*[\d.]+ Connection \d+:/.test(l))
    .map((l) => l.replace(/^\s*\d+\.\d{6} /, ''));
}

async function session(args: string[]): Promise<{ live: string; file: string }> {
  const echo = await startEchoServer();
  const file = join(mkdtempSync(join(tmpdir(), 'wsinspect-filters-')), 'f.pcapng');
  const proxy = await startProxyCli(['--target', `ws://127.0.0.1:${echo.port}`, '--write', file, ...args]);
  try {
    const ws = await openClient(`ws://127.0.0.1:${proxy.port}/f`);
    ws.send('Hello there');
    await nextMessage(ws);
    ['frag', 'mented'].forEach((p, i) => ws.send(p, { fin: i === 1 }));
    await nextMessage(ws);
    ws.send(Buffer.from([1, 2, 3]));
    await nextMessage(ws);
    ws.ping('are you there');
    ws.close(1000, 'goodbye');
    await closed(ws);
    // a content filter hides the connection's end line; without one, the end is awaited so
    // that Ctrl-C does not come first (every frame was decoded before the client saw it)
    if (args.every((a) => a === '--messages' || a === '--write' || !a.startsWith('--')))
      await until(() => /ended \(close-handshake\)/.test(proxy.stdout()), 'the end of the connection');
  } finally {
    expect(await interrupt(proxy)).toBe(0);
    await echo.close();
  }
  return { live: proxy.stdout(), file };
}

describe('wsinspect proxy takes the display options of a capture', () => {
  it('--messages, --grep -i, --opcode, --dir and --errors pick what the capture of the same traffic shows', async () => {
    for (const flags of [
      ['--messages'],
      ['--grep', 'HELLO', '-i'],
      ['--opcode', 'ping,close', '--dir', 'c2s'],
      ['--errors'],
      ['--messages', '--dir', 's2c'],
    ]) {
      const { live, file } = await session(flags);
      const read = runCli([file, ...flags]);
      expect(read.status).toBe(0);
      // the capture also numbers the packets and names the addresses the same way
      expect([flags, content(live)]).toEqual([flags, content(read.stdout)]);
      if (flags[0] === '--messages') expect(live).toMatch(/fragmented/);
      if (flags[0] === '--grep') {
        expect(live).toMatch(/"Hello there"/);
        expect(live).not.toMatch(/fragmented|goodbye/);
      }
      if (flags[0] === '--opcode') {
        expect(live).toMatch(/ping FIN/);
        expect(live).not.toMatch(/text|pong/);
      }
    }
  }, 60_000);

  it('-V draws the full view of each frame live, and --explain with it adds the rules', async () => {
    const { live } = await session(['-V', '--explain', '--opcode', 'text', '--dir', 'c2s']);
    expect(live).toMatch(/Hello there/);
    expect(live).toMatch(/RFC 6455 §5\.3/);
    // the masked payload's hex dump, as for a capture
    expect(live).toMatch(/Masking key/i);
  }, 20_000);

  it('a bad --grep or --opcode is one line and exit status 2, before listening', () => {
    const grep = runCli(['proxy', '--listen', '127.0.0.1:0', '--grep', '(']);
    expect([grep.status, grep.stdout, grep.stderr.split('\n').length]).toEqual([2, '', 2]);
    expect(grep.stderr).toMatch(/^wsinspect: --grep: not a valid regular expression/);
    const opcode = runCli(['proxy', '--listen', '127.0.0.1:0', '--opcode', 'nonsense']);
    expect([opcode.status, opcode.stderr]).toEqual([
      2,
      'wsinspect: --opcode: unknown frame type "nonsense" (one of text, binary, continuation, close, ping, pong, control, data, reserved)\n',
    ]);
    const explain = runCli(['proxy', '--listen', '127.0.0.1:0', '--explain']);
    expect([explain.status, explain.stderr]).toEqual([
      2,
      'wsinspect: --explain adds the rules to the full view: add -V\n',
    ]);
  });
});
