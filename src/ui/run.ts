// Starts the interactive UI on a terminal and gives it back as it was, whatever happens: the
// alternate screen, a hidden cursor and raw mode (ink) while it runs; on quit, on an uncaught
// exception and on SIGTERM/SIGHUP the alternate screen is left, the cursor shown and raw mode
// ended. ink and React load here, on first use: the other commands never load them.
// Layer rule: ui/.
import { thrownByScript } from '../engine/script.js';
import type { UiLaunch } from './model.js';

// alternate screen, cursor hidden, cleared; mouse button and wheel reports in SGR form (1000, 1006)
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J\x1b[?1000h\x1b[?1006h';
const LEAVE = '\x1b[?1006l\x1b[?1000l\x1b[?25h\x1b[?1049l';

/** Colour level from the environment, as the other commands decide it (cli/color.ts) for a terminal. */
function envColorLevel(env: NodeJS.ProcessEnv): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force === '0' || force === 'false') return 0;
  if (force !== undefined && /^[123]$/.test(force)) return Number(force) as 1 | 2 | 3;
  if (env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : env.TERM?.includes('256') ? 2 : 1;
}

/**
 * ink draws only its last frame when CI or CONTINUOUS_INTEGRATION is set (is-in-ci reads them
 * once, when ink loads); the UI always runs on a terminal, so ink loads without them.
 */
async function withoutCiFlags<T>(load: () => Promise<T>): Promise<T> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await load();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

/** Runs the UI until the user quits; resolves with the terminal restored. */
export async function runUi(launch: UiLaunch): Promise<void> {
  const stdout = launch.stdout ?? process.stdout;
  const stdin = launch.stdin ?? process.stdin;
  // React's production build (its development build checks and warns on every render: several
  // times slower); a NODE_ENV the user set is kept
  process.env.NODE_ENV ??= 'production';
  const [{ render }, React, { Screen }] = await withoutCiFlags(() =>
    Promise.all([import('ink'), import('react'), import('./screen.js')]),
  );
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // a closed terminal: nothing to give back
    }
    stdout.write(LEAVE);
  };
  let instance: ReturnType<typeof render> | null = null;
  const onExit = (): void => restore();
  const onFatal = (err: unknown): void => {
    // a proxy script's own error outside its hooks: reported by the proxy, which goes on
    if (thrownByScript(err) !== null) return;
    try {
      instance?.unmount();
    } catch {
      // already gone
    }
    restore();
    process.stderr.write(`wsinspect ui: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      instance?.unmount();
    } catch {
      // already gone
    }
    restore();
    // the caller's own handler (the proxy's) ends its run once the UI has returned
    if (launch.onSignal !== 'return') process.exit(signal === 'SIGTERM' ? 143 : 129);
  };
  process.on('exit', onExit);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const suspend = async <T>(fn: () => Promise<T>): Promise<T> => {
    // the editor gets the terminal as it would outside: main screen, cursor, cooked mode
    stdout.write(LEAVE);
    if (stdin.isTTY) stdin.setRawMode(false);
    try {
      return await fn();
    } finally {
      if (stdin.isTTY) stdin.setRawMode(true);
      stdout.write(ENTER);
      instance?.clear();
      stdout.emit('resize');
    }
  };
  const onResize = (): void => {
    // ink erases its last frame line by line; after a resize that frame wrapped differently
    stdout.write('\x1b[H\x1b[2J');
    instance?.clear();
  };
  stdout.prependListener('resize', onResize);
  stdout.write(ENTER);
  try {
    instance = render(
      React.createElement(Screen, {
        launch,
        colorLevel: launch.colorLevel ?? envColorLevel(process.env),
        onQuit: () => {},
        suspend,
      }),
      { stdout, stdin, exitOnCtrlC: false, patchConsole: false },
    );
    await instance.waitUntilExit();
  } finally {
    stdout.off('resize', onResize);
    launch.store.dispose();
    restore();
    process.off('exit', onExit);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}
