// Named colour functions for every renderer: one colour per frame field (so the bit diagram,
// field table and hex dump agree), severities, directions and emphasis.
// Layer rule: render/ — the only layer that uses chalk; whether colour is on is decided by
// cli/ and passed in, nothing here reads process.env or asks the TTY.
import { Chalk, type ChalkInstance } from 'chalk';
import type { FrameFieldKey } from '../protocol/frame-fields.js';
import type { Severity } from '../protocol/diagnostic-catalogue.js';
import type { Direction } from '../session/events.js';

/** Wraps text in a colour (or returns it unchanged when colour is off). */
export type Paint = (text: string) => string;

export interface Style {
  /** True when the functions below emit ANSI escapes. */
  readonly color: boolean;
  // one colour per frame field (RFC 6455 §5.2)
  readonly fin: Paint;
  readonly rsv: Paint;
  readonly opcode: Paint;
  readonly mask: Paint;
  readonly len: Paint;
  readonly extLen: Paint;
  readonly key: Paint;
  readonly payload: Paint;
  // severities
  readonly error: Paint;
  readonly warning: Paint;
  readonly note: Paint;
  // directions: client→server and server→client
  readonly c2s: Paint;
  readonly s2c: Paint;
  // emphasis
  readonly dim: Paint;
  readonly bold: Paint;
  readonly heading: Paint;
  /** Values wsinspect computed rather than read off the wire (unmasked, inflated, expected). */
  readonly derived: Paint;
  readonly ok: Paint;
  readonly bad: Paint;
  /** The colour of one frame field, for renderers that walk the field layout. */
  readonly field: (key: FrameFieldKey) => Paint;
  readonly severity: (severity: Severity) => Paint;
  readonly direction: (dir: Direction) => Paint;
}

export interface StyleOptions {
  readonly color: boolean;
  /** Chalk colour level when colour is on: 1 = 16 colours (default), 2 = 256, 3 = truecolor. */
  readonly level?: 1 | 2 | 3;
}

const plain: Paint = (text) => text;

export function createStyle(options: StyleOptions): Style {
  const level = options.color ? (options.level ?? 1) : 0;
  const chalk = new Chalk({ level });
  // With colour off every paint is the identity: no chalk call on the hot path.
  const p = (c: ChalkInstance): Paint => (level === 0 ? plain : (text) => c(text));
  const fields: Record<FrameFieldKey, Paint> = {
    fin: p(chalk.magenta),
    rsv1: p(chalk.yellow),
    rsv2: p(chalk.yellow),
    rsv3: p(chalk.yellow),
    opcode: p(chalk.cyan),
    mask: p(chalk.blueBright),
    payloadLen: p(chalk.green),
    extendedPayloadLength: p(chalk.greenBright),
    maskingKey: p(chalk.magentaBright),
    payload: plain,
  };
  const severities: Record<Severity, Paint> = {
    error: p(chalk.red.bold),
    warning: p(chalk.yellow),
    note: p(chalk.cyan),
  };
  const directions: Record<Direction, Paint> = { c2s: p(chalk.green), s2c: p(chalk.blue) };
  return {
    color: level !== 0,
    fin: fields.fin,
    rsv: fields.rsv1,
    opcode: fields.opcode,
    mask: fields.mask,
    len: fields.payloadLen,
    extLen: fields.extendedPayloadLength,
    key: fields.maskingKey,
    payload: fields.payload,
    error: severities.error,
    warning: severities.warning,
    note: severities.note,
    c2s: directions.c2s,
    s2c: directions.s2c,
    dim: p(chalk.dim),
    bold: p(chalk.bold),
    heading: p(chalk.bold.underline),
    derived: p(chalk.italic),
    ok: p(chalk.green.bold),
    bad: p(chalk.red.bold),
    field: (key) => fields[key],
    severity: (severity) => severities[severity],
    direction: (dir) => directions[dir],
  };
}
