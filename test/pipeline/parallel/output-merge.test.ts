// The parallel reader's merge: pieces from several workers come out in tag order, none before
// every worker has said it is done with the tags before it, and the bytes taken go back to
// their worker as acknowledgements. Synthetic workers, random splits and arrival orders.
import { describe, expect, it } from 'vitest';
import { OutputMerge, type ByteSink } from '../../../src/pipeline/parallel/output-merge.js';
import type { OutputMessage } from '../../../src/pipeline/parallel/read-worker-messages.js';

class Recorder implements ByteSink {
  text = '';
  copy(source: Buffer, from: number, to: number): void {
    this.text += source.toString('latin1', from, to);
  }
}

function message(chunks: string[], marks: [number, number][], through: number): OutputMessage {
  return {
    kind: 'output',
    chunks: chunks.map((c) => new Uint8Array(Buffer.from(c, 'latin1'))),
    tags: Float64Array.from(marks.map((m) => m[0])),
    ends: Float64Array.from(marks.map((m) => m[1])),
    through,
  };
}

/** A seeded generator (tests repeat). */
function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('OutputMerge', () => {
  it('writes pieces in tag order, each once every worker is through its tag', () => {
    const out = new Recorder();
    const acks: [number, number][] = [];
    const merge = new OutputMerge(2, out, (w, bytes) => acks.push([w, bytes]));
    // worker 0 owns tags 1 and 4, worker 1 owns 2 and 3
    merge.add(
      0,
      message(
        ['a1', 'a4'],
        [
          [1, 2],
          [4, 4],
        ],
        4,
      ),
    );
    merge.merge(() => true);
    expect(out.text).toBe(''); // worker 1 said nothing yet: it may print at tag 1 or later
    merge.add(1, message(['b2'], [[2, 2]], 2));
    merge.merge(() => true);
    expect(out.text).toBe('a1b2');
    merge.add(1, message(['b3'], [[3, 4]], Infinity));
    merge.merge(() => true);
    expect(out.text).toBe('a1b2b3a4');
    expect(acks).toEqual([
      [0, 2],
      [1, 2],
      [0, 2],
      [1, 2],
    ]);
  });

  it('a worker with nothing to print lets the others go on by its through alone', () => {
    const out = new Recorder();
    const merge = new OutputMerge(3, out, () => {});
    merge.add(0, message(['x'], [[5, 1]], 5));
    merge.add(1, message([], [], 9));
    merge.merge(() => true);
    expect(out.text).toBe('');
    merge.add(2, message([], [], 4));
    merge.merge(() => true);
    expect(out.text).toBe('');
    merge.add(2, message([], [], 5));
    merge.merge(() => true);
    expect(out.text).toBe('x');
  });

  it('stops while the sink asks it to, and goes on from there', () => {
    const out = new Recorder();
    const merge = new OutputMerge(2, out, () => {});
    merge.add(
      0,
      message(
        ['A', 'C'],
        [
          [1, 1],
          [3, 2],
        ],
        Infinity,
      ),
    );
    merge.add(
      1,
      message(
        ['B', 'D'],
        [
          [2, 1],
          [4, 2],
        ],
        Infinity,
      ),
    );
    let budget = 2;
    merge.merge(() => budget-- > 0);
    expect(out.text).toBe('AB');
    merge.merge(() => true);
    expect(out.text).toBe('ABCD');
    expect(merge.complete).toBe(true);
  });

  it('gives back each buffer once all its bytes were taken', () => {
    const out = new Recorder();
    const given: ArrayBuffer[][] = [];
    const merge = new OutputMerge(1, out, (_w, _bytes, buffers) => given.push(buffers));
    const m = message(['abc', 'def'], [[1, 4]], 1);
    const [first, second] = m.chunks.map((c) => c.buffer);
    merge.add(0, m);
    merge.merge(() => true);
    expect(out.text).toBe('abcd');
    expect(given).toEqual([[first]]);
    merge.add(0, message([], [[2, 6]], 2));
    merge.merge(() => true);
    expect(given[1][0]).toBe(second);
  });

  it('a piece whose bytes never came is a bug, not a silent gap', () => {
    const merge = new OutputMerge(1, new Recorder(), () => {});
    merge.add(0, message(['ab'], [[1, 5]], 1));
    expect(() => merge.merge(() => true)).toThrow(/posted only 2 bytes/);
  });

  it('random owners, piece sizes, message splits and arrival orders: the output is in tag order', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      const workers = 1 + Math.floor(rnd() * 4);
      const tags = 1 + Math.floor(rnd() * 60);
      // what each tag prints (often nothing), and which worker owns it
      const owner = Array.from({ length: tags + 1 }, () => Math.floor(rnd() * workers));
      const printed = Array.from({ length: tags + 1 }, (_, t) =>
        rnd() < 0.4 ? '' : `<${t}:${'x'.repeat(Math.floor(rnd() * 5))}>`,
      );
      const expected = printed.slice(1).join('');
      // each worker's messages, in its order: bytes cut anywhere, marks and through as workers post them
      const queues: OutputMessage[][] = Array.from({ length: workers }, () => []);
      for (let w = 0; w < workers; w++) {
        let pending = '';
        let marks: [number, number][] = [];
        let position = 0;
        const post = (through: number) => {
          const cut = Math.floor(rnd() * (pending.length + 1));
          const chunks = [pending.slice(0, cut), pending.slice(cut)].filter((c) => c.length > 0);
          queues[w].push(message(chunks, marks, through));
          pending = '';
          marks = [];
        };
        for (let t = 1; t <= tags; t++) {
          if (owner[t] !== w || printed[t] === '') continue;
          pending += printed[t];
          position += printed[t].length;
          marks.push([t, position]);
          if (rnd() < 0.3) post(t);
        }
        post(Infinity);
      }
      const out = new Recorder();
      const merge = new OutputMerge(workers, out, () => {});
      const heads = new Array<number>(workers).fill(0);
      while (heads.some((h, w) => h < queues[w].length)) {
        const ready = heads.map((h, w) => (h < queues[w].length ? w : -1)).filter((w) => w >= 0);
        const w = ready[Math.floor(rnd() * ready.length)];
        merge.add(w, queues[w][heads[w]++]);
        merge.merge(() => rnd() < 0.9);
      }
      merge.merge(() => true);
      expect(out.text, `seed ${seed}`).toBe(expected);
      expect(merge.complete).toBe(true);
    }
  });
});
