// The capture file/stdin source: reads in chunks, reports progress, and turns environment
// problems and non-capture input into WsinspectError with stable codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WsinspectError } from '../../src/errors.js';
import type { StreamEvent } from '../../src/session/events.js';
import { readCapture } from '../../src/sources/capture-source.js';
import { decode, fixture, FIXTURES } from '../capture/helpers/capture-harness.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WsinspectError);
    return (e as WsinspectError).code;
  }
  return 'resolved';
}

describe('readCapture', () => {
  it('reads a file path and gives the same events as decoding the bytes', async () => {
    const events: StreamEvent[] = [];
    const progress: [number, number | null][] = [];
    await readCapture(join(FIXTURES, 'interleaved.pcap'), (e) => events.push(e), {
      onProgress: (r, t) => progress.push([r, t]),
    });
    expect(JSON.stringify(events)).toBe(JSON.stringify(decode(fixture('interleaved.pcap'))));
    const size = fixture('interleaved.pcap').length;
    expect(progress.at(-1)).toEqual([size, size]);
  });

  it('reads any byte stream (stdin is one), with the builtin pcap reader too', async () => {
    const bytes = fixture('plain.pcapng');
    const chunks = [bytes.subarray(0, 100), bytes.subarray(100, 101), bytes.subarray(101)];
    for (const pcapReader of ['builtin', 'pcap-parser'] as const) {
      const events: StreamEvent[] = [];
      await readCapture(Readable.from(chunks), (e) => events.push(e), { pcapReader });
      expect(events.filter((e) => e.kind === 'open')).toHaveLength(1);
    }
  });

  it('a missing file, a directory: input.unreadable', async () => {
    expect(await codeOf(readCapture(join(FIXTURES, 'no-such-file.pcap'), () => {}))).toBe('input.unreadable');
    expect(await codeOf(readCapture(FIXTURES, () => {}))).toBe('input.unreadable');
  });

  it('a file that is not a capture, an empty file: capture.format-unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-'));
    writeFileSync(join(dir, 'notes.txt'), 'hello, not a capture\n');
    writeFileSync(join(dir, 'empty.pcap'), '');
    expect(await codeOf(readCapture(join(dir, 'notes.txt'), () => {}))).toBe('capture.format-unknown');
    expect(await codeOf(readCapture(join(dir, 'empty.pcap'), () => {}))).toBe('capture.format-unknown');
  });
});
