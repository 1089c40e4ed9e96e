// `wsinspect FILE --frame CONN:INDEX`: the message the frame ends follows it as in the listing
// (the view's note, its ↳ line, with -V its Application block), and with -V a request says
// which messages answered it, found by reading on past it (Wireshark's "[Response In]"); a
// response says what it answers, as in the listing. --json stays one frame.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-run.js';
import { readInProcess } from './read-in-process.js';

const VIEWS = join(ROOT, 'fixtures', 'views');
const frame = async (name: string, target: string, ...more: string[]): Promise<string> => {
  const r = await readInProcess([join(VIEWS, name), '--frame', target, '--no-index', ...more]);
  expect(r.error).toBeNull();
  return r.stdout;
};
const application = (out: string): string => out.slice(out.indexOf('Application ('));

describe('--frame: the message a frame ends, and a request answers', () => {
  it('a JSON-RPC request: its Application block says which frame answered it and when', async () => {
    expect(application(await frame('jsonrpc.pcap', '1:1', '-V'))).toBe(
      [
        'Application (json-rpc)',
        '  request: request add id=1 [2,3]',
        '    id: 1',
        '    method: "add"',
        '    params: [',
        '      2,',
        '      3',
        '    ]',
        '  answered by frame #2 (12.118 ms later)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('the response says what it answers; an error answer is called one; a request never answered says so', async () => {
    const response = await frame('jsonrpc.pcap', '1:2', '-V');
    expect(response).toContain('answers add (connection 1, message at frame #1, 12.118 ms later)');
    expect(response).not.toContain('answered by');
    expect(await frame('jsonrpc.pcap', '1:4', '-V')).toContain('answered by frame #5 (an error, 0.51 ms later)');
    expect(await frame('jsonrpc.pcap', '1:12', '-V')).toContain('  no answer (the connection ended)\n');
  });

  it('a batch and a GraphQL subscription: every answer, with its kind', async () => {
    expect(await frame('jsonrpc.pcap', '1:6', '-V')).toContain(
      '  2 answers: frame #7 (response, 0.312 ms later), #7 (response, 0.312 ms later)\n',
    );
    expect(await frame('graphql.pcap', '2:3', '-V')).toContain(
      '  4 answers: frame #4 (next, 2.257 ms later), #5 (next, 2.432 ms later), #6 (next, 2.549 ms later), #7 (complete, 2.599 ms later)\n',
    );
  });

  it('without -V: the frame line, then the view note and ↳ line the listing has under it; --json: the frame alone', async () => {
    const line = await frame('jsonrpc.pcap', '1:1');
    const lines = line.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('#1 text FIN 54 bytes');
    expect(lines[1]).toContain('app.view.selected  view json-rpc');
    expect(lines[2]).toContain('↳ json-rpc request add id=1 [2,3]');
    expect(line).not.toContain('answered');
    const listing = (await readInProcess([join(VIEWS, 'jsonrpc.pcap'), '-s'])).stdout.split('\n');
    expect(listing.slice(2, 5)).toEqual(lines);
    const json = (await frame('jsonrpc.pcap', '1:1', '--json')).trimEnd().split('\n');
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0])).toMatchObject({ type: 'frame', conn: 1, index: 1 });
  });

  it('a capture cut before the answer: says the capture ends first, with and without the index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-answers-'));
    try {
      const cut = join(dir, 'cut.pcap');
      writeFileSync(cut, readFileSync(join(VIEWS, 'graphql.pcap')).subarray(0, 4000));
      for (const index of ['--no-index', '--index']) {
        process.env.WSINSPECT_CACHE_DIR = join(dir, 'cache');
        const r = await readInProcess([cut, '--frame', '2:3', '-V', index]);
        expect(r.error, index).toBeNull();
        expect(r.stdout, index).toContain('  no answer (the capture ends first)\n');
      }
    } finally {
      delete process.env.WSINSPECT_CACHE_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a keep-alive frame the view marks keeps what a frame is: its payload shows as text, as any text frame', async () => {
    const ping = await frame('socketio.pcap', '1:14', '-V');
    expect(ping).toContain('#14 text FIN 1 byte "2"');
    expect(ping).toContain('  text (UTF-8)\n    "2"');
    expect(ping).not.toContain('this fragment alone');
  });

  it('--view raw: no view, no answers', async () => {
    const out = await frame('jsonrpc.pcap', '1:1', '-V', '--view', 'raw');
    expect(out).not.toContain('Application (');
    expect(out).not.toContain('answered');
  });
});
