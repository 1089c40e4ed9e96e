// `wsinspect demo`: zero set-up — an echo server on loopback, the proxy in front of it and a
// client playing a scripted conversation (text, binary, compressed, fragmented, ping/pong,
// close with a reason), decoded live with the same pipeline as `wsinspect proxy`. Exits by
// itself when the conversation has ended. The servers and client (demo-run.ts) load only
// when the command runs (their flag type is imported as a type only, erased at run time).
import type { Argv } from 'yargs';
import type { DemoFlags } from './demo-run.js';
import { liveOutputOptions } from './output-options.js';
import { numberOption } from './number-option.js';

export function demoCommand(yargs: Argv): Argv {
  return yargs.command<DemoFlags>(
    'demo',
    'watch a scripted WebSocket conversation pass through the proxy, decoded live (nothing to set up)',
    (y) =>
      liveOutputOptions(y)
        .option(
          'pace',
          numberOption(
            { flag: '--pace', min: 0, integer: false, what: 'a number of milliseconds ≥ 0' },
            'milliseconds between the steps of the conversation (0: as fast as possible)',
            300,
          ),
        )
        .option('write', { alias: 'w', type: 'string', describe: 'also record the conversation as FILE.pcapng' })
        .example('$0 demo', 'the whole conversation, one line per frame')
        .example('$0 demo --json', 'the same as NDJSON events'),
    async (flags) => (await import('./demo-run.js')).runDemo(flags),
  );
}
