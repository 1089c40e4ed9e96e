// `wsinspect hex [HEX...]`: decode frames typed or pasted as hex (or base64), from arguments
// or stdin, through the same SessionDecoder as captures, and render the teaching view or JSON.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { numberOption } from './number-option.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import type { Direction, InspectEvent } from '../session/events.js';
import { SessionDecoder } from '../session/session-decoder.js';
import { hexStreamEvents, splitHandshakeFile } from '../sources/hex-source.js';
import { parseBase64Text } from '../sources/hex-text.js';
import { readHexInput, type HexInput } from '../sources/packet-dump.js';
import { createEventPrinter, viewStages } from '../pipeline/consumers/event-printer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { reportOutputFailure } from './output-failure.js';
import { OUTPUT_OPTIONS, outputColorLevel, printerOptions, type OutputFlags } from './output-options.js';
import { applyOptions, type OptionTable, type PositionalSpec } from './option-table.js';
import { readFileOrFail, readStdin } from './read-input.js';
import { FILTER_OPTION } from './filter-option.js';

export interface HexFlags extends OutputFlags {
  hex?: string[];
  base64?: boolean;
  from?: 'client' | 'server';
  windowBits?: number;
  contextTakeover?: boolean;
  handshake?: string;
  filter?: string;
}

/** hex's options (beside the output options), as a table: yargs and the fast path read it. */
export const HEX_OPTIONS: OptionTable = {
  ...OUTPUT_OPTIONS,
  explain: {
    type: 'boolean',
    describe: 'add, for each header field, the rule it must satisfy and its RFC section',
  },
  summary: {
    alias: 's',
    type: 'boolean',
    describe: 'one line per frame instead of the full annotated view (and the --handshake on one line)',
  },
  verbose: {
    alias: 'V',
    type: 'boolean',
    describe: 'the full annotated view: accepted as everywhere, though hex always draws it (unless -s)',
  },
  base64: { type: 'boolean', describe: 'the input is base64, not hex' },
  from: {
    type: 'string',
    choices: ['client', 'server'],
    describe: "every frame was sent by this side (default: from each frame's mask bit)",
  },
  'window-bits': numberOption(
    { flag: '--window-bits', min: 8, max: 15, integer: true, what: 'a whole number from 8 to 15' },
    'LZ77 window (8–15) the sender compressed with, when no handshake says',
    15,
  ),
  'context-takeover': {
    type: 'boolean',
    default: true,
    describe: 'the sender keeps its compression context between messages (--no-context-takeover: it resets)',
  },
  handshake: {
    type: 'string',
    describe: 'FILE with the raw HTTP request and response, to take the negotiation from',
  },
  filter: { type: FILTER_OPTION.type, alias: FILTER_OPTION.alias, describe: FILTER_OPTION.describe },
};

export const HEX_POSITIONALS: readonly PositionalSpec[] = [{ name: 'hex', variadic: true }];

export function hexCommand(yargs: Argv, handler: (flags: HexFlags) => Promise<void> = runHex): Argv {
  return yargs.command<HexFlags>(
    'hex [hex..]',
    'decode WebSocket frames given as hex (arguments, or stdin with - or a pipe)',
    (y) =>
      applyOptions(y, HEX_OPTIONS)
        .positional('hex', {
          type: 'string',
          array: true,
          describe: 'frame bytes: "c1 85 43 …", c18543…, 0xc1,0x85, \\xc1\\x85, c1:85, or a hex dump; - for stdin',
        })
        .example('$0 hex "c1 85 43 02 0a cf 71 36 3e cb 43"', 'a compressed masked text frame, inflated')
        .example('$0 hex 81 05 48 65 6c 6c 6f --explain', 'every header field with the rule it must satisfy')
        .example('xxd -p frames.bin | $0 hex -', 'frames from a pipe')
        .example('tshark -r x.pcap -Y websocket -x | $0 hex', 'whole packets: frames taken from the TCP payload')
        .example('$0 hex --json 0x89,0x05,0x48,0x65,0x6c,0x6c,0x6f', 'NDJSON for other tools'),
    handler,
  );
}

export async function runHex(flags: HexFlags): Promise<void> {
  // -Y: the filter language loads only when it is used (hex starts without it)
  const filter =
    flags.filter === undefined ? null : await import('./hex-filter.js').then((m) => m.hexDisplayFilter(flags.filter!));
  const { bytes: frames, notes } = await readFrames(flags);
  if (frames.length === 0)
    throw new WsinspectError('input.empty', 'no frame bytes given (pass hex as arguments, or - to read stdin)');
  const windowBits = flags.windowBits ?? 15;
  const handshake = flags.handshake === undefined ? undefined : readHandshake(flags.handshake);
  const dir: Direction | undefined = flags.from === 'client' ? 'c2s' : flags.from === 'server' ? 's2c' : undefined;
  const options = printerOptions(flags);
  const printer = createEventPrinter(options, {
    mode: 'teaching',
    hexAssumptions: [...notes, ...hexAssumptions(dir)],
    colorLevel: outputColorLevel(flags),
    onOutputFailure: reportOutputFailure,
  });
  // -Y: only the frames (and messages) it matches are drawn
  let shown = 0;
  const show = (ev: InspectEvent): void => {
    if (filter === null || filter.show(ev)) {
      shown++;
      printer.print(ev);
    } else printer.skip(ev);
  };
  const pipeline = new Pipeline({
    // the teaching view draws every byte it is given (typed input is small): nothing is cut
    consumers: [{ keepPayload: Infinity, event: show, close: () => printer.close() }],
    views: viewStages(options),
    // one conversation, directions and deflate as the options say (a SessionDecoder of its own)
    session: (onEvent) => {
      const session = new SessionDecoder({
        conn: 1,
        directionFromMask: dir === undefined,
        expectHandshake: handshake !== undefined,
        assumeDeflate: assumedDeflate(windowBits, flags.contextTakeover === false),
        onEvent,
      });
      return { handle: (ev) => session.handle(ev), finish: () => {} };
    },
  });
  for (const ev of hexStreamEvents({ frames, handshake, dir })) pipeline.stream(ev);
  await pipeline.close();
  if (filter !== null && shown === 0)
    process.stderr.write(`wsinspect: no frame matched the filters (-Y ${JSON.stringify(flags.filter)})\n`);
}

function hexAssumptions(dir: Direction | undefined): string[] {
  return dir === undefined
    ? ["direction taken from each frame's mask bit: masked = client → server, unmasked = server → client"]
    : [];
}

async function readFrames(flags: HexFlags): Promise<HexInput> {
  const args = flags.hex ?? [];
  const fromStdin = (args.length === 1 && args[0] === '-') || (args.length === 0 && !process.stdin.isTTY);
  if (args.length === 0 && !fromStdin) return { bytes: new Uint8Array(0), notes: [] };
  const text = fromStdin ? Buffer.from(await readStdin()).toString('latin1') : args.join(' ');
  const label = fromStdin ? 'stdin' : 'hex argument';
  return flags.base64 ? { bytes: parseBase64Text(text, label), notes: [] } : readHexInput(text, label);
}

function readHandshake(path: string): Uint8Array {
  const bytes = readFileOrFail(path, 'handshake file');
  if (splitHandshakeFile(bytes).response.length === 0) {
    throw new WsinspectError(
      'input.bad-handshake',
      `handshake file ${JSON.stringify(path)} holds no response after the request (expected the raw HTTP request, a blank line, then the response)`,
    );
  }
  return bytes;
}
