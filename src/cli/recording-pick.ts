// `--conn N` of the commands that play a recording (replay, serve): the one conversation to
// play, or a one-line error that lists what the recording holds. Layer rule: cli/ — flags.
import { WsinspectError } from '../errors.js';
import type { Conversation } from '../pipeline/conversation-load.js';

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
