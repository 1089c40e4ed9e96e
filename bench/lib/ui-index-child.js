// One run of the indexed store on a capture, in its own process so that its peak RSS is its
// own: opens IndexedStore (dist/, a worker thread indexes), times the first screen (the first
// chunk of rows and the first row's preview decoded from the file by offset), waits for the
// whole index, then decodes random frames and messages by offset. Prints one JSON line on
// stderr (stdout goes to /dev/null in runToDevNull). Layer rule: bench/ — uses dist/ only.
// argv: FILE CHECKPOINT_EVERY CHECKPOINT_SPACING SAMPLES
import { IndexedStore } from '../../dist/index/indexed-store.js';
import { Prng } from './prng.js';

const [file, every, spacing, samples] = process.argv.slice(2);
const t0 = process.hrtime.bigint();
const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
const store = await IndexedStore.open(file, {
  checkpointEvery: Number(every),
  checkpointSpacing: Number(spacing),
  notifyMs: 1,
});
let firstChunk = null;
let firstRow = null;
await new Promise((resolve) => {
  const list = store.rows('frame', null, null);
  let stop = () => {};
  const check = () => {
    if (firstChunk === null && list.length > 0) firstChunk = ms();
    if (firstChunk !== null && firstRow === null && list.row(0) !== undefined) {
      firstRow = ms();
      stop();
      resolve();
    }
  };
  stop = store.subscribe(check);
  check();
});
const firstStatus = store.status();
await store.indexed;
const indexedMs = ms();
const s = store.state;
const frames = s.frames.length;
const messages = s.messages.length;
const sideMaps = s.frames.diagnostics.size + s.messages.diagnostics.size + s.messages.times.size;
// random access: frames and messages decoded by offset (checkpoints where compressed)
const rng = new Prng(0x1dec);
const access = async (kind, n) => {
  const list = store.rows(kind, null, null);
  const times = [];
  const hows = {};
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const row = rng.between(0, list.length - 1);
    const a = process.hrtime.bigint();
    const d = kind === 'frame' ? await store['reader'].frame(row) : await store['reader'].message(row);
    times.push(Number(process.hrtime.bigint() - a) / 1e6);
    hows[d.how] = (hows[d.how] ?? 0) + 1;
    bytes += d.bytesRead;
  }
  times.sort((x, y) => x - y);
  return {
    medianMs: times[times.length >> 1],
    p95Ms: times[Math.floor(times.length * 0.95)],
    maxMs: times[times.length - 1],
    meanKiBRead: bytes / n / 1024,
    hows,
  };
};
const n = Number(samples);
const frameAccess = await access('frame', n);
const messageAccess = await access('message', n);
store.dispose();
process.stderr.write(
  JSON.stringify({
    firstChunkMs: firstChunk,
    firstRowMs: firstRow,
    firstRows: firstStatus.frames,
    indexedMs,
    frames,
    messages,
    connections: s.conns.size,
    frameColumnBytes: s.frames.bytes,
    messageColumnBytes: s.messages.bytes,
    sideMapEntries: sideMaps,
    checkpoints: s.checkpointCount,
    checkpointBytes: s.checkpointBytes,
    frameAccess,
    messageAccess,
  }) + '\n',
);
