// Output options shared by every command that prints events (--json, --no-color, --explain,
// --max-payload, …): the yargs declarations, and the checked PrinterOptions and colour level
// the pipeline's printers are built with. Layer rule: cli/ — flags.
import type { Argv } from 'yargs';
import { readFileSync } from 'node:fs';
import { WsinspectError } from '../errors.js';
import { protoType, type ProtoSchema } from '../views/protobuf-view.js';
import type { PrinterOptions } from '../pipeline/consumers/event-printer.js';
import type { TimeFormat } from '../render/event-text.js';
import { escapeForTerminal } from '../render/escape.js';
import { colorLevel } from './color.js';
import { VIEW_CHOICES, type ViewChoice } from '../views/names.js';
import { numberOption } from './number-option.js';
import { applyOptions, type OptionTable } from './option-table.js';

const DEFAULT_MAX_PAYLOAD = 65536;
/** Without --max-payload, the detailed view (-V, hex) draws at most this many payload bytes: 64 hex rows, not 4,096. */
const DEFAULT_DETAIL_PAYLOAD = 1024;

export interface OutputFlags {
  json?: boolean;
  color?: boolean;
  explain?: boolean;
  summary?: boolean;
  maxPayload?: number;
  verbose?: boolean;
  messages?: boolean;
  time?: TimeFormat;
  /** --errors (stream commands only): also decides that frame lines show their diagnostics' messages. */
  errors?: boolean;
  view?: ViewChoice;
  showHeartbeats?: boolean;
  proto?: string;
  protoType?: string;
}

/** The output options as a table (option-table.ts): yargs and the start-up fast path read the same. */
export const OUTPUT_OPTIONS: OptionTable = {
  json: { type: 'boolean', describe: 'print NDJSON events (one object per line) instead of text' },
  color: {
    type: 'boolean',
    describe: 'force colour on (--no-color: off; default: on for a terminal, NO_COLOR/FORCE_COLOR respected)',
  },
  explain: {
    type: 'boolean',
    describe: 'with -V: add, for each header field, the rule it must satisfy and its RFC section',
  },
  summary: {
    alias: 's',
    type: 'boolean',
    describe: 'each opening handshake on one line instead of its headers and checks (frames are one line each)',
  },
  'max-payload': numberOption(
    { flag: '--max-payload', min: 0, integer: true, what: 'a whole number of bytes' },
    `show at most this many payload bytes per frame/message (default ${DEFAULT_MAX_PAYLOAD}; the detailed view draws ${DEFAULT_DETAIL_PAYLOAD} unless this is given; decoding always sees every byte)`,
    undefined,
  ),
  view: {
    type: 'string',
    default: 'auto',
    choices: VIEW_CHOICES,
    describe:
      'application view: auto (chosen per connection by sub-protocol, path, first messages), raw (none), or one of ' +
      VIEW_CHOICES.slice(2).join(', '),
  },
  'show-heartbeats': {
    type: 'boolean',
    describe:
      'list keep-alives (Engine.IO ping/pong, GraphQL ping/pong/ka, SignalR pings, Phoenix heartbeats, ActionCable pings, STOMP heart-beats, MQTT PINGREQ/PINGRESP) instead of folding them',
  },
  proto: {
    type: 'string',
    describe: 'a .proto file to decode binary messages with (the protobuf view; needs --proto-type)',
  },
  'proto-type': {
    type: 'string',
    describe: 'the message type of --proto to decode each binary message as (package.Message)',
  },
};

