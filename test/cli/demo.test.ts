// `wsinspect demo` as a newcomer runs it: one command, a complete annotated conversation, and
// an exit of its own accord.
import { describe, expect, it } from 'vitest';
import { jsonLines, startCli } from './proxy-cli.js';

describe('wsinspect demo', () => {
  it('plays the whole scripted conversation through the proxy and exits by itself (JSON)', async () => {
    const cli = startCli(['demo', '--pace', '0', '--json']);
    expect(await cli.exited).toBe(0);
    const events = jsonLines(cli.stdout());
    expect(events[0]).toMatchObject({ type: 'connection', conn: 1, detectedBy: 'handshake' });
    expect(events.filter((e) => e.type === 'handshake').map((e) => e.side)).toEqual(['request', 'response']);
    const frames = events.filter((e) => e.type === 'frame');
    const c2s = frames.filter((f) => f.dir === 'c2s').map((f) => f.opcodeName);
    expect(c2s).toEqual(['text', 'binary', 'text', 'text', 'continuation', 'continuation', 'ping', 'close']);
    expect(frames.filter((f) => f.dir === 's2c').map((f) => f.opcodeName)).toEqual([
      'text',
      'binary',
      'text',
      'text',
      'continuation',
      'continuation',
      'pong',
      'close',
    ]);
    expect(frames.every((f) => (f.diagnostics as unknown[]).length === 0)).toBe(true);
    expect(frames.filter((f) => f.compressed).map((f) => f.dir)).toEqual(['c2s', 's2c']);
    const closeFrame = frames.find((f) => f.opcodeName === 'close');
    expect(closeFrame).toMatchObject({ closeCode: 1000, closeReason: 'demo finished' });
    const fragmented = events.filter((e) => e.type === 'message' && e.frames === 3);
    expect(fragmented.map((m) => m.text)).toEqual([
      'A fragmented message arrives in three frames',
      'A fragmented message arrives in three frames',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'close-handshake', frames: { c2s: 8, s2c: 8 } });
    expect(events.filter((e) => e.type === 'diagnostic')).toEqual([]);
  }, 20_000);

  it('prints the steps with the frames as text', async () => {
    const cli = startCli(['demo', '--pace', '0']);
    expect(await cli.exited).toBe(0);
    const out = cli.stdout();
    expect(out).toMatch(/^wsinspect demo: an echo server on 127\.0\.0\.1:\d+/);
    for (let i = 1; i <= 6; i++) expect(out).toContain(`── step ${i} of 6:`);
    expect(out).toContain('"Hello, WebSocket!"');
    expect(out).toContain('1000 Normal Closure "demo finished"');
    expect(out).toMatch(/connection 1 ended \(close-handshake\): 16 frames/);
    expect(cli.stderr()).toBe('');
  }, 20_000);
});
