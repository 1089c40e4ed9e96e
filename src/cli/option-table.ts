// A command's options declared once, as data: yargs is built from the table (applyOptions), and
// the start-up fast path (fast-path.ts) parses the same table with node:util's parseArgs, so
// `wsinspect hex …` runs without loading yargs (~45% of its start-up). Whatever the fast parser
// is not sure of (help, version, a typo, a bad value, a repeated or negated flag it does not
// know) it declines, and yargs parses the line and words the error as always.
// Layer rule: cli/ — flags. Only yargs' types are imported here, never yargs itself.
import { parseArgs } from 'node:util';
import type { Argv, Options } from 'yargs';

export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  /** One-letter alias (-s, -V). */
  readonly alias?: string;
  readonly describe: string;
  readonly default?: boolean | number | string;
  readonly choices?: readonly string[];
  /** Checks and converts the typed text (number-option.ts); throws on a bad value. */
  readonly coerce?: (value: unknown) => unknown;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  readonly name: string;
  /** Takes every remaining argument (`hex [hex..]`). */
  readonly variadic?: boolean;
}

/** Declares every option of the table on a yargs command builder. */
export function applyOptions<T>(y: Argv<T>, table: OptionTable): Argv<T> {
  let out = y;
  for (const [name, spec] of Object.entries(table)) out = out.option(name, spec as Options) as Argv<T>;
  return out;
}

/** `max-payload` → `maxPayload`, the key yargs gives handlers. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The flags yargs would give the command's handler (camelCase keys, defaults applied, values
 * coerced), or null when this parser declines the line and yargs must parse it.
 */
export function fastParse(
  args: readonly string[],
  table: OptionTable,
  positionals: readonly PositionalSpec[],
): Record<string, unknown> | null {
  const negated: string[] = [];
  const rest: string[] = [];
  for (const arg of args) {
    if (arg === '--' || arg === '--help' || arg === '-h' || arg === '--version') return null;
    const m = /^--no-(.+)$/.exec(arg);
    if (m !== null && table[m[1]]?.type === 'boolean') negated.push(m[1]);
    else rest.push(arg);
  }
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, spec] of Object.entries(table))
    options[name] = spec.alias === undefined ? { type: spec.type } : { type: spec.type, short: spec.alias };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return null;
  }
  // a flag given twice (or given and negated) is yargs' to resolve
  const seen = new Set(negated);
  if (seen.size !== negated.length) return null;
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) return null;
    seen.add(token.name);
  }
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const typed: unknown = negated.includes(name) ? false : parsed.values[name];
    if (typed === undefined && spec.default === undefined) continue;
    const value: unknown = typed !== undefined ? typed : spec.default;
    if (spec.choices !== undefined && !spec.choices.includes(String(value))) return null;
    let coerced = value;
    if (spec.coerce !== undefined) {
      try {
        coerced = spec.coerce(value);
      } catch {
        return null;
      }
    }
    if (coerced !== undefined) flags[camel(name)] = coerced;
  }
  const words = parsed.positionals;
  let i = 0;
  for (const p of positionals) {
    if (p.variadic === true) {
      flags[p.name] = words.slice(i);
      i = words.length;
    } else if (i < words.length) flags[p.name] = words[i++];
  }
  return i < words.length ? null : flags;
}
