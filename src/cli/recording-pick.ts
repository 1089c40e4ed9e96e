// The options shared by the commands that play a recording (replay, serve): `--conn N`, the
// one conversation to play (or a one-line error that lists what the recording holds), and
// `--ignore json.PATH`. Layer rule: cli/ — flags.
import { WsinspectError } from '../errors.js';
import type { Conversation } from '../pipeline/conversation-load.js';
import { parseJsonPath, type JsonPath } from '../session/message-compare.js';

export function pickConversation(all: readonly Conversation[], conn: string | undefined, source: string): Conversation {
  if (all.length === 0) throw new WsinspectError('input.empty', `${source}: no WebSocket connection to play`);
  if (conn === undefined) {
    if (all.length === 1) return all[0];
    const list = all.map((c) => `${c.conn} (${c.request?.path ?? '?'}, ${c.messages.length} messages)`).join(', ');
    throw new WsinspectError('usage', `${source} has ${all.length} connections: pick one with --conn N: ${list}`);
  }
  const n = /^\d+$/.test(conn.trim()) ? Number(conn) : NaN;
  const found = all.find((c) => c.conn === n);
  if (found === undefined)
    throw new WsinspectError(
      'usage',
      `--conn ${JSON.stringify(conn)}: ${source} has connection${all.length === 1 ? '' : 's'} ${all.map((c) => c.conn).join(', ')}`,
    );
  return found;
}

/** --ignore json.PATH (repeatable), parsed; a one-line error for one that is not a path. */
export function ignorePaths(texts: readonly string[] | undefined): JsonPath[] {
  return (texts ?? []).map((t) => {
    const p = parseJsonPath(t);
    if (p === null)
      throw new WsinspectError(
        'usage',
        `--ignore takes json.PATH (json.ts, json.items[*].id), not ${JSON.stringify(t)}`,
      );
    return p;
  });
}
