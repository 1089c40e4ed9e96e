// Test harness: the UI (dist/, as the CLI runs it) over a MemoryStore that grows while it is on
// screen, as under `proxy --ui`. The events are a capture's, decoded by the real pipeline; the
// first half goes in before the UI starts, the rest one by one after SIGUSR2.
// Usage: node test/ui/live-feed.mjs CAPTURE PIDFILE
import { writeFileSync } from 'node:fs';
import { CapturePipeline } from '../../dist/pipeline/capture-pipeline.js';
import { runCapture } from '../../dist/pipeline/capture-run.js';
import { assumedDeflate } from '../../dist/protocol/deflate-params.js';
import { MemoryStore } from '../../dist/ui/memory-store.js';
import { runUi } from '../../dist/ui/run.js';

const [file, pidFile] = process.argv.slice(2);
const events = [];
const pipeline = new CapturePipeline({
  consumers: [{ keepPayload: Infinity, event: (ev) => events.push(ev) }],
  assumeDeflate: assumedDeflate(),
});
await runCapture(pipeline, file);
pipeline.finish();

const store = new MemoryStore();
const half = Math.floor(events.length / 2);
for (const ev of events.slice(0, half)) store.event(ev);
process.on('SIGUSR2', () => {
  let at = half;
  const timer = setInterval(() => {
    if (at === events.length) return clearInterval(timer);
    store.event(events[at++]);
  }, 40);
});
writeFileSync(pidFile, String(process.pid));
await runUi({ store, title: 'live feed' });
