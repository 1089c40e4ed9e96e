// What the proxy and the demo do with the StreamEvents of live connections: record them
// (--write), decode the WebSocket ones and print as they happen, with problems on stderr.
// Output is flushed at most every FLUSH_MS (and whenever 64 KB have gathered): one write for
// a burst of frames instead of a system call per round trip on the relay's thread, yet
// nothing waits for a block to fill while a person watches.
import { ConnectionDemux } from '../session/connection-demux.js';
import type { InspectEvent, StreamEvent } from '../session/events.js';
import { PcapngRecorder } from '../sources/proxy/pcapng-recorder.js';
import { UpgradeSniffer } from '../sources/proxy/upgrade-sniffer.js';
import { createEventPrinter, shownPayloadLimits, type EventPrinter, type OutputFlags } from './event-printer.js';

/** Longest time a printed event waits for its write: well below what a person notices. */
const FLUSH_MS = 15;
/** Printed output allowed to wait for a slow reader before events are skipped (and counted). */
const MAX_QUEUED_OUTPUT = 8 * 1024 * 1024;

export interface LivePipeline {
  readonly printer: EventPrinter;
  /** Every StreamEvent of every connection. */
  handle(event: StreamEvent): void;
  /** One line on stderr about a connection (or the proxy) that had a problem. */
  problem(conn: number | null, message: string): void;
  /** A line of text output (not in --json mode). */
  note(text: string): void;
  /** Ends connections still open, finishes the recording, flushes the output. */
  close(): Promise<void>;
}

export async function createLivePipeline(
  flags: OutputFlags & { write?: string },
  observe?: (event: InspectEvent) => void,
): Promise<LivePipeline> {
  const problem = (conn: number | null, message: string): void => {
    process.stderr.write(`wsinspect: ${conn === null ? '' : `connection ${conn}: `}${message}\n`);
  };
  const printer = createEventPrinter(
    flags,
    { mode: 'stream', hexAssumptions: [] },
    { stream: process.stdout, maxQueuedBytes: MAX_QUEUED_OUTPUT },
  );
  const recorder = flags.write === undefined ? null : await PcapngRecorder.create(flags.write, (m) => problem(null, m));
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    void printer.flush();
  };
  const schedule = (): void => {
    timer ??= setTimeout(flush, FLUSH_MS);
  };
  const demux = new ConnectionDemux({
    limits: shownPayloadLimits(flags),
    onEvent: (ev) => {
      printer.print(ev);
      schedule();
      observe?.(ev);
    },
  });
  // WebSocket connections are decoded; plain HTTP/TCP ones show as a connection and one note
  const decode = new UpgradeSniffer((ev) => demux.handle(ev));
  return {
    printer,
    handle(ev) {
      // the recording first: it holds every byte even if decoding a connection fails
      recorder?.handle(ev);
      decode.handle(ev);
    },
    problem,
    note(text) {
      if (flags.json) return;
      printer.raw(text);
      schedule();
    },
    async close() {
      if (timer !== null) clearTimeout(timer);
      demux.finish(null);
      await recorder?.close();
      await printer.close();
    },
  };
}
