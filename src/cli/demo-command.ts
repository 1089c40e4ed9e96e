// `wsinspect demo`: zero set-up — an echo server on loopback, the proxy in front of it and a
// client playing a scripted conversation (text, binary, compressed, fragmented, ping/pong,
// close with a reason), decoded live with the same pipeline as `wsinspect proxy`. Exits by
// itself when the conversation has ended.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { DemoEchoServer } from '../sources/proxy/demo-echo-server.js';
import { demoScript, playDemoConversation } from '../sources/proxy/demo-client.js';
import { ProxyServer } from '../sources/proxy/proxy-server.js';
import { outputOptions, type OutputFlags } from './event-printer.js';
import { createLivePipeline } from './proxy-pipeline.js';

interface DemoFlags extends OutputFlags {
  pace?: number;
  write?: string;
}

export function demoCommand(yargs: Argv): Argv {
  return yargs.command<DemoFlags>(
    'demo',
    'watch a scripted WebSocket conversation pass through the proxy, decoded live (nothing to set up)',
    (y) => outputOptions(y)
      .option('pace', { type: 'number', default: 300, describe: 'milliseconds between the steps of the conversation (0: as fast as possible)' })
      .option('write', { alias: 'w', type: 'string', describe: 'also record the conversation as FILE.pcapng' })
      .example('$0 demo', 'the whole conversation, one line per frame')
      .example('$0 demo --json', 'the same as NDJSON events'),
    (flags) => runDemo(flags),
  );
}

async function runDemo(flags: DemoFlags): Promise<void> {
  const pace = flags.pace ?? 300;
  if (!Number.isFinite(pace) || pace < 0) throw new WsinspectError('input.bad-option', `--pace must be a number of milliseconds ≥ 0, not ${flags.pace}`);
  const echo = new DemoEchoServer();
  const echoAddress = await echo.listen();
  let ended!: () => void;
  const conversationLogged = new Promise<void>((resolve) => { ended = resolve; });
  const pipeline = await createLivePipeline(flags, (ev) => {
    if (ev.type === 'end') ended();
  });
  const proxy = new ProxyServer({
    listen: { host: '127.0.0.1', port: 0 },
    target: { tls: false, host: '127.0.0.1', port: echoAddress.port, label: `127.0.0.1:${echoAddress.port}` },
    listenTls: false, intercept: false, insecure: false, certificates: null,
    onEvent: (ev) => pipeline.handle(ev),
    onProblem: pipeline.problem,
  });
  const proxyAddress = await proxy.listen();
  const style = pipeline.printer.style;
  const intro = `wsinspect demo: an echo server on 127.0.0.1:${echoAddress.port}, wsinspect proxy in front of it on 127.0.0.1:${proxyAddress.port},\n`
    + `and a client playing ${demoScript().length} steps through the proxy. To watch your own traffic: wsinspect proxy --target ws://HOST:PORT\n`;
  // text output starts with the intro; --json keeps stdout pure NDJSON
  if (flags.json) process.stderr.write(intro);
  else pipeline.note(style.dim(intro));
  try {
    await playDemoConversation({
      port: proxyAddress.port,
      pace,
      onStep: (step, i) => pipeline.note(style.heading(`── step ${i + 1} of ${demoScript().length}: ${step.title}`)),
    });
    await conversationLogged;
  } finally {
    await proxy.close();
    await echo.close();
    await pipeline.close();
  }
}
