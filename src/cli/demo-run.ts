// `wsinspect demo` once started: the echo server, the proxy in front of it, the scripted
// client, and the live printer (the options are declared in demo-command.ts).
import { WsinspectError } from '../errors.js';
import { DemoEchoServer } from '../sources/proxy/demo-echo-server.js';
import { demoScript, playDemoConversation } from '../sources/proxy/demo-client.js';
import { ProxyServer } from '../sources/proxy/proxy-server.js';
import type { OutputFlags } from './output-options.js';
import { checkLiveFlags, openLivePipeline } from './live-pipeline.js';

/** The demo draws one line per frame: --explain is refused with where the rules are. */
const DEMO_EXPLAIN = 'record with -w FILE, then run wsinspect FILE -V --explain';

export interface DemoFlags extends OutputFlags {
  pace?: number;
  write?: string;
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  checkLiveFlags({ ...flags, explainInstead: DEMO_EXPLAIN });
  const pace = flags.pace ?? 300;
  if (!Number.isFinite(pace) || pace < 0)
    throw new WsinspectError('input.bad-option', `--pace must be a number of milliseconds ≥ 0, not ${flags.pace}`);
  const echo = new DemoEchoServer();
  const echoAddress = await echo.listen();
  let ended!: () => void;
  const conversationLogged = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const pipeline = await openLivePipeline({ ...flags, explainInstead: DEMO_EXPLAIN }, (ev) => {
    if (ev.type === 'end') ended();
  });
  const proxy = new ProxyServer({
    listen: { host: '127.0.0.1', port: 0 },
    target: { tls: false, host: '127.0.0.1', port: echoAddress.port, label: `127.0.0.1:${echoAddress.port}` },
    listenTls: false,
    intercept: false,
    insecure: false,
    certificates: null,
    onEvent: (ev) => pipeline.handle(ev),
    onProblem: pipeline.problem,
  });
  const proxyAddress = await proxy.listen();
  const style = pipeline.printer.style;
  const intro =
    `wsinspect demo: an echo server on 127.0.0.1:${echoAddress.port}, wsinspect proxy in front of it on 127.0.0.1:${proxyAddress.port},\n` +
    `and a client playing ${demoScript().length} steps through the proxy. To watch your own traffic: wsinspect proxy --target ws://HOST:PORT\n`;
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
