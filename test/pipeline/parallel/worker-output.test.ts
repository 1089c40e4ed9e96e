// A read worker's stdout: what it posts (bytes, marks, through), and how it holds the worker
// back while the main thread has not taken its output (write() false, then 'drain').
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { OutputMessage } from '../../../src/pipeline/parallel/read-worker-messages.js';
import { MAX_UNACKED_BYTES, WorkerOutput } from '../../../src/pipeline/parallel/worker-output.js';

function setup() {
  const { port1, port2 } = new MessageChannel();
  const received: OutputMessage[] = [];
  port1.on('message', (m: OutputMessage) => received.push(m));
  let position = 0;
  const out = new WorkerOutput(port2, () => position);
  const write = (s: string) => {
    position += s.length;
    return out.write(Buffer.from(s, 'latin1'));
  };
  const next = () => new Promise<OutputMessage>((resolve) => port1.once('message', resolve));
  const close = () => {
    port1.close();
    port2.close();
  };
  return { out, write, received, next, close, setPosition: (p: number) => (position = p) };
}

describe('WorkerOutput', () => {
  it('posts the bytes written, the marks and the through; a mark with nothing new printed is none', async () => {
    const t = setup();
    t.write('abc');
    t.out.mark(3);
    t.out.mark(4);
    t.write('de');
    t.out.mark(7);
    const got = t.next();
    t.out.post(7);
    const m = await got;
    expect(Buffer.concat(m.chunks.map((c) => Buffer.from(c))).toString('latin1')).toBe('abcde');
    expect([...m.tags]).toEqual([3, 7]);
    expect([...m.ends]).toEqual([3, 5]);
    expect(m.through).toBe(7);
    t.close();
  });

  it('tags only grow; marks ahead of the bytes written are a bug', () => {
    const t = setup();
    t.write('a');
    t.out.mark(5);
    t.write('b');
    expect(() => t.out.mark(4)).toThrow(/after 5/);
    t.setPosition(10);
    t.out.mark(6);
    expect(() => t.out.post(6)).toThrow(/marked up to 10/);
    t.close();
  });

  it('asks the printer to wait beyond MAX_UNACKED_BYTES, and lets it go on once half was taken back', () => {
    const t = setup();
    const block = 'x'.repeat(64 * 1024);
    let written = 0;
    while (t.write(block)) written += block.length;
    written += block.length;
    expect(written).toBeGreaterThan(MAX_UNACKED_BYTES);
    let drained = 0;
    t.out.on('drain', () => drained++);
    t.out.acknowledge(written - MAX_UNACKED_BYTES, []);
    expect(drained).toBe(0);
    t.out.acknowledge(MAX_UNACKED_BYTES / 2, []);
    expect(drained).toBe(1);
    expect(t.write('y')).toBe(true);
    t.close();
  });

  it('large writes span several transfer buffers, and the bytes stay in order', async () => {
    const t = setup();
    const text = Array.from({ length: 600_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    t.write(text.slice(0, 300_000));
    t.write(text.slice(300_000));
    t.out.mark(1);
    const got = t.next();
    t.out.post(1);
    const m = await got;
    expect(Buffer.concat(m.chunks.map((c) => Buffer.from(c))).toString('latin1')).toBe(text);
    expect(m.chunks.length).toBeGreaterThan(2);
    t.close();
  });
});
