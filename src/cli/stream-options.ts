// Options of every command that shows a live or captured stream of connections (reading a
// capture, the proxy): display filters, detail level, time format, statistics.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { createEventFilter, OPCODE_FILTER_NAMES, type FilterSpec } from '../session/event-filter.js';
import type { InspectEvent } from '../session/events.js';
import type { OutputFlags } from './event-printer.js';

export interface StreamFlags extends OutputFlags {
  conn?: number[];
  dir?: 'c2s' | 's2c';
  opcode?: string[];
  grep?: string;
  errors?: boolean;
  stats?: boolean;
}

export function streamOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('verbose', { alias: 'V', type: 'boolean', describe: 'the full annotated view of every frame (bit diagram, hex dump, unmasking, inflation)' })
    .option('messages', { type: 'boolean', describe: 'show reassembled messages (with the frames each came from) instead of frames' })
    .option('stats', { type: 'boolean', describe: 'per-connection statistics instead of the frame listing' })
    .option('time', { choices: ['relative', 'absolute', 'delta'] as const, default: 'relative' as const, describe: 'time column: since the first packet, wall clock (UTC), or since the previous line' })
    .option('conn', { type: 'number', array: true, describe: 'only these connection numbers' })
    .option('dir', { choices: ['c2s', 's2c'] as const, describe: 'only one direction (c2s: client to server)' })
    .option('opcode', { type: 'string', array: true, describe: `only these frame types: ${OPCODE_FILTER_NAMES.join(', ')} (comma-separated or repeated)` })
    .option('grep', { type: 'string', describe: 'only text frames/messages (and close reasons) matching this regular expression' })
    .option('errors', { type: 'boolean', describe: 'only what has diagnostics' });
}

export function streamFilter(flags: StreamFlags): (ev: InspectEvent) => boolean {
  const spec: FilterSpec = {
    conns: flags.conn,
    dir: flags.dir,
    opcodes: flags.opcode === undefined ? undefined : parseOpcodes(flags.opcode),
    grep: flags.grep === undefined ? undefined : parseRegex(flags.grep),
    errorsOnly: flags.errors === true,
  };
  return createEventFilter(spec);
}

function parseOpcodes(values: string[]): string[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter((v) => v.length > 0);
  for (const n of names) {
    if (!(OPCODE_FILTER_NAMES as readonly string[]).includes(n)) {
      throw new WsinspectError('input.bad-option', `--opcode: unknown frame type "${n}" (one of ${OPCODE_FILTER_NAMES.join(', ')})`);
    }
  }
  return names;
}

function parseRegex(source: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch (error) {
    throw new WsinspectError('input.bad-option', `--grep: not a valid regular expression: ${(error as Error).message}`);
  }
}
