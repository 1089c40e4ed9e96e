// A file into a MemoryStore, through the same pipeline entry points `wsinspect FILE` uses: a
// capture (pcap, pcapng) through the capture stage (runCapture), a HAR or wsinspect's NDJSON
// through the message entry (runHar, runNdjson). The first screen can show as soon as the first
// events are in; the rest keeps arriving. Layer rule: ui/ — wiring a source to the store.
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { CapturePipeline } from '../pipeline/capture-pipeline.js';
import { runCapture } from '../pipeline/capture-run.js';
import { viewStages } from '../pipeline/consumers/event-printer.js';
import { listingNotes } from '../pipeline/listing-notes.js';
import { runHar, runNdjson } from '../pipeline/recording-run.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import { sniffRecording } from '../sources/recording-sniff.js';
import type { ViewChoice } from '../views/names.js';
import { MemoryStore } from './memory-store.js';

export interface FileLoadOptions {
  /** --decode-as ports. */
  readonly decodeAs?: readonly number[];
  /** --keylog secrets: wss in a capture is decrypted. */
  readonly keyLog?: KeyLogSecrets;
  /** --view; default auto. */
  readonly view?: ViewChoice;
}

export interface FileLoad {
  readonly store: MemoryStore;
  /**
   * Resolves once the first event is in the store or the file is read; rejects (a
   * WsinspectError, the one line `wsinspect FILE` prints) when the file failed before that.
   */
  readonly firstScreen: Promise<void>;
  /** Resolves when the file is read; a failure after the first screen is the store's note. */
  readonly done: Promise<void>;
}

export function loadFile(path: string, options: FileLoadOptions = {}): FileLoad {
  const store = new MemoryStore();
  let first: () => void = () => {};
  let gotFirst = false;
  const firstScreen = new Promise<void>((resolve) => (first = resolve));
  const unsubscribe = store.subscribe(() => {
    if (store.status().frames + store.status().messages + store.status().connections > 0) {
      gotFirst = true;
      first();
    }
  });
  const views = viewStages({ maxPayload: Infinity, view: options.view ?? 'auto' });
  const recording = sniffRecording(path);
  const run = async (): Promise<void> => {
    if (recording !== null) {
      const pipeline = new Pipeline({ consumers: [store], views, assumeDeflate: assumedDeflate() });
      let connections = 0;
      try {
        connections = (await (recording === 'har' ? runHar : runNdjson)(pipeline, path)).connections;
      } finally {
        pipeline.finish();
      }
      store.markEnded(
        connections === 0
          ? recording === 'har'
            ? `${path}: no WebSocket connection in this HAR (no entry has _webSocketMessages)`
            : `${path}: no WebSocket connection in this recording`
          : undefined,
      );
      return;
    }
    const pipeline = new CapturePipeline({
      consumers: [store],
      assumeDeflate: assumedDeflate(),
      capture: { decodeAs: options.decodeAs ?? [], keyLog: options.keyLog },
      views,
    });
    await runCapture(pipeline, path);
    pipeline.finish();
    const s = store.status();
    const notes = listingNotes({ filter: {} }, pipeline.captureSummary(), {
      connections: s.connections,
      frames: s.frames,
      messages: s.messages,
      shown: s.frames,
    });
    store.markEnded(notes.length === 0 ? undefined : notes.join('; '));
  };
  const done = run().then(
    () => {
      unsubscribe();
      first();
    },
    (err: unknown) => {
      unsubscribe();
      if (!gotFirst && store.status().connections === 0) {
        failFirst(err);
        return;
      }
      store.setNote(`error: ${(err as Error).message}`);
      store.markEnded();
    },
  );
  let failFirst: (err: unknown) => void = () => {};
  const guarded = new Promise<void>((resolve, reject) => {
    failFirst = reject;
    firstScreen.then(resolve);
  });
  return { store, firstScreen: guarded, done };
}
