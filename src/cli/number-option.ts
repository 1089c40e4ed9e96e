// Numeric options read as text and checked here, so an error names what was typed
// (`--max-payload: "abc" is not …`) instead of the NaN yargs makes of it.
// Layer rule: cli/ — flags.
import { WsinspectError } from '../errors.js';

export interface NumberRule {
  /** The option as typed on the command line, for the message: '--max-payload'. */
  readonly flag: string;
  readonly min: number;
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** What a valid value is, for the message: 'a whole number of bytes'. */
  readonly what: string;
}

/** The value of a numeric option, or a one-line error that quotes the text. */
export function parseNumberOption(value: unknown, rule: NumberRule): number {
  if (typeof value === 'number') return checkNumber(value, String(value), rule);
  const typed = Array.isArray(value) ? value[value.length - 1] : value;
  const text = String(typed).trim();
  const syntax = rule.integer ? /^\d+$/ : /^\d+(\.\d+)?$|^\.\d+$/;
  return checkNumber(syntax.test(text) ? Number(text) : NaN, text, rule);
}

function checkNumber(n: number, text: string, rule: NumberRule): number {
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (!(n >= rule.min && n <= max) || (rule.integer && !Number.isInteger(n)))
    throw new WsinspectError('input.bad-option', `${rule.flag}: ${JSON.stringify(text)} is not ${rule.what}`);
  return n;
}

/**
 * A yargs option whose value is checked by parseNumberOption. With no default (undefined) the
 * flag stays undefined when not typed, so a command can tell "not given" from a typed value.
 */
export function numberOption(
  rule: NumberRule,
  describe: string,
  defaultValue: number | undefined,
): { type: 'string'; describe: string; default?: number; coerce: (value: unknown) => number | undefined } {
  const coerce = (value: unknown): number | undefined =>
    value === undefined ? undefined : parseNumberOption(value, rule);
  return defaultValue === undefined
    ? { type: 'string', describe, coerce }
    : { type: 'string', describe, default: defaultValue, coerce };
}
