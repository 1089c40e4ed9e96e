// `wsinspect FILE --frame CONN:INDEX` through the capture's saved index (issue 11 §2): the same
// output as reading up to the frame, for every frame of every fixture; the frame read by
// offset (a capture damaged before the frame, with its index still valid, shows it unchanged);
// a stale, damaged or unsavable index never changes the answer, only says why it was rebuilt.
import {
  appendFileSync,
  readFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FrameEvent } from '../../src/session/events.js';
import { ROOT, runCli } from '../helpers/cli-run.js';
import { indexOf, pipelineEvents } from '../index/helpers.js';
import { readInProcess } from './read-in-process.js';

const FIXTURES = join(ROOT, 'fixtures');
const MIB = 1024 * 1024;

let dir = '';
let cache = '';
let stderr: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsinspect-frame-index-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function useCache(name: string): string {
  cache = join(dir, name);
  process.env.WSINSPECT_CACHE_DIR = cache;
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  return join(cache, 'index');
}
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.WSINSPECT_CACHE_DIR;
});

const notes = () => stderr.join('');
const frame = (file: string, target: string, ...more: string[]) => readInProcess([file, '--frame', target, ...more]);

async function framesOf(path: string): Promise<FrameEvent[]> {
  return (await pipelineEvents(path)).filter((e): e is FrameEvent => e.type === 'frame');
}

describe('--frame through the saved index', () => {
  const plain = [
    'interleaved.pcap',
    'deflate.pcap',
    'deflate-no-context.pcap',
    'fragmented.pcap',
    'lengths.pcap',
    'midstream.pcap',
    'close-reason.pcap',
    'ipv6.pcap',
    'plain.pcapng',
  ];
  for (const name of plain) {
    it(`${name}: every frame, -V, the same as reading up to it`, async () => {
      const indexDir = useCache(name);
      const path = join(FIXTURES, name);
      const frames = await framesOf(path);
      expect(frames.length).toBeGreaterThan(2);
      for (const f of frames) {
        const target = `${f.conn}:${f.index}`;
        const [withIndex, without] = [
          await frame(path, target, '-V', '--index'),
          await frame(path, target, '-V', '--no-index'),
        ];
        expect(withIndex.error, target).toBeNull();
        expect(withIndex.stdout, target).toBe(without.stdout);
        expect(withIndex.stdout).toContain(`#${f.index} `);
      }
      // built once, then only read
      expect(readdirSync(indexDir).filter((n) => n.endsWith('.wsidx'))).toHaveLength(1);
      expect(notes().match(/indexed /g)).toHaveLength(1);
    });
  }

  // with application views: the message a frame ends (its notes, ↳ lines, Application block)
  // and a request's answers, found by replaying the connection from the index as without it
  const views = ['jsonrpc.pcap', 'graphql.pcap', 'socketio.pcap', 'mqtt.pcap', 'stomp.pcap', 'signalr.pcap'];
  for (const name of views) {
    it(`views/${name}: every frame, -V and -s, the same as reading up to it`, async () => {
      useCache(name);
      const path = join(FIXTURES, 'views', name);
      const frames = await framesOf(path);
      let apps = 0;
      for (const f of frames) {
        const target = `${f.conn}:${f.index}`;
        for (const mode of ['-V', '-s']) {
          const [withIndex, without] = [
            await frame(path, target, mode, '--index'),
            await frame(path, target, mode, '--no-index'),
          ];
          expect(withIndex.error, target).toBeNull();
          expect(withIndex.stdout, `${target} ${mode}`).toBe(without.stdout);
          if (withIndex.stdout.includes('Application (')) apps++;
        }
      }
      expect(apps).toBeGreaterThan(2);
    });
  }

  it('a frame that does not exist: the same one-line error with and without the index', async () => {
    useCache('missing');
    const path = join(FIXTURES, 'interleaved.pcap');
    for (const target of ['1:100000', '99:1']) {
      const a = await frame(path, target, '--index');
      const b = await frame(path, target, '--no-index');
      expect(a.error).toMatch(/no frame/);
      expect(a.error).toBe(b.error);
    }
  });

  it('a TLS connection: the frame is decrypted from the connection start, the same with and without the index', async () => {
    useCache('tls');
    const path = join(FIXTURES, 'tls', 'keyupdate.pcap');
    const keys = ['--keylog', join(FIXTURES, 'tls', 'keyupdate.keys')];
    for (const target of ['1:1', '1:3']) {
      const a = await frame(path, target, '-V', '--tls-detail', ...keys, '--index');
      const b = await frame(path, target, '-V', '--tls-detail', ...keys, '--no-index');
      expect(a.error).toBeNull();
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toContain('TLS');
    }
  });

  it('--index without --frame is refused (exit 2)', () => {
    const r = runCli([join(FIXTURES, 'interleaved.pcap'), '--index']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--index and --no-index choose how --frame finds its frame/);
  });
});

