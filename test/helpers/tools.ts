// The one place tests learn whether an external tool (tshark, chromium, curl, ...) is here.
// Outside CI a test that needs a missing tool is skipped, with the reason printed once; under
// CI=true it fails with that reason, so a CI run never passes by skipping what it should test.
// tools.json lists each tool, the command that shows it works and its Debian package; .ci/run
// installs from the same list.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it, type TestContext } from 'vitest';

export type Tool = 'tshark' | 'tcpdump' | 'chromium' | 'curl' | 'tmux' | 'python3-websockets';

interface ToolEntry {
  readonly debian: string;
  readonly check: readonly string[];
}

const TABLE = JSON.parse(readFileSync(join(import.meta.dirname, 'tools.json'), 'utf8')) as Record<string, ToolEntry>;

/** CI=true (or CI=1): a missing tool fails the test instead of skipping it. */
export const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '');

/** The browser the tests drive, where the Debian package `chromium` installs it. */
export const CHROMIUM_PATH = TABLE['chromium']!.check[0]!;
/** The system Python, which the Debian package `python3-websockets` extends. */
export const PYTHON3_PATH = TABLE['python3-websockets']!.check[0]!;

const checked = new Map<Tool, string | null>();
const announced = new Set<string>();

/** Why `tool` cannot run here, or null when its check command succeeds (checked once per file). */
export function toolMissing(tool: Tool): string | null {
  if (!checked.has(tool)) checked.set(tool, check(tool));
  return checked.get(tool)!;
}

function check(tool: Tool): string | null {
  const entry = TABLE[tool];
  if (entry === undefined) throw new Error(`${tool} is not listed in test/helpers/tools.json`);
  const [command, ...args] = entry.check;
  const r = spawnSync(command!, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  const stderr = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
  const why = r.error
    ? `${command} cannot run (${r.error.message})`
    : `\`${entry.check.join(' ')}\` exited with ${String(r.status ?? r.signal)}${stderr ? `: ${stderr}` : ''}`;
  return `${tool} is missing: ${why}; .ci/run installs it (Debian package ${entry.debian})`;
}

function missingReason(tools: readonly Tool[]): string | null {
  const reasons = tools.map(toolMissing).filter((r): r is string => r !== null);
  return reasons.length === 0 ? null : reasons.join('; ');
}

function announce(reason: string): void {
  if (announced.has(reason)) return;
  announced.add(reason);
  console.warn(`SKIPPED (CI would fail here): ${reason}`);
}

function asList(tools: Tool | readonly Tool[]): readonly Tool[] {
  return typeof tools === 'string' ? [tools] : tools;
}

/**
 * Inside a test, before the part that runs `tools`: returns when they all work; otherwise the
 * test fails under CI, and elsewhere is skipped from here on with the reason.
 */
export function requireTool(ctx: TestContext, ...tools: Tool[]): void {
  const reason = missingReason(tools);
  if (reason === null) return;
  if (IN_CI) throw new Error(`CI=true, so a missing tool fails the test: ${reason}`);
  announce(reason);
  ctx.skip(reason);
}

/** `it`, for a test that needs `tools` from its first line. */
export function itWithTool(
  tools: Tool | readonly Tool[],
  name: string,
  fn: (ctx: TestContext) => unknown,
  timeout?: number,
): void {
  const list = asList(tools);
  it(
    name,
    (ctx) => {
      requireTool(ctx, ...list);
      return fn(ctx);
    },
    timeout,
  );
}

/**
 * `describe`, for a group whose every test needs `tools`. Outside CI a missing tool skips the
 * whole group (its hooks do not run either); under CI every test in it fails with the reason.
 */
export function describeWithTool(tools: Tool | readonly Tool[], name: string, fn: () => void): void {
  const list = asList(tools);
  if (missingReason(list) !== null && !IN_CI) {
    announce(missingReason(list)!);
    describe.skip(name, fn);
    return;
  }
  describe(name, () => {
    beforeEach((ctx) => requireTool(ctx, ...list));
    fn();
  });
}
