// `wsinspect FILE` / `wsinspect read FILE`: every WebSocket connection in a pcap or pcapng
// capture (or stdin: `tcpdump -w - … | wsinspect -`), decoded in both directions, by one
// thread or (large files, --threads) by several whose output is merged to the same bytes.
// Flags → the listing pipeline (pipeline/listing.ts) → exit status; nothing else.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { HAR_OPTION, harWriters } from './har-option.js';
import { runCapture } from '../pipeline/capture-run.js';
import { runHar, runNdjson } from '../pipeline/recording-run.js';
import { sniffRecording, type RecordingKind } from '../sources/recording-sniff.js';
import { createListing } from '../pipeline/listing.js';
import type { OutputStream } from '../pipeline/parallel/block-writer.js';
import { readInParallel } from '../pipeline/parallel/parallel-read.js';
import type { ShardSpawner } from '../pipeline/parallel/read-worker-messages.js';
import { showFrameAt, type FrameAtFlags } from './frame-at-output.js';
import { outputColorLevel, outputOptions } from './output-options.js';
import { reportOutputFailure } from './output-failure.js';
import { createProgress } from './progress.js';
import { listingSpec, type ReadFlags } from './read-spec.js';
import { KEYLOG_HELP } from './key-log-option.js';
import { readThreads, THREADS_HELP } from './read-threads.js';
import { listOption, streamOptions } from './stream-options.js';

/** `run`: what the command does with its options (tests run it in-process with another stdout). */
export function readCommand(
  yargs: Argv,
  run: (flags: ReadFlags) => Promise<void> = (flags) => readCaptureFile(flags),
): Argv {
  return yargs.command<ReadFlags>(
    ['read <file>', '$0 <file>'],
    'decode every WebSocket connection in a pcap/pcapng capture (- for stdin), a HAR or a wsinspect --json recording',
    (y) =>
      streamOptions(outputOptions(y))
        .positional('file', {
          type: 'string',
          describe:
            'capture file (pcap or pcapng), HAR or wsinspect --json recording, recognised by content; - for stdin (captures)',
        })
        .option(
          'decode-as',
          listOption(
            'treat TCP traffic on these ports as WebSocket even without a handshake (comma-separated or repeated)',
          ),
        )
        .option('har', HAR_OPTION)
        .option('keylog', { type: 'string', describe: KEYLOG_HELP, requiresArg: true })
        .option('threads', { type: 'string', default: 'auto', describe: THREADS_HELP })
        .option('tls-detail', {
          type: 'boolean',
          describe: 'with -V: the TLS records under each decrypted frame (content type, key, sequence number)',
        })
        .option('frame', {
          type: 'string',
          describe:
            'only frame INDEX of connection CONN (CONN:INDEX), then the message it ends as the listing shows it; reading stops there (with -V, a request reads on for its answers)',
        })
        .option('index', {
          type: 'boolean',
          describe:
            "with --frame: find the frame through the capture's saved index (the default from 64 MiB on: built and saved on the first run, then only the frame is read); --no-index: read up to the frame",
        })
        .example('$0 capture.pcapng', 'every connection, one line per frame')
        .example('$0 capture.pcap -V --conn 2', 'the full annotated view of connection 2')
        .example('$0 capture.pcap --messages --grep error', 'reassembled text messages matching "error"')
        .example('$0 big.pcap --frame 2:17 -V', 'frame 17 of connection 2, in full')
        .example('tcpdump -i lo -U -w - port 8080 | $0 -', 'live traffic (Ctrl-C ends it)'),
    run,
  );
}

/** Where the listing goes instead of stdout, its colour level, how shards start (tests). */
export interface ReadOutput {
  readonly stdout?: OutputStream;
  readonly colorLevel?: 0 | 1 | 2 | 3;
  readonly spawn?: ShardSpawner;
}

