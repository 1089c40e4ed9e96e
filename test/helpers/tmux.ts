// A real pseudo-terminal for the interactive UI's tests: a tmux server of our own (its own
// socket, killed at the end, never anyone else's) runs a command in a window of a given size;
// keys go in with send-keys, the screen comes back with capture-pane. Waits poll the screen
// until what is expected shows (no fixed sleeps): a loaded machine only makes them slower.
import { execFileSync } from 'node:child_process';

let sessions = 0;

export interface TermOptions {
  readonly width?: number;
  readonly height?: number;
  /** Environment for the command (set with `env` inside the pane). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. */
  readonly cwd: string;
}

/** Single-quoted for sh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class Term {
  readonly socket = `wsinspect-ui-test-${process.pid}-${++sessions}`;
  private alive = false;

  /** Starts `argv` in a fresh tmux server; after it exits the pane shows `EXITED <status>`. */
  constructor(
    argv: readonly string[],
    readonly options: TermOptions,
  ) {
    const env = Object.entries(options.env ?? {})
      .map(([k, v]) => `${k}=${shQuote(v)}`)
      .join(' ');
    const command = `cd ${shQuote(options.cwd)} && env ${env} ${argv.map(shQuote).join(' ')}; echo EXITED $?; exec sleep 3600`;
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      String(options.width ?? 120),
      '-y',
      String(options.height ?? 40),
      command,
    );
    this.alive = true;
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Keys as tmux names them: 'j', 'Enter', 'Escape', 'C-f', 'BSpace'; a literal string with `literal`. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  /** Text typed as it is (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-l', text);
  }

  /** The screen as text (`escapes`: with the SGR attributes, as `capture-pane -e`). */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []));
  }

  /** A tmux format of the pane: '#{alternate_on}', '#{cursor_flag}', '#{pane_pid}'. */
  format(f: string): string {
    return this.tmux('display-message', '-p', f).trim();
  }

  resize(width: number, height: number): void {
    this.tmux('resize-window', '-x', String(width), '-y', String(height));
  }

  /** Polls the screen until `test` holds; throws with the last screen after `timeoutMs`. */
  async waitFor(test: string | RegExp | ((screen: string) => boolean), timeoutMs = 60_000): Promise<string> {
    const ok =
      typeof test === 'string'
        ? (s: string) => s.includes(test)
        : test instanceof RegExp
          ? (s: string) => test.test(s)
          : test;
    const until = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = this.screen();
      if (ok(last)) return last;
      if (Date.now() > until) throw new Error(`screen never showed ${String(test)}; last screen:\n${last}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Kills this test's tmux server (and what runs in it). */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
