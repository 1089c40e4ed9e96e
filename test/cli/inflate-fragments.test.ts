// -V on a fragmented compressed message (issue 17 item 19): permessage-deflate compresses the
// message, not each frame, so the last frame explains the inflation of all the frames'
// payloads joined; the earlier frames say where to look, and no fragment's compressed bytes
// are drawn as text. Real traffic: the fixture recorded from `ws`, and `ws` peers live through
// `wsinspect proxy -V`.
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';
import { closed, nextMessage, openClient, startEchoServer, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, startProxyCli } from './proxy-cli.js';

/** The lines of one frame's full view, from its rule line to the next one. */
function frameView(out: string, index: number): string {
  const start = out.search(new RegExp(`^[→←] #${index} `, 'm'));
  expect(start, `frame #${index} in the output`).toBeGreaterThanOrEqual(0);
  const end = out.indexOf('─'.repeat(20), start);
  return end < 0 ? out.slice(start) : out.slice(start, end);
}

/** The bit diagram's payload rows: "→ 1a 02" (hex), with any quoted text after it. */
const diagramPayloadRows = (view: string): string[] =>
  view
    .slice(0, view.indexOf('\nFields'))
    .split('\n')
    .filter((l) => /\|\s+→ /.test(l));

describe('-V on a fragmented compressed message', () => {
  it('the last frame (recorded from ws) explains the whole message: payloads joined, blocks, ratio', () => {
    const out = runCli(['fixtures/fragmented.pcap', '--frame', '1:15', '-V', '--no-color']).stdout;
    const view = frameView(out, 15);
    expect(view).toContain('This frame ends a compressed message of 2 frames (#14–#15)');
    expect(view).toMatch(/joined \(11 \+ 5 = 16\s+bytes\) and inflated once/);
    // frame 14's payload, a bar, frame 15's payload, then the tail the sender removed
    expect(view).toContain('    1a 9c 41 80 a2 07 00 00 00 ff ff | 1a 02 4e 04 00 + 00 00 ff ff');
    // ws flushed after the first fragment: an empty stored block inside the message
    expect(view).toContain('an empty block: a sync flush inside the message');
    expect(view).toContain('the empty block of the sync flush: the 00 00 ff ff put back above');
    expect(view).toContain('in an earlier message (context takeover)');
    expect(view).toContain('16 bytes on the wire (2 frames) for 326 bytes of text: compression saved 310 bytes (95%)');
    const rows = diagramPayloadRows(view);
    expect(rows.join('\n')).toContain('→ 4e 04 00');
    for (const r of rows) expect(r, 'compressed bytes are not drawn as text').not.toMatch(/"/);
  });

  it('the first frame says the message is inflated whole, under its last frame', () => {
    const out = runCli(['fixtures/fragmented.pcap', '--frame', '1:8', '-V', '--no-color']).stdout;
    const view = frameView(out, 8);
    expect(view).toContain('permessage-deflate compresses a message, not a frame (RFC 7692 §6.1)');
    expect(view).not.toContain('bytes on the wire');
    const middle = frameView(runCli(['fixtures/fragmented.pcap', '--frame', '1:9', '-V', '--no-color']).stdout, 9);
    expect(middle).toContain('part of a compressed message (RSV1 on its first frame)');
    expect(middle).toContain('-V on that');
  });

  it('live through the proxy: ws sends a compressed message in 3 fragments', async () => {
    const echo = await startEchoServer({ threshold: 0 });
    const proxy = await startProxyCli([
      '--target',
      `ws://127.0.0.1:${echo.port}`,
      '-V',
      '--dir',
      'c2s',
      '--opcode',
      'text,continuation',
    ]);
    // short enough that the whole compressed message is shown in hex (32 bytes at most)
    const parts = ['hello ', 'hello hello ', 'hello'];
    const text = parts.join('');
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/frag`, { perMessageDeflate: { threshold: 0 } });
      parts.forEach((p, i) => ws.send(p, { fin: i === parts.length - 1, compress: true }));
      expect((await nextMessage(ws)).toString()).toBe(text);
      await until(() => /text message from 3 fragments/.test(proxy.stdout()), 'the message line');
      ws.close();
      await closed(ws);
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      await echo.close();
    }
    const out = proxy.stdout();
    const last = frameView(out, 3);
    expect(last).toContain('This frame ends a compressed message of 3 frames (#1–#3)');
    const m = /joined \((\d+) \+ (\d+) \+ (\d+) = (\d+)\s+bytes\)/.exec(last);
    expect(m).not.toBeNull();
    const [a, b, c, total] = m!.slice(1).map(Number);
    expect(a + b + c).toBe(total);
    expect(last).toContain(`${total} bytes on the wire (3 frames) for ${text.length} bytes of text`);
    // the hex shown is the joined compressed message: zlib inflates it (with the tail) to the text
    const hexLine = last.split('\n').find((l) => l.includes('+ 00 00 ff ff'))!;
    expect(hexLine).toMatch(/^ {4}[0-9a-f]{2}( [0-9a-f]{2}| \|)* \+ 00 00 ff ff$/);
    const bytes = Buffer.from(hexLine.replace('+ 00 00 ff ff', '').replace(/[|\s]/g, ''), 'hex');
    expect(bytes.length).toBe(total);
    // the first message of the connection: it inflates alone, as zlib shows
    expect(
      inflateRawSync(Buffer.concat([bytes, Buffer.from([0x00, 0x00, 0xff, 0xff])]), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
      }).toString(),
    ).toBe(text);
    for (const i of [1, 2, 3])
      for (const r of diagramPayloadRows(frameView(out, i))) expect(r, `frame #${i}`).not.toMatch(/"/);
    expect(frameView(out, 1)).toContain('-V on that');
  }, 20_000);
});