export async function readCaptureFile(flags: ReadFlags, io: ReadOutput = {}): Promise<void> {
  // yargs-parser hands a lone "-" positional over as ""
  const file = flags.file === undefined || flags.file === '' ? '-' : flags.file;
  const frame = (flags as Partial<FrameAtFlags>).frame;
  if (frame === undefined && (flags as { index?: boolean }).index !== undefined)
    throw new WsinspectError(
      'input.bad-option',
      '--index and --no-index choose how --frame finds its frame: give --frame CONN:INDEX too',
    );
  const recording = file === '-' ? null : sniffRecording(file);
  if (recording !== null) {
    if (frame !== undefined)
      throw new WsinspectError(
        'input.bad-option',
        '--frame picks a frame of a capture: a recording has messages, not frames',
      );
    return readRecording(flags, file, recording, io);
  }
  if (frame !== undefined) return showFrameAt({ ...flags, frame }, file, io);
  const har = (flags as { har?: string }).har;
  // the HAR writer sees every event in order, and --tls-detail's record log lives in the
  // thread that decrypts: one thread
  const threads = har === undefined && flags.tlsDetail !== true ? readThreads(flags, file) : 1;
  const spec = listingSpec(flags, io.colorLevel ?? outputColorLevel(flags));
  if (spec.keyLogNote !== undefined) writeNotes([spec.keyLogNote]);
  if (threads > 1) {
    const progress = io.stdout === undefined && process.stderr.isTTY === true ? createProgress(process.stderr) : null;
    const notes = await readInParallel({
      file,
      spec,
      workers: threads,
      stdout: io.stdout ?? process.stdout,
      progress,
      spawn: io.spawn,
    });
    writeNotes(notes);
    return;
  }
  const { pipeline, printer, notes } = createListing(spec, {
    stream: io.stdout,
    onOutputFailure: reportOutputFailure,
    consumers: harWriters(har),
  });
  const progress = createProgress(process.stderr);
  // stdin may be a live capture (tcpdump -U -w - | wsinspect -): each line shows as soon as the
  // input has nothing more waiting, and Ctrl-C (or SIGTERM) ends it like the end of the input
  const live = file === '-' ? stopOnSignal() : null;
  try {
    await runCapture(pipeline, file, {
      onProgress: progress.update,
      idle: live === null ? undefined : () => printer.flush(),
      signal: live?.signal,
    });
  } finally {
    progress.done();
    live?.dispose();
  }
  pipeline.finish();
  await pipeline.close();
  // an empty result says why, on stderr (stdout stays clean for pipes); exit status stays 0
  writeNotes(notes());
}

/** A recording (HAR, our NDJSON): its messages through the listing (no frames: the printer shows every message). */
async function readRecording(flags: ReadFlags, file: string, kind: RecordingKind, io: ReadOutput): Promise<void> {
  const spec = { ...listingSpec(flags, io.colorLevel ?? outputColorLevel(flags)), source: 'messages' as const };
  const { pipeline, notes } = createListing(spec, {
    stream: io.stdout,
    onOutputFailure: reportOutputFailure,
    consumers: harWriters((flags as { har?: string }).har),
  });
  let run: { connections: number };
  try {
    run = await (kind === 'har' ? runHar : runNdjson)(pipeline, file);
  } finally {
    pipeline.finish();
    await pipeline.close();
  }
  if (run.connections === 0)
    writeNotes([
      kind === 'har'
        ? `${file}: no WebSocket connection in this HAR (no entry has _webSocketMessages)`
        : `${file}: no WebSocket connection in this recording`,
    ]);
  else writeNotes(notes());
}

/** Why the result is empty, on stderr (stdout stays clean for pipes); the exit status stays 0. */
function writeNotes(notes: readonly string[]): void {
  for (const note of notes) process.stderr.write(`wsinspect: ${note}\n`);
}

/**
 * The first SIGINT or SIGTERM aborts the signal: reading stops, the connections still open end
 * (input-ended) and everything decoded is printed, as at the end of the input, with exit
 * status 0 (as the proxy, and tcpdump itself, on Ctrl-C). A second Ctrl-C exits at once (130).
 */
function stopOnSignal(): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = (): void => {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    process.once('SIGINT', () => process.exit(130));
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    },
  };
}
