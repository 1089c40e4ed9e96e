// Decides whether output is coloured: --color/--no-color first, then NO_COLOR (any
// non-empty value disables, see no-color.org), then FORCE_COLOR (0 disables, 1–3 force a
// level), then whether stdout is a terminal.

export interface ColorInputs {
  readonly flag: boolean | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
}

/** chalk level: 0 none, 1 basic 16 colours, 2 256 colours, 3 truecolor. */
export function colorLevel({ flag, env, isTTY }: ColorInputs): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  const force = env.FORCE_COLOR;
  const forced =
    force === undefined
      ? null
      : force === '' || force === 'true'
        ? 1
        : force === 'false'
          ? 0
          : Math.min(3, Math.max(0, Number.parseInt(force, 10) || 0));
  if (flag === true) return (forced === null || forced === 0 ? 1 : forced) as 1 | 2 | 3;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (forced !== null) return forced as 0 | 1 | 2 | 3;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : env.TERM?.includes('256') ? 2 : 1;
}
