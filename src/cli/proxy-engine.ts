// `wsinspect proxy --rule … --hold-timeout …` (and --script): checks the flags before the
// proxy listens (a bad rule is one line naming the rule and the column, exit status 2), then
// plugs the terminating relay (engine/) into the proxy with the live pipeline's marks,
// dropped messages and notes. Layer rule: cli/ — flags and wiring.
import { parseRule, RuleDecider, RuleSyntaxError, type Rule } from '../engine/rules.js';
import { terminatingRelay, type TerminatingRelayOptions } from '../engine/terminating-relay.js';
import type { Decider } from '../engine/verdict.js';
import { WsinspectError } from '../errors.js';
import type { LivePipeline } from '../pipeline/live.js';
import { diagnostic, type DiagnosticCode } from '../protocol/diagnostic-catalogue.js';
import { nowSeconds } from '../sources/proxy/clock.js';
import type { RelayFunction } from '../sources/proxy/relay.js';

export interface EngineFlags {
  rule?: string[];
  holdTimeout?: string;
}

export interface EngineSetup {
  readonly rules: readonly Rule[];
  readonly holdTimeoutMs: number;
}

const DEFAULT_HOLD_TIMEOUT_MS = 30_000;
const SEVERITY_CODES: Record<'note' | 'warning' | 'error', DiagnosticCode> = {
  note: 'proxy.engine.note',
  warning: 'proxy.engine.problem',
  error: 'proxy.script.error',
};

/** The checked flags, or null when nothing may change traffic (the verbatim relay stays). */
export function engineSetup(flags: EngineFlags): EngineSetup | null {
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
  const holdTimeoutMs = flags.holdTimeout === undefined ? DEFAULT_HOLD_TIMEOUT_MS : duration(flags.holdTimeout);
  if (rules.length === 0) {
    if (flags.holdTimeout !== undefined)
      throw new WsinspectError('usage', '--hold-timeout is for held messages: give a --rule with hold too');
    return null;
  }
  return { rules, holdTimeoutMs };
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
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/** The relay that terminates WebSocket, reporting into the live pipeline. */
export function engineRelay(setup: EngineSetup, pipeline: LivePipeline): RelayFunction {
  const decider: Decider = new RuleDecider(setup.rules);
  const options: TerminatingRelayOptions = {
    decider: () => decider,
    holdTimeoutMs: setup.holdTimeoutMs,
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
  return (conn, client, server, observer, first) => terminatingRelay(options, conn, client, server, observer, first);
}
