// The library's capture reader (`readCapture` from src/index.ts): an async iterable of the
// decoded events of a capture file or byte stream, the same events `wsinspect FILE` decodes.
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCapture, WsinspectError, eventJson, type InspectEvent } from '../../src/index.js';
import { assumedDeflate } from '../../src/protocol/deflate-params.js';
import { ConnectionDemux } from '../../src/session/connection-demux.js';
import { decode, fixture, FIXTURES } from '../capture/helpers/capture-harness.js';

const ALL = { maxPayload: Infinity };

/** The events as decoded without the pipeline: the capture stage's StreamEvents into a demux. */
function reference(file: string | Uint8Array): string[] {
  const out: InspectEvent[] = [];
  const demux = new ConnectionDemux({ assumeDeflate: assumedDeflate(), onEvent: (e) => out.push(e) });
  for (const e of decode(typeof file === 'string' ? fixture(file) : file)) demux.handle(e);
  demux.finish(out.at(-1)?.time ?? null);
  return out.map((e) => eventJson(e, ALL));
}

async function collect(events: AsyncIterable<InspectEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of events) out.push(eventJson(e, ALL));
  return out;
}

describe('readCapture (library)', () => {
  it('gives every decoded event of a file, as the session decoder does', async () => {
    for (const file of ['interleaved.pcap', 'fragmented.pcap', 'deflate.pcap', 'plain.pcapng']) {
      const got = await collect(readCapture(join(FIXTURES, file)));
      expect(got, file).toEqual(reference(file));
      expect(
        got.some((l) => l.startsWith('{"type":"message"')),
        file,
      ).toBe(true);
    }
  });

  it('reads any byte stream, in chunks of any size', async () => {
    const bytes = fixture('interleaved.pcap');
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 300), bytes.subarray(300)];
    expect(await collect(readCapture(Readable.from(chunks)))).toEqual(reference('interleaved.pcap'));
  });

  it('a capture cut mid-record: the cut is reported and the open connections end (input-ended)', async () => {
    const whole = fixture('interleaved.pcap');
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6) + 3);
    const got = await collect(readCapture(Readable.from([cut])));
    expect(got).toEqual(reference(cut));
    expect(got.filter((l) => l.includes('"reason":"input-ended"')).length).toBeGreaterThan(0);
  });

  it('pulls: a consumer that stops early stops the reading', async () => {
    const seen: string[] = [];
    for await (const e of readCapture(join(FIXTURES, 'interleaved.pcap'))) {
      seen.push(e.type);
      if (e.type === 'frame') break;
    }
    expect(seen.at(-1)).toBe('frame');
    expect(seen.filter((t) => t === 'frame')).toHaveLength(1);
  });

  it('unreadable input and non-captures reject with a WsinspectError', async () => {
    await expect(collect(readCapture(join(FIXTURES, 'no-such-file.pcap')))).rejects.toSatisfy(
      (e) => e instanceof WsinspectError && e.code === 'input.unreadable',
    );
    await expect(collect(readCapture(Readable.from([Buffer.from('not a capture at all')])))).rejects.toSatisfy(
      (e) => e instanceof WsinspectError && e.code === 'capture.format-unknown',
    );
  });
});