describe('--frame on a generated capture', () => {
  let big = '';
  let zipped = '';
  beforeAll(async () => {
    const { generateCapture } = (await import(pathToFileURL(join(ROOT, 'bench', 'lib', 'pcap-gen.js')).href)) as {
      generateCapture: (o: { path: string; targetBytes: number; seed: number; compressed?: boolean }) => unknown;
    };
    big = join(dir, 'big.pcap');
    zipped = join(dir, 'zipped.pcap');
    generateCapture({ path: big, targetBytes: 3 * MIB, seed: 21 });
    generateCapture({ path: zipped, targetBytes: 3 * MIB, seed: 22, compressed: true });
  });

  it('reads the frame by offset: a capture damaged before it still shows it, as long as its index stands', async () => {
    useCache('offset');
    const { state } = await indexOf(big);
    // the last frame of connection 1 that is a whole message of its own, well past the middle
    const f = state.frames;
    let row = -1;
    for (let r = f.length - 1; r >= 0 && row < 0; r--)
      if (
        f.conn.get(r) === 1 &&
        (f.flags.get(r) & 0xf) !== 0 &&
        (f.flags.get(r) & 0x10) !== 0 &&
        f.record.get(r) > 2 * MIB
      )
        row = r;
    expect(row).toBeGreaterThan(0);
    const target = `1:${f.index.get(row)}`;
    const before = await frame(big, target, '-V', '--index');
    expect(before.error).toBeNull();
    expect(notes()).toMatch(/indexed .*big\.pcap/);
    // overwrite the middle of the file (not its first or last 64 KiB, which the index checks), keep its time
    const { atimeMs, mtimeMs } = statSync(big);
    const fd = openSync(big, 'r+');
    writeSync(fd, Buffer.alloc(512 * 1024, 0xa5), 0, 512 * 1024, MIB);
    closeSync(fd);
    utimesSync(big, atimeMs / 1000, mtimeMs / 1000);
    stderr.length = 0;
    const after = await frame(big, target, '-V', '--index');
    expect(notes()).toBe('');
    expect(after.stdout).toBe(before.stdout);
    // reading up to the frame goes through the damage
    const through = await frame(big, target, '-V', '--no-index');
    expect(through.stdout).not.toBe(before.stdout);
  });

  it('permessage-deflate with context takeover: frames in the middle inflate from the checkpoints', async () => {
    useCache('deflate');
    const frames = (await framesOf(zipped)).filter((e) => e.compressed === true);
    expect(frames.length).toBeGreaterThan(100);
    for (const f of [frames[Math.floor(frames.length / 2)], frames[frames.length - 2], frames[7]]) {
      const target = `${f.conn}:${f.index}`;
      const a = await frame(zipped, target, '-V', '--index');
      const b = await frame(zipped, target, '-V', '--no-index');
      expect(a.stdout, target).toBe(b.stdout);
      expect(a.stdout).toContain('Inflat');
    }
  });

  it('a stale index (the capture grew) is rebuilt, and says so', async () => {
    useCache('stale');
    const copy = join(dir, 'stale.pcap');
    writeFileSync(copy, readFileSync(big));
    const first = await frame(copy, '2:5', '--index');
    const more = Buffer.alloc(16); // a pcap record header cut short: the file changed
    appendFileSync(copy, more);
    stderr.length = 0;
    const again = await frame(copy, '2:5', '--index');
    expect(notes()).toMatch(
      /the saved index is stale \(the capture was \d+ bytes, now \d+\): indexing the capture again/,
    );
    expect(again.stdout).toBe(first.stdout);
  });

  it('a damaged index file is rebuilt; an index that cannot be saved is said, and the frame still shown', async () => {
    const indexDir = useCache('damaged');
    const first = await frame(big, '3:9', '-V', '--index');
    const [name] = readdirSync(indexDir);
    const file = join(indexDir, name);
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, Math.floor(size / 2));
    closeSync(fd);
    stderr.length = 0;
    const again = await frame(big, '3:9', '-V', '--index');
    expect(notes()).toMatch(/damaged/);
    expect(again.stdout).toBe(first.stdout);

    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    process.env.WSINSPECT_CACHE_DIR = blocker;
    stderr.length = 0;
    const unsaved = await frame(big, '3:9', '-V', '--index');
    expect(notes()).toMatch(/the index could not be saved \(ENOTDIR\)/);
    expect(unsaved.stdout).toBe(first.stdout);
  });
});
