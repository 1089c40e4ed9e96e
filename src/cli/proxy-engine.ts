// `wsinspect proxy --rule … --hold-timeout …` (and --script, --ui): checks the flags before the
// proxy listens (a bad rule is one line naming the rule and the column, exit status 2), then
// plugs the terminating relay (engine/) into the proxy with the live pipeline's marks,
// dropped messages and notes. Layer rule: cli/ — flags and wiring.
import { basename } from 'node:path';
import { ChainDecider } from '../engine/chain.js';
import { parseRule, RuleDecider, RuleSyntaxError, type Rule } from '../engine/rules.js';
import { loadScript, ScriptDecider, ScriptLoadError, thrownByScript } from '../engine/script.js';
import type { WsinspectScript } from '../engine/script-types.js';
import { terminatingRelay, type TerminatingRelayOptions } from '../engine/terminating-relay.js';
import type { Decider } from '../engine/verdict.js';
import { WsinspectError } from '../errors.js';
import type { LivePipeline } from '../pipeline/live.js';
import { diagnostic, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import { nowSeconds } from '../sources/proxy/clock.js';
import type { RelayFunction } from '../sources/proxy/relay.js';
import { DebugController } from '../ui/debug-controller.js';

export interface EngineFlags {
  rule?: string[];
  holdTimeout?: string;
  script?: string;
  /** proxy --ui: the engine always, with the UI's debugger deciding after the rules and the script. */
  ui?: boolean;
}

export interface EngineSetup {
  readonly rules: readonly Rule[];
  readonly script: { readonly path: string; readonly module: WsinspectScript } | null;
  /** Held messages are released after this long (Infinity: only by the UI's keys). */
  readonly holdTimeoutMs: number;
  readonly ui: boolean;
}

const DEFAULT_HOLD_TIMEOUT_MS = 30_000;
/** As a rule's delay: at most 24 hours. */
const MAX_HOLD_TIMEOUT_MS = 24 * 3600 * 1000;
const SEVERITY_CODES: Record<'note' | 'warning' | 'error', DiagnosticCode> = {
  note: 'proxy.engine.note',
  warning: 'proxy.engine.problem',
  error: 'proxy.script.error',
};

/** The checked flags, or null when nothing may change traffic (the verbatim relay stays). */
export async function engineSetup(flags: EngineFlags): Promise<EngineSetup | null> {
  const texts = flags.rule ?? [];
  const rules = texts.map((text, i) => {
    try {
      return parseRule(String(text));
    } catch (err) {
      if (err instanceof RuleSyntaxError)
        throw new WsinspectError(
          'usage',
          `--rule ${texts.length > 1 ? `${i + 1} ` : ''}${JSON.stringify(String(text))}: ${err.message}`,
        );
      throw err;
    }
  });
  const ui = flags.ui === true;
  // a person releases the UI's holds: no time limit unless one is asked for
  const holdTimeoutMs =
    flags.holdTimeout === undefined ? (ui ? Infinity : DEFAULT_HOLD_TIMEOUT_MS) : duration(flags.holdTimeout);
  let script: EngineSetup['script'] = null;
  if (flags.script !== undefined) {
    const path = String(flags.script);
    try {
      script = { path, module: await loadScript(path) };
    } catch (err) {
      if (err instanceof ScriptLoadError) throw new WsinspectError('usage', `--script: ${err.message}`);
      throw err;
    }
  }
  if (rules.length === 0 && script === null && !ui) {
    if (flags.holdTimeout !== undefined)
      throw new WsinspectError('usage', '--hold-timeout is for held messages: give a --rule with hold too (or --ui)');
    return null;
  }
  return { rules, script, holdTimeoutMs, ui };
}

/** "30s", "500ms", "2m", or seconds. */
function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(text).trim());
  if (m === null)
    throw new WsinspectError(
      'usage',
      `--hold-timeout ${JSON.stringify(text)} is not a duration (such as 30s, 500ms or 2m)`,
    );
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  // a timer cannot wait longer than 2^31-1 ms (~24.8 days): Node would fire it after 1 ms
  if (ms > MAX_HOLD_TIMEOUT_MS)
    throw new WsinspectError(
      'usage',
      `--hold-timeout ${JSON.stringify(text)} is too long: at most 24 hours (with --ui, leave it out for no limit)`,
    );
  return ms;
}

/** The relay that terminates WebSocket, reporting into the live pipeline; with --ui, the UI's debugger too. */
export function engineRelay(
  setup: EngineSetup,
  pipeline: LivePipeline & { problem(conn: number | null, message: string): void },
): { relay: RelayFunction; stop(): void; debug: DebugController | null } {
  const rules = setup.rules.length === 0 ? null : new RuleDecider(setup.rules);
  let script: ScriptDecider | null = null;
  let unguard = (): void => {};
  if (setup.script !== null) {
    const name = basename(setup.script.path);
    script = new ScriptDecider(setup.script.module, name);
    script.watch(setup.script.path, (text, failed) =>
      failed ? pipeline.problem(null, `--script: ${text}`) : pipeline.note(`wsinspect: ${text}`),
    );
    unguard = guardScriptErrors(name, (text) => pipeline.problem(null, text));
  }
  const upstream: Decider | null =
    rules !== null && script !== null ? new ChainDecider(rules, script) : (rules ?? script);
  // with --ui the debugger decides after the rules and the script, and holds what they hold
  const debug = setup.ui
    ? new DebugController({
        upstream,
        shownAs: (conn) => pipeline.shownAs(conn),
        holdTimeoutMs: setup.holdTimeoutMs,
        note: (text) => pipeline.note(`wsinspect: ${text}`),
      })
    : null;
  const decider: Decider = debug ?? upstream!;
  const options: TerminatingRelayOptions = {
    decider: () => decider,
    holdTimeoutMs: debug === null ? setup.holdTimeoutMs : Infinity,
    mark: (conn, dir, mark) => pipeline.mark(conn, dir, mark),
    dropped: (conn, dir, msg, why) => pipeline.dropped(conn, dir, msg, why),
    note: (conn, text, severity) =>
      pipeline.handle({
        kind: 'diagnostic',
        conn,
        diagnostic: diagnostic(SEVERITY_CODES[severity], text),
        time: nowSeconds(),
      }),
  };
  return {
    relay: (conn, client, server, observer, first) => terminatingRelay(options, conn, client, server, observer, first),
    stop: () => {
      script?.stop();
      unguard();
    },
    debug,
  };
}

/**
 * A script's code that runs outside its hooks (a timer, a promise no hook awaits) throws where
 * no hook can catch it: reported in one line, and the proxy goes on, as for a hook's error.
 * Any other uncaught error ends the process as it would have (or, with --ui, as the UI ends it).
 */
function guardScriptErrors(name: string, report: (text: string) => void): () => void {
  const handler =
    (event: 'uncaughtException' | 'unhandledRejection') =>
    (err: unknown): void => {
      const at = thrownByScript(err);
      if (at !== null) {
        const e = err as Error;
        const what = `${e.name}: ${e.message}`.split('\n')[0];
        report(`--script ${name}: ${what} (at ${at}), outside a hook: the proxy goes on`);
        return;
      }
      // another handler (the UI's) ends the run; else what Node does without one
      if (process.listenerCount(event) > 1) return;
      process.stderr.write(`${err instanceof Error ? (err.stack ?? String(err)) : String(err)}\n`);
      process.exit(1);
    };
  const onException = handler('uncaughtException');
  const onRejection = handler('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
