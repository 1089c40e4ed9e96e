// `wsinspect replay` once started: the recording loaded, the connection picked, the request's
// headers cleaned, the conversation played (sources/replay/replay-client.ts) with the live
// view, then the comparison printed (text or --json) and the exit status set.
// Layer rule: cli/ — flags → pipeline wiring → exit codes.
import { WsinspectError } from '../errors.js';
import { loadConversations, type Conversation } from '../pipeline/conversation-load.js';
import type { HeaderField } from '../protocol/handshake-types.js';
import { escapeForTerminal } from '../render/escape.js';
import { jsonString } from '../render/json-encoder.js';
import { compareMessages, type JsonPath } from '../session/message-compare.js';
import {
  replayConversation,
  type Pace,
  type ReceivedMessage,
  type ReplayMessage,
} from '../sources/replay/replay-client.js';
import { explainRecording, openLivePipeline } from './live-pipeline.js';
import { ignorePaths, pickConversation } from './recording-pick.js';
import type { OutputFlags } from './output-options.js';

export interface ReplayFlags extends OutputFlags {
  source?: string;
  target?: string;
  conn?: string;
  header?: string[];
  pace?: Pace;
  replyTimeout?: number;
  ignore?: string[];
  insecure?: boolean;
}

/** Request headers that belong to one connection (hop-by-hop) or to the handshake ws makes itself. */
const NOT_REPLAYED = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
]);

function parseHeader(text: string): HeaderField {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(text))
    throw new WsinspectError('usage', `--header takes 'Name: value', not ${JSON.stringify(text)}`);
  return [name, text.slice(colon + 1).trim()];
}

function targetUrl(text: string | undefined, recordedPath: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(text ?? '');
  } catch {
    throw new WsinspectError(
      'usage',
      `--target takes ws://HOST:PORT[/PATH] or wss://…, not ${JSON.stringify(text ?? '')}`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new WsinspectError('usage', `--target must be ws:// or wss://, not ${JSON.stringify(text)}`);
  if ((url.pathname === '/' || url.pathname === '') && url.search === '' && recordedPath !== undefined) {
    const recorded = new URL(recordedPath, 'ws://x');
    url.pathname = recorded.pathname;
    url.search = recorded.search;
  }
  return url;
}

const shown = (m: { opcode: number; data: Uint8Array; text?: string }): string =>
  m.opcode === 1 ? (m.text ?? Buffer.from(m.data).toString('utf8')) : Buffer.from(m.data).toString('hex');

export async function runReplay(flags: ReplayFlags): Promise<void> {
  const source = flags.source ?? '';
  const ignore = ignorePaths(flags.ignore);
  const extra = (flags.header ?? []).map(parseHeader);
  const conversation = pickConversation(await loadConversations(source), flags.conn, source);
  const url = targetUrl(flags.target, conversation.request?.path);
  const recordedHeaders = (conversation.request?.headers ?? []).filter(([n]) => !NOT_REPLAYED.has(n.toLowerCase()));
  const replaced = new Set(extra.map(([n]) => n.toLowerCase()));
  const headers = [...recordedHeaders.filter(([n]) => !replaced.has(n.toLowerCase())), ...extra];
  const messages: ReplayMessage[] = conversation.messages.map((m) => ({ ...m }));
  // --conn here picks the recorded connection; the live view shows the one replay opens
  const live = await openLivePipeline({ ...flags, conn: undefined, explainInstead: explainRecording(source) });
  let outcome;
  try {
    outcome = await replayConversation({
      url,
      headers,
      protocols: conversation.request?.protocols ?? [],
      deflate: (conversation.request?.extensions ?? []).some((e) => /^\s*permessage-deflate\b/i.test(e)),
      messages,
      pace: flags.pace ?? 'reply',
      replyTimeoutMs: (flags.replyTimeout ?? 5) * 1000,
      insecure: flags.insecure === true,
      conn: 1,
      onStream: (ev) => live.handle(ev),
    });
  } finally {
    await live.close();
  }
  const expected = conversation.messages.filter((m) => m.dir === 's2c');
  const verdict = compare(expected, outcome.received, ignore);
  const out: string[] = [];
  for (const d of verdict.diffs) {
    if (flags.json) {
      out.push(
        `{"type":"replay-diff","conn":${conversation.conn},"index":${d.index},"kind":"${d.kind}"` +
          `,"expected":${d.expected === null ? 'null' : jsonString(d.expected)},"actual":${d.actual === null ? 'null' : jsonString(d.actual)}` +
          `,"paths":${JSON.stringify(d.paths)}}`,
      );
    } else {
      const what =
        d.kind === 'differs'
          ? `differs: ${d.detail}`
          : d.kind === 'missing'
            ? 'missing: the server did not send it'
            : 'extra: not in the recording';
      out.push(`replay: server message ${d.index} ${escapeForTerminal(what)}`);
    }
  }
  const c = verdict.counts;
  out.push(
    flags.json
      ? `{"type":"replay-result","equal":${c.equal},"differ":${c.differ},"missing":${c.missing},"extra":${c.extra}}`
      : `replay: ${c.equal} equal, ${c.differ} differ, ${c.missing} missing, ${c.extra} extra (${outcome.sent} client message${outcome.sent === 1 ? '' : 's'} sent to ${escapeForTerminal(url.href)})`,
  );
  process.stdout.write(out.join('\n') + '\n');
  if (c.differ + c.missing + c.extra > 0) process.exitCode = 1;
}

interface Diff {
  readonly index: number;
  readonly kind: 'differs' | 'missing' | 'extra';
  readonly expected: string | null;
  readonly actual: string | null;
  readonly paths: readonly string[];
  readonly detail: string;
}

function compare(
  expected: readonly { opcode: 1 | 2; data: Uint8Array; text?: string }[],
  actual: readonly ReceivedMessage[],
  ignore: readonly JsonPath[],
): { diffs: Diff[]; counts: { equal: number; differ: number; missing: number; extra: number } } {
  const diffs: Diff[] = [];
  const counts = { equal: 0, differ: 0, missing: 0, extra: 0 };
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined) {
      const r = compareMessages(e, a, ignore);
      if (r.equal) counts.equal += 1;
      else {
        counts.differ += 1;
        diffs.push({
          index: i + 1,
          kind: 'differs',
          expected: shown(e),
          actual: shown(a),
          paths: r.paths,
          detail: r.detail,
        });
      }
    } else if (e !== undefined) {
      counts.missing += 1;
      diffs.push({ index: i + 1, kind: 'missing', expected: shown(e), actual: null, paths: [], detail: '' });
    } else if (a !== undefined) {
      counts.extra += 1;
      diffs.push({ index: i + 1, kind: 'extra', expected: null, actual: shown(a), paths: [], detail: '' });
    }
  }
  return { diffs, counts };
}
