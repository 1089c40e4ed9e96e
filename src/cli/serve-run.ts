// `wsinspect serve` once started: the recording loaded, the connection picked, the mock server
// listening (sources/replay/mock-server.ts) with the live view, until SIGINT/SIGTERM.
// Layer rule: cli/ — flags → wiring → exit codes.
import { WsinspectError } from '../errors.js';
import { loadConversations } from '../pipeline/conversation-load.js';
import { DEFAULT_LISTEN, hostPort, parseListen } from '../sources/proxy/proxy-address.js';
import { MockServer, type Match } from '../sources/replay/mock-server.js';
import { explainRecording, openLivePipeline } from './live-pipeline.js';
import type { OutputFlags } from './output-options.js';
import { ignorePaths, pickConversation } from './recording-pick.js';
import { untilStopped } from './until-stopped.js';

export interface ServeFlags extends OutputFlags {
  source?: string;
  listen?: string;
  conn?: string;
  match?: Match;
  pace?: 'fast' | 'original';
  ignore?: string[];
}

export async function runServe(flags: ServeFlags): Promise<void> {
  const source = flags.source ?? '';
  const ignore = ignorePaths(flags.ignore);
  const listen = flags.listen === undefined ? DEFAULT_LISTEN : parseListen(flags.listen);
  const conversation = pickConversation(await loadConversations(source), flags.conn, source);
  const stopped = untilStopped();
  const live = await openLivePipeline({ ...flags, conn: undefined, explainInstead: explainRecording(source) });
  const server = new MockServer({
    host: listen.host,
    port: listen.port,
    messages: conversation.messages,
    protocol: conversation.response?.protocol ?? null,
    match: flags.match ?? 'order',
    pace: flags.pace ?? 'fast',
    ignore,
    onStream: (ev) => live.handle(ev),
    onNote: (conn, text) => live.problem(conn, text),
  });
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    await live.close();
    throw new WsinspectError(
      'serve.listen-failed',
      `cannot listen on ${hostPort(listen.host, listen.port)}: ${(err as Error).message}`,
    );
  }
  const served = conversation.messages.filter((m) => m.dir === 's2c').length;
  process.stderr.write(
    `wsinspect: serving connection ${conversation.conn} of ${source} (${served} server message${served === 1 ? '' : 's'}, --match ${flags.match ?? 'order'}) on ws://${hostPort(address.address, address.port)} (Ctrl-C to stop)\n`,
  );
  await stopped;
  await server.close();
  await live.close();
}
