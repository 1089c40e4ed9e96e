// `wsinspect serve SOURCE`: a mock WebSocket server playing the server side of a recorded
// conversation to any client. The server itself (serve-run.ts: sockets) loads only when the
// command runs.
import type { Argv } from 'yargs';
import { DEFAULT_LISTEN, hostPort } from '../sources/proxy/proxy-address.js';
import { liveOutputOptions } from './output-options.js';
import type { ServeFlags } from './serve-run.js';

export function serveCommand(yargs: Argv): Argv {
  return yargs.command<ServeFlags>(
    'serve <source>',
    'a mock WebSocket server: plays the server side of a recorded conversation (pcap, pcapng, HAR, wsinspect --json) to every client',
    (y) =>
      liveOutputOptions(y)
        .positional('source', {
          type: 'string',
          describe: 'the recording: a capture, a HAR, or wsinspect --json output',
        })
        .option('listen', {
          alias: 'l',
          type: 'string',
          describe: `HOST:PORT to accept clients on (default ${hostPort(DEFAULT_LISTEN.host, DEFAULT_LISTEN.port)}; port 0: any free one)`,
        })
        .option('conn', { type: 'string', describe: 'the recorded connection to play (default: the only one)' })
        .option('match', {
          choices: ['order', 'content'] as const,
          default: 'order' as const,
          describe:
            "order: after the client's Nth message, what the server sent after the recording's Nth; content: after the recorded client message equal to it",
        })
        .option('pace', {
          choices: ['fast', 'original'] as const,
          default: 'fast' as const,
          describe: 'fast: the answers at once; original: with the recorded gaps between them',
        })
        .option('ignore', {
          type: 'string',
          array: true,
          describe: '--match content: json.PATH left out when comparing (repeatable; * for any key or index)',
        })
        .example(
          '$0 serve session.har --listen 127.0.0.1:9000',
          'clients of ws://127.0.0.1:9000 get the recorded replies',
        ),
    async (flags) => (await import('./serve-run.js')).runServe(flags),
  );
}
