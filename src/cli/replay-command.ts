// `wsinspect replay SOURCE --target URL`: one recorded conversation (pcap, pcapng, HAR, NDJSON)
// played against a live server, shown live as the proxy shows traffic, then compared message
// by message with the recording. Exit status 0 when every server message was equal, 1 when
// anything differed, was missing or extra, 2 for usage and I/O errors: a check for CI.
// The run itself (replay-run.ts: sockets) loads only when the command runs.
import type { Argv } from 'yargs';
import { numberOption } from './number-option.js';
import { liveOutputOptions } from './output-options.js';
import type { ReplayFlags } from './replay-run.js';

export function replayCommand(yargs: Argv): Argv {
  return yargs.command<ReplayFlags>(
    'replay <source>',
    'play a recorded conversation (pcap, pcapng, HAR, wsinspect --json) against a server and compare its replies',
    (y) =>
      liveOutputOptions(y)
        .positional('source', {
          type: 'string',
          describe: 'the recording: a capture, a HAR, or wsinspect --json output',
        })
        .option('target', {
          alias: 't',
          type: 'string',
          demandOption: true,
          describe: 'ws://HOST:PORT[/PATH] or wss://…: the server to replay against (without a path: the recorded one)',
        })
        .option('conn', {
          type: 'string',
          describe: 'the recorded connection to replay (default: the only one)',
        })
        .option('header', {
          alias: 'H',
          type: 'string',
          array: true,
          describe: "'Name: value' added to the upgrade request, or replacing the recorded one (repeatable)",
        })
        .option('pace', {
          choices: ['reply', 'original', 'fast'] as const,
          default: 'reply' as const,
          describe:
            'reply: each client message once the server has answered as in the recording; original: the recorded timing; fast: no waiting',
        })
        .option(
          'reply-timeout',
          numberOption(
            { flag: '--reply-timeout', min: 0, max: 3600, integer: false, what: 'a number of seconds from 0 to 3600' },
            'seconds to wait for the server (default 5)',
            5,
          ),
        )
        .option('ignore', {
          type: 'string',
          array: true,
          describe:
            'json.PATH left out of the comparison (repeatable; * for any key or index): json.ts, json.items[*].id',
        })
        .option('insecure', { alias: 'k', type: 'boolean', describe: "wss: do not verify the server's certificate" })
        .example('$0 replay session.pcapng --target ws://127.0.0.1:9000', 'replay the only connection, compare')
        .example('$0 replay devtools.har --conn 2 -t wss://staging.example.com --ignore json.ts', 'ignore a timestamp'),
    async (flags) => (await import('./replay-run.js')).runReplay(flags),
  );
}
