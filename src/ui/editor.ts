// `e` and `I`: text edited in the user's editor ($VISUAL, else $EDITOR, else vi), as git
// runs it (`sh -c '$EDITOR "$1"'`, so "code --wait" or "emacs -nw" work). The editor runs as
// a child process with the terminal handed over, and asynchronously: the proxy goes on
// relaying the other traffic meanwhile (only the held message waits). Handing over means
// leaving raw mode and the alternate screen, stopping our reading of stdin (every key is the
// editor's), and keeping the UI's own drawing off the screen until the editor exits; then
// all of it is restored, with the screen cleared for a full redraw.
// Returns the edited text, or null when there is nothing to send: the editor failed or was
// left with a non-zero status (`:cq` in vi), or the file was left unchanged or emptied — the
// held message then stays held (forward it with `a`). The temporary file (mode 0600, in a
// directory of its own) is removed in every case.
// Layer rule: ui/ — process and terminal I/O.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR = '\x1b[2J\x1b[H';

export interface EditorIo {
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  /** The command (default: $VISUAL, $EDITOR, vi). */
  readonly editor?: string;
  /** Told why an edit gave nothing (the editor's failure), one line. */
  readonly problem?: (text: string) => void;
}

/** The editor the user asked for. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['VISUAL', 'EDITOR'] as const) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') return v;
  }
  return 'vi';
}

/** Opens `initial` in the editor (`ext` names the file's type: "json" or ".json"); the text as saved, or null. */
export async function editText(initial: string, ext: string, io: EditorIo = {}): Promise<string | null> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const command = io.editor ?? editorCommand();
  const dir = await mkdtemp(join(tmpdir(), 'wsinspect-edit-'));
  const type = ext.replace(/^\./, '');
  const file = join(dir, `message.${/^[\w-]{1,10}$/.test(type) ? type : 'txt'}`);
  try {
    await writeFile(file, initial, { mode: 0o600 });
    const status = await handOver(stdin, stdout, () => run(command, file));
    if (status !== 0) {
      io.problem?.(
        `${command}: ${status === null ? 'could not be started' : status === 127 ? 'not found (exit status 127)' : `exited with ${status}`}, nothing sent`,
      );
      return null;
    }
    const edited = await readFile(file, 'utf8');
    if (edited === initial || edited.trim() === '') return null;
    return edited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The editor's exit status, or null when it could not be started (or died of a signal). */
function run(command: string, file: string): Promise<number | null> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn('/bin/sh', ['-c', `${command} "$1"`, command, file], { stdio: 'inherit' });
    } catch {
      resolve(null);
      return;
    }
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}

/** Runs `work` with the terminal given to a child: cooked mode, normal screen, our reads and writes stopped. */
async function handOver<T>(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream, work: () => Promise<T>): Promise<T> {
  const tty = stdout.isTTY === true;
  const wasRaw = stdin.isTTY === true && stdin.isRaw;
  const wasPaused = stdin.isPaused();
  const own = Object.getOwnPropertyDescriptor(stdout, 'write');
  const write = stdout.write.bind(stdout);
  if (tty) write(LEAVE_ALT_SCREEN + SHOW_CURSOR);
  if (wasRaw) stdin.setRawMode(false);
  const keys = stopReading(stdin);
  // the UI redraws while traffic arrives: none of that may land on the editor's screen
  const swallowed = ((_chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const cb = typeof encoding === 'function' ? encoding : callback;
    if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
    return true;
  }) as typeof stdout.write;
  stdout.write = swallowed;
  try {
    return await work();
  } finally {
    if (own === undefined) delete (stdout as { write?: unknown }).write;
    else Object.defineProperty(stdout, 'write', own);
    if (tty) write(ENTER_ALT_SCREEN + CLEAR);
    if (wasRaw) stdin.setRawMode(true);
    keys.restart();
    if (!wasPaused && stdin.listenerCount('readable') === 0) stdin.resume();
  }
}

type ReadListener = (...args: unknown[]) => void;

/**
 * Stops this process reading the terminal, so that every key reaches the editor: pausing is
 * not enough while a 'readable' listener (ink's) consumes the stream, as it keeps libuv
 * reading. The listeners are taken off, and the tty handle's reading stopped (as
 * net.Socket's own pause does for sockets that read into a buffer); restart() starts the
 * handle again and puts the listeners back.
 */
function stopReading(stdin: NodeJS.ReadStream): { restart(): void } {
  const readable = stdin.rawListeners('readable') as ReadListener[];
  const data = stdin.rawListeners('data') as ReadListener[];
  stdin.removeAllListeners('readable');
  stdin.removeAllListeners('data');
  stdin.pause();
  const handle = (
    stdin as unknown as { _handle?: { reading?: boolean; readStop?: () => number; readStart?: () => number } }
  )._handle;
  let stopped = false;
  if (handle?.reading === true && typeof handle.readStop === 'function' && typeof handle.readStart === 'function') {
    handle.reading = false;
    handle.readStop();
    stopped = true;
  }
  return {
    restart() {
      // the stream still counts the read it had asked for as pending: only the handle needs starting
      if (stopped && handle?.reading === false) {
        handle.reading = true;
        handle.readStart!();
      }
      for (const l of readable) stdin.on('readable', l);
      for (const l of data) stdin.on('data', l);
    },
  };
}