/** --proto and --proto-type: the schema, read and checked now (a bad one is a one-line error, not a diagnostic per message). */
function protoSchema(flags: OutputFlags): ProtoSchema | undefined {
  if (flags.proto === undefined && flags.protoType === undefined) return undefined;
  if (flags.proto === undefined || flags.protoType === undefined)
    throw new WsinspectError(
      'input.bad-option',
      '--proto and --proto-type go together: the file and the message type in it',
    );
  if (flags.view !== undefined && flags.view !== 'auto' && flags.view !== 'protobuf')
    throw new WsinspectError('input.bad-option', `--proto decodes with the protobuf view, not --view ${flags.view}`);
  let text: string;
  try {
    text = readFileSync(flags.proto, 'utf8');
  } catch (e) {
    throw new WsinspectError('input.bad-option', `--proto ${flags.proto}: ${(e as Error).message}`);
  }
  const schema = { file: flags.proto, text, type: flags.protoType };
  try {
    protoType(schema);
  } catch (e) {
    // protobufjs quotes the file's tokens in its errors: whatever bytes they hold, escaped
    throw new WsinspectError(
      'input.bad-option',
      `--proto ${flags.proto} --proto-type ${flags.protoType}: ${escapeForTerminal((e as Error).message)}`,
    );
  }
  return schema;
}

export function outputOptions<T>(y: Argv<T>): Argv<T> {
  return applyOptions(y, OUTPUT_OPTIONS);
}

/** The output options of a command without a full view (demo, replay, serve): --explain is refused there, with where the rules are. */
export function liveOutputOptions<T>(y: Argv<T>): Argv<T> {
  return outputOptions(y).option('explain', {
    type: 'boolean',
    describe: 'refused: this view draws one line per frame (the error says where the rules are drawn)',
  });
}

/**
 * --explain adds the rules to the full view (-V): without it the flag would change nothing, so
 * it is refused with `remedy` (how to get the full view from here).
 */
export function checkExplain(flags: OutputFlags, remedy = ': add -V'): void {
  if (flags.explain === true && flags.verbose !== true)
    throw new WsinspectError('input.bad-option', `--explain adds the rules to the full view${remedy}`);
}

/**
 * Output flags that cannot change anything together are refused with the reason, not accepted
 * and ignored: --explain and -s shape the text view, which --json does not print; --explain
 * annotates frames, which -s and --messages do not draw.
 */
export function checkOutputCombination(flags: OutputFlags): void {
  const refuse = (why: string): never => {
    throw new WsinspectError('input.bad-option', why);
  };
  if (flags.json === true && flags.explain === true)
    refuse('--explain adds the rules to the text view; --json prints every field already (drop one of them)');
  if (flags.json === true && flags.summary === true)
    refuse('-s shortens the text view; --json prints every event whole (drop one of them)');
  if (flags.explain === true && flags.summary === true)
    refuse('--explain adds the rules to the full view of each frame, which -s replaces by one line (drop one of them)');
  if (flags.explain === true && flags.messages === true)
    refuse('--explain adds the rules to the full view of each frame; --messages shows messages, not frames');
}

/** The printer's options from the flags (WsinspectError for a bad --max-payload or flags that cannot go together). */
export function printerOptions(flags: OutputFlags): PrinterOptions {
  checkOutputCombination(flags);
  const proto = protoSchema(flags);
  const maxPayload = flags.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (!Number.isInteger(maxPayload) || maxPayload < 0)
    throw new WsinspectError(
      'input.bad-option',
      `--max-payload must be a whole number of bytes, not ${flags.maxPayload}`,
    );
  return {
    json: flags.json,
    explain: flags.explain,
    summary: flags.summary,
    maxPayload,
    detailPayload: flags.maxPayload ?? DEFAULT_DETAIL_PAYLOAD,
    verbose: flags.verbose,
    messages: flags.messages,
    time: flags.time,
    errors: flags.errors,
    view: proto !== undefined ? 'protobuf' : (flags.view ?? 'auto'),
    showHeartbeats: flags.showHeartbeats,
    ...(proto === undefined ? {} : { proto }),
  };
}

/** --color/--no-color, NO_COLOR/FORCE_COLOR, and whether this process's stdout is a terminal. */
export function outputColorLevel(flags: OutputFlags): 0 | 1 | 2 | 3 {
  return colorLevel({ flag: flags.color, env: process.env, isTTY: process.stdout.isTTY === true });
}
