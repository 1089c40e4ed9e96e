// RecordStream.feed: records come out the same whatever the chunking (a record cut across
// segments is filled into one buffer, its header possibly cut too), and a header that is not
// one stops the stream at the same record however the bytes arrive.
import { describe, expect, it } from 'vitest';
import { RecordStream } from '../../../src/capture/tls/record-stream.js';
import { concatBytes } from '../../helpers/frame-builder.js';

function record(type: number, length: number, fill: number): Uint8Array {
  const r = new Uint8Array(5 + length);
  r.set([type, 3, 3, length >> 8, length & 0xff]);
  for (let i = 0; i < length; i++) r[5 + i] = (fill + i * 7) & 0xff;
  return r;
}

/** Feeds `bytes` in chunks of the given sizes (cycled); the records as hex, and whether the stream stayed sound. */
function run(bytes: Uint8Array, sizes: number[]): { records: string[]; ok: boolean; pending: number } {
  const s = new RecordStream();
  const records: string[] = [];
  let ok = true;
  let at = 0;
  for (let i = 0; at < bytes.length && ok; i++) {
    const n = sizes[i % sizes.length];
    ok = s.feed(bytes.subarray(at, at + n), (h, b) => records.push(Buffer.from(concatBytes(h, b)).toString('hex')));
    at += n;
  }
  return { records, ok, pending: s.pendingBytes };
}

const stream = concatBytes(
  record(22, 40, 1),
  record(23, 0, 2),
  record(23, 300, 3),
  record(23, 16384 + 2048, 4),
  record(21, 2, 5),
);

describe('RecordStream.feed', () => {
  const whole = run(stream, [stream.length]);

  it('delivers every record of a stream given whole', () => {
    expect(whole.ok).toBe(true);
    expect(whole.records).toHaveLength(5);
    expect(whole.pending).toBe(0);
  });

  it.each([[[1]], [[2]], [[3]], [[4]], [[5]], [[6]], [[7, 1, 300]], [[1000]], [[4096]], [[5, 45, 5, 1]]])(
    'gives the same records in chunks of %j',
    (sizes) => {
      expect(run(stream, sizes)).toEqual(whole);
    },
  );

  it('keeps a cut record as pending bytes', () => {
    const cut = stream.subarray(0, stream.length - 3);
    for (const sizes of [[cut.length], [1], [3, 700]]) {
      const r = run(cut, sizes);
      expect(r.records).toEqual(whole.records.slice(0, 4));
      expect(r.pending).toBe(5 + 2 - 3);
    }
  });

  it('stops at a header that is not one, whatever the chunking', () => {
    const bad = concatBytes(record(22, 40, 1), Uint8Array.of(23, 9, 3, 0, 1, 0), record(23, 10, 2));
    const tooLong = concatBytes(record(22, 40, 1), Uint8Array.of(23, 3, 3, 0x48, 0x01, 0));
    for (const input of [bad, tooLong])
      for (const sizes of [[input.length], [1], [2], [44], [46]]) {
        const r = run(input, sizes);
        expect(r.ok).toBe(false);
        expect(r.records).toHaveLength(1);
        expect(r.pending).toBe(0);
      }
  });
});
