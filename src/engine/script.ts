// --script FILE.mjs: a user's ES module as the engine's Decider. Its default export has
// optional hooks (script-types.ts); a hook that throws, or whose Promise rejects or is still
// pending 5 s after the hook returned, lets the message pass unchanged, and the error (with its
// stack) is shown once per connection by the engine. Hooks run on the proxy's thread: their
// synchronous code cannot be timed out (a loop that never ends blocks the proxy; README says so).
// The module is imported again when the file changes; a version that fails to load is reported
// and the previous one stays.
// Layer rule: engine/ — module loading and a file watch.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Opcode } from '../protocol/frame.js';
import type {
  ScriptConnection,
  ScriptContext,
  ScriptControlFrame,
  ScriptMessage,
  ScriptMessageResult,
  WsinspectScript,
} from './script-types.js';
import type {
  ControlVerdict,
  Decider,
  EngineConnection,
  EngineControl,
  EngineMessage,
  MessageVerdict,
} from './verdict.js';

/** A hook's Promise still pending this long after the hook returned is given up on (the message passes). */
export const HOOK_TIMEOUT_MS = 5000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HOOKS = ['onConnect', 'onMessage', 'onControl', 'onClose'];

/** Why a script cannot be used: one line. */
export class ScriptLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptLoadError';
  }
}

/** The file URLs of the scripts loaded (every version of one has the same). */
const loadedUrls = new Set<string>();

/**
 * Where a script's own code threw, as "file:…:LINE:COL", when `err` came from a loaded script
 * (its stack's first frame in one of their files): an error of a timer or of a promise no
 * hook awaited, which no hook can catch. Null for anything else.
 */
export function thrownByScript(err: unknown): string | null {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return null;
  for (const line of err.stack.split('\n')) {
    const at = /\(?(file:\/\/[^\s()]+?)(?:\?v=\d+)?:(\d+):(\d+)\)?$/.exec(line.trim());
    if (at === null) continue;
    return loadedUrls.has(at[1]) ? `${at[1]}:${at[2]}:${at[3]}` : null;
  }
  return null;
}

