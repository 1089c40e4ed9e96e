// The index worker thread: builds a capture's index (runIndex) or scans it with a display
// filter (runScan), posting chunks of rows with their buffers transferred, and progress.
// Started by IndexedStore (indexed-store.ts) with this module's URL. Layer rule: index/.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { WsinspectError } from '../errors.js';
import { buffersOf } from './columns.js';
import type { IndexChunk } from './index-builder.js';
import { runIndex, runScan, type IndexRunResult, type IndexProgress } from './index-run.js';

export type IndexWorkerData =
  | {
      readonly mode: 'index';
      readonly file: string;
      readonly decodeAs: readonly number[];
      readonly keyLog?: KeyLogSecrets;
      readonly checkpointEvery?: number;
      readonly checkpointSpacing?: number;
    }
  | {
      readonly mode: 'scan';
      readonly file: string;
      readonly decodeAs: readonly number[];
      readonly keyLog?: KeyLogSecrets;
      readonly expression: string;
      readonly conn: number | null;
    };

export type IndexWorkerMessage =
  | { readonly kind: 'chunk'; readonly chunk: IndexChunk; readonly progress: IndexProgress; readonly last: boolean }
  | { readonly kind: 'indexed'; readonly result: IndexRunResult }
  | {
      readonly kind: 'matches';
      readonly frames: Uint32Array;
      readonly messages: Uint32Array;
      readonly progress: IndexProgress;
      readonly last: boolean;
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

async function main(data: IndexWorkerData): Promise<void> {
  const port = parentPort!;
  const post = (m: IndexWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  try {
    if (data.mode === 'index') {
      const result = await runIndex(data.file, data, {
        chunk: (chunk, progress, last) => {
          const transfer = [...buffersOf(chunk.frames), ...buffersOf(chunk.messages)];
          post({ kind: 'chunk', chunk, progress, last }, transfer);
        },
      });
      post({ kind: 'indexed', result });
    } else {
      await runScan(data.file, data, {
        matches: (frames, messages, progress, last) =>
          post({ kind: 'matches', frames, messages, progress, last }, [
            frames.buffer as ArrayBuffer,
            messages.buffer as ArrayBuffer,
          ]),
      });
    }
  } catch (error) {
    const code = error instanceof WsinspectError ? error.code : 'internal';
    post({ kind: 'error', code, message: error instanceof Error ? error.message : String(error) });
  }
}

if (!isMainThread && parentPort !== null && (workerData as { mode?: string } | null)?.mode !== undefined)
  void main(workerData as IndexWorkerData);
