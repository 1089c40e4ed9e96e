// `wsinspect FILE` / `wsinspect read FILE`: every WebSocket connection in a pcap or pcapng
// capture (or stdin: `tcpdump -w - … | wsinspect -`), decoded in both directions.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import { statsJson, renderStats } from '../render/stats-view.js';
import { ConnectionDemux } from '../session/connection-demux.js';
import { StatsCollector, type ConnectionStats } from '../session/connection-stats.js';
import type { Timestamp } from '../session/events.js';
import { readCapture } from '../sources/capture-source.js';
import { createEventPrinter, shownPayloadLimits, outputOptions } from './event-printer.js';
import { createProgress } from './progress.js';
import { streamFilter, streamOptions, type StreamFlags } from './stream-options.js';

interface ReadFlags extends StreamFlags {
  file?: string;
  decodeAs?: number[];
}

export function readCommand(yargs: Argv): Argv {
  return yargs.command<ReadFlags>(
    ['read <file>', '$0 <file>'],
    'decode every WebSocket connection in a pcap/pcapng capture (- for stdin)',
    (y) => streamOptions(outputOptions(y))
      .positional('file', { type: 'string', describe: 'capture file (pcap or pcapng, recognised by content), or - for stdin' })
      .option('decode-as', { type: 'number', array: true, describe: 'treat TCP traffic on this port as WebSocket even without a handshake' })
      .example('$0 capture.pcapng', 'every connection, one line per frame')
      .example('$0 capture.pcap -V --conn 2', 'the full annotated view of connection 2')
      .example('$0 capture.pcap --messages --grep error', 'reassembled text messages matching "error"')
      .example('tcpdump -i lo -w - port 8080 | $0 -', 'live traffic'),
    runRead,
  );
}

async function runRead(flags: ReadFlags): Promise<void> {
  // yargs-parser hands a lone "-" positional over as ""
  const file = flags.file === undefined || flags.file === '' ? '-' : flags.file;
  for (const port of flags.decodeAs ?? []) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WsinspectError('input.bad-option', `--decode-as: ${port} is not a TCP port`);
  }
  const printer = createEventPrinter(flags, { mode: 'stream', hexAssumptions: [] });
  const show = streamFilter(flags);
  const stats = flags.stats ? new StatsCollector() : null;
  const printStats = (s: ConnectionStats) => printer.raw(flags.json ? statsJson(s) : renderStats(s, printer.style) + '\n');
  let lastTime: Timestamp = null;
  const demux = new ConnectionDemux({
    assumeDeflate: assumedDeflate(),
    limits: shownPayloadLimits(flags),
    onEvent: (ev) => {
      if (ev.time !== null) lastTime = ev.time;
      if (stats !== null) {
        const done = stats.add(ev);
        if (done !== null) printStats(done);
      } else if (show(ev)) {
        printer.print(ev);
      } else {
        printer.skip(ev);
      }
    },
  });
  const progress = createProgress(process.stderr);
  try {
    await readCapture(file, (ev) => demux.handle(ev), {
      decodeAs: flags.decodeAs,
      onFirstPacketTime: (t) => printer.setTimeOrigin(t),
      onProgress: progress.update,
      backpressure: printer.ready,
    });
  } finally {
    progress.done();
  }
  demux.finish(lastTime);
  if (stats !== null) for (const s of stats.remaining()) printStats(s);
  await printer.close();
}
