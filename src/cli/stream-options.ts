// Options of every command that shows a live or captured stream of connections (reading a
// capture, the proxy): display filters, detail level, time format, statistics.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { compileFilter, FilterSyntaxError } from '../filter/index.js';
import { OPCODE_FILTER_NAMES, type FilterSpec } from '../session/event-filter.js';
import { FILTER_OPTION } from './filter-option.js';
import type { OutputFlags } from './output-options.js';

export interface StreamFlags extends OutputFlags {
  /** Connection numbers as typed (checked by streamFilterSpec). */
  conn?: string[];
  dir?: 'c2s' | 's2c';
  opcode?: string[];
  grep?: string;
  ignoreCase?: boolean;
  errors?: boolean;
  stats?: boolean;
  /** -Y/--filter: a display-filter expression (checked by streamFilterSpec). */
  filter?: string;
}

export function streamOptions<T>(y: Argv<T>): Argv<T> {
  return filterOptions(
    viewOptions(y).option('stats', {
      type: 'boolean',
      describe: 'per-connection statistics instead of the frame listing (of the connections --conn picks)',
    }),
  );
}

/** What each shown event looks like: the options a live view (the proxy) shares with a capture's. */
export function viewOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('verbose', {
      alias: 'V',
      type: 'boolean',
      describe: 'the full annotated view of every frame (bit diagram, hex dump, unmasking, inflation)',
    })
    .option('summary', {
      type: 'boolean',
      describe: 'each opening handshake on one line instead of its headers and checks (and each frame, under -V)',
    })
    .option('messages', {
      type: 'boolean',
      describe: 'show reassembled messages (with the frames each came from) instead of frames',
    })
    .option('time', {
      choices: ['relative', 'absolute', 'delta'] as const,
      default: 'relative' as const,
      describe: 'time column: since the first packet, wall clock (UTC), or since the previous line',
    });
}

/** The display filter's options (--conn, --dir, --opcode, --grep, -i, --errors): see streamFilterSpec. */
export function filterOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('conn', listOption('only these connection numbers (comma-separated or repeated)'))
    .option('dir', { choices: ['c2s', 's2c'] as const, describe: 'only one direction (c2s: client to server)' })
    .option(
      'opcode',
      listOption(`only these frame types: ${OPCODE_FILTER_NAMES.join(', ')} (comma-separated or repeated)`),
    )
    .option('grep', {
      type: 'string',
      describe:
        "only text frames/messages (and close reasons) matching this regular expression ('(?i)…' or -i: any case)",
    })
    .option('ignore-case', { alias: 'i', type: 'boolean', describe: '--grep matches upper and lower case alike' })
    .option('errors', { type: 'boolean', describe: 'only what has diagnostics' })
    .option('filter', filterOption);
}

/** -Y/--filter, as Wireshark's display filter (README: "Display filters"). */
export const filterOption = FILTER_OPTION;

/** The -Y expression, checked: a bad one is one line with its position (exit 2). */
export function checkedExpression(expr: string | undefined): string | undefined {
  if (expr === undefined) return undefined;
  if (Array.isArray(expr)) throw new WsinspectError('input.bad-option', '-Y: give one expression (join them with &&)');
  try {
    compileFilter(String(expr));
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new WsinspectError('input.bad-option', `-Y: ${error.message}`);
    throw error;
  }
  return String(expr);
}

/**
 * An option that takes a list: comma-separated, repeated, or both. Never greedy, unlike a
 * yargs array, which would take the file too: `wsinspect --conn 2 capture.pcap` works.
 * A value with no item at all (`--conn ''`, `--opcode ,`) is kept as one empty item, which
 * the option's check refuses: it would otherwise mean "no filter" for --conn and "nothing"
 * for --opcode.
 */
export function listOption(describe: string) {
  return {
    type: 'string',
    describe,
    coerce: (value: string | string[]): string[] => {
      const items = [value]
        .flat()
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return items.length === 0 ? [''] : items;
    },
  } as const;
}

/** The items of a list option as whole numbers from `min` to `max` (WsinspectError naming the first that is not). */
export function wholeNumbers(
  option: string,
  values: readonly string[],
  min: number,
  max: number,
  what: string,
): number[] {
  return values.map((text) => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new WsinspectError('input.bad-option', `${option}: "${text}" is not ${what}`);
    return n;
  });
}

/** The display filter's spec (plain data: a worker thread can be sent it). */
export function streamFilterSpec(flags: StreamFlags): FilterSpec {
  return {
    conns: flags.conn === undefined ? undefined : connNumbers(flags.conn),
    dir: flags.dir,
    opcodes: flags.opcode === undefined ? undefined : parseOpcodes(flags.opcode),
    grep: flags.grep === undefined ? undefined : parseRegex(flags.grep, flags.ignoreCase === true),
    errorsOnly: flags.errors === true,
    expression: checkedExpression(flags.filter),
  };
}

/** The flags given that select frames (--dir, --opcode, --grep, --errors, -Y), as typed. */
export function frameFiltersGiven(flags: StreamFlags): string[] {
  const filters = [
    ['--dir', flags.dir],
    ['--opcode', flags.opcode],
    ['--grep', flags.grep],
    ['--errors', flags.errors || undefined],
    ['-Y', flags.filter],
  ] as const;
  return filters.filter(([, value]) => value !== undefined).map(([name]) => name);
}

/**
 * --stats: the connections to summarise (null: all). It summarises whole connections, so only
 * --conn applies; a filter of frames would make the figures say something they do not.
 */
export function statsConnections(flags: StreamFlags): number[] | null {
  const [filter] = frameFiltersGiven(flags);
  if (filter !== undefined)
    throw new WsinspectError(
      'input.bad-option',
      `${filter} selects frames, but --stats summarises whole connections: choose them with --conn`,
    );
  const views = [
    ['-s', flags.summary],
    ['-V', flags.verbose],
    ['--messages', flags.messages],
  ] as const;
  for (const [name, value] of views) {
    if (value === true)
      throw new WsinspectError(
        'input.bad-option',
        `${name} chooses how frames are listed, but --stats prints a summary per connection instead of the listing`,
      );
  }
  return flags.conn === undefined ? null : connNumbers(flags.conn);
}

function connNumbers(values: readonly string[]): number[] {
  return wholeNumbers('--conn', values, 1, Number.MAX_SAFE_INTEGER, 'a connection number (1, 2, …)');
}

/** The items of --opcode (listOption split and trimmed them) as filter names. */
function parseOpcodes(values: string[]): string[] {
  const names = values.map((v) => v.toLowerCase());
  for (const n of names) {
    if (!(OPCODE_FILTER_NAMES as readonly string[]).includes(n)) {
      throw new WsinspectError(
        'input.bad-option',
        `--opcode: unknown frame type "${n}" (one of ${OPCODE_FILTER_NAMES.join(', ')})`,
      );
    }
  }
  return names;
}

/**
 * --grep's pattern. A leading (?i), as grep -P, PCRE and Python write it, makes it match any
 * case: JavaScript has no inline flags before Node 23, so it is taken off and becomes the i flag.
 */
export function parseRegex(source: string, ignoreCase = false): RegExp {
  const inline = source.startsWith('(?i)');
  const pattern = inline ? source.slice(4) : source;
  try {
    return new RegExp(pattern, ignoreCase || inline ? 'iu' : 'u');
  } catch (error) {
    throw new WsinspectError('input.bad-option', `--grep: not a valid regular expression: ${(error as Error).message}`);
  }
}