/** Imports the module at `path` (a fresh copy each time) and checks its default export. */
export async function loadScript(path: string, version = 0): Promise<WsinspectScript> {
  const base = pathToFileURL(resolve(path)).href;
  loadedUrls.add(base);
  const url = base + (version === 0 ? '' : `?v=${version}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // the script itself missing, not a module it imports (whose error names it)
    if (e.code === 'ERR_MODULE_NOT_FOUND' && version === 0 && !existsSync(resolve(path)))
      throw new ScriptLoadError(`cannot read ${path}: no such file`);
    throw new ScriptLoadError(`cannot load ${path}: ${(e.message ?? String(err)).split('\n')[0]}`);
  }
  const script = mod.default;
  if (typeof script !== 'object' || script === null)
    throw new ScriptLoadError(`${path} has no default export object (export default { onMessage(msg, ctx) { … } })`);
  const hooks = Object.keys(script).filter((k) => HOOKS.includes(k));
  const unknown = Object.keys(script).filter(
    (k) => !HOOKS.includes(k) && typeof (script as Record<string, unknown>)[k] === 'function',
  );
  if (hooks.length === 0)
    throw new ScriptLoadError(
      `${path} exports none of the hooks ${HOOKS.join(', ')}${unknown.length > 0 ? ` (it has ${unknown.join(', ')})` : ''}`,
    );
  for (const h of hooks)
    if (typeof (script as Record<string, unknown>)[h] !== 'function')
      throw new ScriptLoadError(`${path}: ${h} is not a function`);
  return script as WsinspectScript;
}

export class ScriptDecider implements Decider {
  private readonly connections = new Map<
    number,
    { conn: EngineConnection; ctx: ScriptContext; info: ScriptConnection }
  >();
  private watcher: FSWatcher | null = null;
  private version = 0;
  private reloading: NodeJS.Timeout | null = null;

  constructor(
    private script: WsinspectScript,
    private readonly name: string,
  ) {}

  /** The module in use (replaced on reload). */
  get current(): WsinspectScript {
    return this.script;
  }

  /** Imports the file again whenever it changes; `reported` is told of each reload and failure. */
  watch(path: string, reported: (text: string, failed: boolean) => void): void {
    // the directory, not the file: editors that save by renaming a new file over the old one
    // would leave a watch on the file looking at a file that is gone
    const name = basename(path);
    this.watcher = watch(dirname(resolve(path)), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (this.reloading !== null) clearTimeout(this.reloading);
      // editors write in several steps: load once things are quiet
      this.reloading = setTimeout(() => {
        this.reloading = null;
        loadScript(path, ++this.version).then(
          (script) => {
            this.script = script;
            reported(`${this.name} reloaded`, false);
          },
          (err: Error) => reported(`${err.message}; the previous version stays in use`, true),
        );
      }, 50);
    });
    this.watcher.on('error', () => {});
  }

  stop(): void {
    this.watcher?.close();
    if (this.reloading !== null) clearTimeout(this.reloading);
  }

  open(conn: EngineConnection): void {
    const info: ScriptConnection = {
      id: conn.conn,
      path: conn.path,
      protocol: conn.protocol,
      compressed: conn.compressed,
    };
    const ctx: ScriptContext = {
      send: (dir, message) => {
        // checked here: a wrong argument is the script's error (the hook fails), not the engine's
        if (dir !== 'c2s' && dir !== 's2c')
          throw new TypeError(`ctx.send: the direction is 'c2s' or 's2c', not ${show(dir)}`);
        if (typeof message === 'string') conn.send(dir, Opcode.text, encoder.encode(message));
        else if (message instanceof Uint8Array) conn.send(dir, Opcode.binary, message);
        else throw new TypeError(`ctx.send: the message is a string or a Uint8Array, not ${describe(message)}`);
      },
      close: (code, reason = '') => conn.close(code, reason),
      log: (...args) => conn.note(`${this.name}: ${args.map(show).join(' ')}`),
    };
    this.connections.set(conn.conn, { conn, ctx, info });
    const hook = this.script.onConnect;
    if (hook !== undefined) this.settle(conn, () => hook.call(this.script, info, ctx), 'onConnect');
  }

  closed(conn: EngineConnection, info: { readonly code: number | null; readonly reason: string }): void {
    const c = this.connections.get(conn.conn);
    this.connections.delete(conn.conn);
    const hook = this.script.onClose;
    if (hook !== undefined && c !== undefined)
      this.settle(conn, () => hook.call(this.script, c.info, info, c.ctx), 'onClose');
  }

  message(msg: EngineMessage): MessageVerdict | Promise<MessageVerdict> {
    const hook = this.script.onMessage;
    const c = this.connections.get(msg.conn);
    if (hook === undefined || c === undefined) return {};
    const script = this.script;
    const answer = timed(() => hook.call(script, scriptMessage(msg), c.ctx), 'onMessage');
    return answer instanceof Promise ? answer.then((r) => this.verdict(r)) : this.verdict(answer);
  }

  control(frame: EngineControl): ControlVerdict | Promise<ControlVerdict> {
    const hook = this.script.onControl;
    const c = this.connections.get(frame.conn);
    if (hook === undefined || c === undefined) return {};
    const f: ScriptControlFrame = {
      conn: frame.conn,
      dir: frame.dir,
      opcode: frame.opcode,
      opcodeName: frame.opcode === Opcode.ping ? 'ping' : frame.opcode === Opcode.pong ? 'pong' : 'close',
      payload: frame.payload,
      ts: frame.ts,
    };
    const script = this.script;
    const answer = timed(() => hook.call(script, f, c.ctx), 'onControl');
    const verdict = (r: unknown): ControlVerdict => {
      if (r === undefined) return {};
      if (r === 'drop') return { drop: true };
      throw new TypeError(`onControl returned ${show(r)}; expected nothing or 'drop'`);
    };
    return answer instanceof Promise ? answer.then(verdict) : verdict(answer);
  }

  private verdict(r: ScriptMessageResult): MessageVerdict {
    if (r === undefined || r === null) return {};
    if (r === 'drop') return { drop: true, by: this.name };
    if (typeof r === 'object') {
      if ('text' in r && typeof r.text === 'string')
        return { replace: { opcode: Opcode.text, data: encoder.encode(r.text) } };
      if ('data' in r && r.data instanceof Uint8Array) return { replace: { opcode: Opcode.binary, data: r.data } };
      if ('json' in r) {
        const text = JSON.stringify(r.json);
        if (text !== undefined) return { replace: { opcode: Opcode.text, data: encoder.encode(text) } };
      }
    }
    throw new TypeError(`onMessage returned ${show(r)}; expected nothing, 'drop', {text}, {data} or {json}`);
  }

  /** A hook whose result does not decide a message: a failure is still reported (once per connection). */
  private settle(conn: EngineConnection, run: () => unknown, name: string): void {
    try {
      const r = timed(run, name);
      if (r instanceof Promise) r.catch((err: unknown) => conn.fail(err));
    } catch (err) {
      conn.fail(err);
    }
  }
}

/** Runs a hook; a Promise it returns rejects after HOOK_TIMEOUT_MS if still pending. */
function timed<T>(run: () => T | Promise<T>, name: string): T | Promise<T> {
  const r = run();
  if (!(r instanceof Promise)) return r;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not finish within ${HOOK_TIMEOUT_MS / 1000} s`)),
      HOOK_TIMEOUT_MS,
    );
    r.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function scriptMessage(msg: EngineMessage): ScriptMessage {
  const isText = msg.opcode === Opcode.text;
  let text: string | undefined;
  let json: unknown;
  let parsed = false;
  return {
    conn: msg.conn,
    dir: msg.dir,
    opcode: msg.opcode,
    get text() {
      if (!isText) return undefined;
      return (text ??= decoder.decode(msg.data));
    },
    data: msg.data,
    get json() {
      if (!parsed) {
        parsed = true;
        try {
          json = isText ? (JSON.parse(this.text ?? '') as unknown) : undefined;
        } catch {
          json = undefined;
        }
      }
      return json;
    },
    compressed: msg.compressed,
    frames: msg.frames,
    ts: msg.ts,
  };
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${show(v)}`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
