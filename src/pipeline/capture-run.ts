// A capture file or stdin through a pipeline: the source (sources/capture-source.ts) reads
// chunks, the pipeline's capture stage decodes them, and reading waits for the consumers
// between chunks, so memory stays bounded however slowly the output is read.
// Layer rule: pipeline/ — wiring a source to a pipeline.
import type { Readable } from 'node:stream';
import { feedCapture, type FeedHooks } from '../sources/capture-source.js';
import type { CapturePipeline } from './capture-pipeline.js';

/**
 * Resolves when the input ended (or hooks.signal stopped the reading) and the capture stage
 * emitted everything (not finish()). On a stream input (stdin) hooks.idle runs whenever the
 * input has nothing more waiting: a live capture's lines are shown as its packets come.
 */
export async function runCapture(
  pipeline: CapturePipeline,
  input: string | Readable,
  hooks: FeedHooks = {},
): Promise<void> {
  let read = 0;
  await feedCapture(
    input,
    (chunk) => {
      read += chunk.length;
      pipeline.push(chunk);
    },
    {
      onProgress: hooks.onProgress,
      backpressure: hooks.backpressure ?? (() => pipeline.ready()),
      idle: hooks.idle,
      signal: hooks.signal,
    },
  );
  // stopped before anything came (Ctrl-C on a capture that saw no packet yet): nothing to
  // report, and no "input is empty" error either
  if (read === 0 && hooks.signal?.aborted === true) return;
  pipeline.endCapture();
}
