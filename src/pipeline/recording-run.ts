// A recording (HAR, or wsinspect's own --json output) through a pipeline: the file is read in chunks, its events enter after the
// session stage (pipeline.message: there are no wire bytes to decode), and reading waits for
// the consumers between chunks, so memory stays bounded however large the file.
// Layer rule: pipeline/ — wiring a source to a pipeline.
import { createReadStream } from 'node:fs';
import { WsinspectError } from '../errors.js';
import { HarEvents } from '../sources/har-source.js';
import { HarSyntaxError } from '../sources/har-scanner.js';
import { NdjsonEvents } from '../sources/ndjson-source.js';
import type { Pipeline } from './pipeline.js';

export interface RecordingRun {
  /** WebSocket connections the recording held. */
  readonly connections: number;
}

/** A recording's reader: bytes in, events out (through the pipeline's message entry). */
interface RecordingReader {
  push(chunk: Uint8Array): void;
  /** The end of the file (may throw HarSyntaxError). */
  end(): void;
  /** The input stopped early: what is open ends. */
  stop(): void;
}

/** Streams the file through `reader`, waiting for the consumers between chunks. */
async function feed(pipeline: Pipeline, path: string, reader: RecordingReader): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      reader.push(chunk);
      await pipeline.ready();
    }
    reader.end();
  } catch (err) {
    stream.destroy();
    reader.stop();
    if (err instanceof HarSyntaxError)
      throw new WsinspectError('input.bad-har', `${path}: ${err.message} (byte ${err.offset})`);
    if ((err as NodeJS.ErrnoException).code !== undefined)
      throw new WsinspectError('input.unreadable', `cannot read ${path}: ${(err as Error).message}`);
    throw err;
  }
}

/** Reads a HAR file into the pipeline; WsinspectError (one line with the byte offset) for a file that is not one. */
export async function runHar(pipeline: Pipeline, path: string): Promise<RecordingRun> {
  const har = new HarEvents((ev) => pipeline.message(ev));
  await feed(pipeline, path, har);
  if (!har.foundEntries) throw new WsinspectError('input.bad-har', `${path}: JSON, but not a HAR (no log.entries)`);
  return { connections: har.connections };
}

/** Reads wsinspect's own --json output (NDJSON) into the pipeline. */
export async function runNdjson(pipeline: Pipeline, path: string): Promise<RecordingRun> {
  const ndjson = new NdjsonEvents((ev) => pipeline.message(ev));
  await feed(pipeline, path, ndjson);
  return { connections: ndjson.connections };
}
