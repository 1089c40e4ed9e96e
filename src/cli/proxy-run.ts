// `wsinspect proxy` once started: relay, decode and print until SIGINT/SIGTERM (the options
// are declared in proxy-command.ts). Owns process I/O: the listening line and problems on
// stderr, the signals, V8's collector setting.
import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { WsinspectError } from '../errors.js';
import {
  DEFAULT_LISTEN,
  hostPort,
  isLoopback,
  parseListen,
  parseTarget,
  type ProxyTarget,
} from '../sources/proxy/proxy-address.js';
import { ProxyServer } from '../sources/proxy/proxy-server.js';
import { checkLiveFlags, openLivePipeline, type LiveFlags } from './live-pipeline.js';
import { engineRelay, engineSetup, type EngineFlags } from './proxy-engine.js';
import { outputColorLevel } from './output-options.js';
import { untilStopped } from './until-stopped.js';

export interface ProxyFlags extends LiveFlags, EngineFlags {
  listen?: string;
  target?: string;
  tls?: boolean;
  intercept?: boolean;
  insecure?: boolean;
  caDir?: string;
  ignoreHosts?: string[];
  keylogOut?: string;
}

export async function runProxy(flags: ProxyFlags): Promise<void> {
  checkLiveFlags(flags);
  const uiModule = flags.ui === true ? await import('./proxy-ui.js') : null;
  uiModule?.checkUiFlags(flags);
  steadyGarbageCollection();
  const listen = flags.listen === undefined ? DEFAULT_LISTEN : parseListen(flags.listen);
  const target = flags.target === undefined ? null : parseTarget(flags.target);
  if (flags.tls && target === null)
    throw new WsinspectError(
      'usage',
      '--tls is for reverse mode: give --target too (forward mode intercepts CONNECT tunnels by default)',
    );
  const ignoreHost = ignoredHosts(flags.ignoreHosts ?? [], target !== null);
  // --rule/--script: checked before anything listens
  const engine = await engineSetup(flags);
  const needsCa = target === null ? flags.intercept !== false : flags.tls === true;
  const certificates = needsCa ? await loadCertificates(flags.caDir) : null;
  // handlers first: a Ctrl-C that arrives while starting up must still stop cleanly
  const stopped = untilStopped();
  // --ui: the store shows what the flags' filters let through; -Y is the UI's own display filter
  const ui = uiModule?.openProxyUi() ?? null;
  const pipeline =
    ui === null
      ? await openLivePipeline(flags)
      : await openLivePipeline({ ...flags, filter: undefined }, undefined, ui.display);
  const relay = engine === null ? null : engineRelay(engine, pipeline);
  const keylog = flags.keylogOut === undefined ? null : openKeylogOut(flags.keylogOut);
  const server = new ProxyServer({
    listen,
    target,
    listenTls: flags.tls === true,
    intercept: flags.intercept !== false,
    insecure: flags.insecure === true,
    certificates,
    ignoreHost,
    relay: relay?.relay,
    ...(keylog === null ? {} : { onKeylog: (line: Buffer) => keylog.write(line) }),
    onEvent: (ev) => pipeline.handle(ev),
    onProblem: pipeline.problem,
  });
  const address = await server.listen();
  if (!isLoopback(listen.host)) {
    pipeline.problem(
      null,
      `warning: listening on ${listen.host}, reachable from other machines: whoever can connect can use this proxy and read what passes through it`,
    );
  }
  if (certificates?.ca.created)
    pipeline.problem(
      null,
      `created a local CA for TLS interception in ${certificates.ca.dir} (see "wsinspect ca" to trust it)`,
    );
  process.stderr.write(
    `wsinspect: ${describeMode(target, flags)} listening on ${hostPort(address.address, address.port)}` +
      `${flags.write === undefined ? '' : `, recording to ${flags.write}`} (Ctrl-C to stop)\n`,
  );
  if (ui !== null && relay?.debug != null) {
    const title = `proxy ${hostPort(address.address, address.port)} → ${target === null ? 'forward mode' : `${target.tls ? 'wss' : 'ws'}://${target.label}`}`;
    // the UI ends the run when the user quits; a SIGINT/SIGTERM stops it as without --ui
    await Promise.race([
      stopped,
      ui.run({ debug: relay.debug, title, filter: flags.filter ?? null, colorLevel: outputColorLevel(flags) }),
    ]);
  } else await stopped;
  relay?.stop();
  await server.close();
  if (keylog !== null) await new Promise((resolve) => keylog.end(resolve));
  await pipeline.close();
  // Everything of the proxy's is closed and its output written. A script's own timers or
  // sockets (an `await` on a minute's timeout) would still keep Node running after this clean
  // stop, until a second Ctrl-C: the run ends here instead.
  if (flags.script !== undefined) process.exit();
}

/**
 * --ignore-hosts, as mitmproxy's ignore_hosts: each pattern is searched for (any case) in the
 * "host:port" a forward-proxy client asks for; null when none is given.
 */
function ignoredHosts(patterns: readonly string[], reverse: boolean): ((hostPort: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  if (reverse)
    throw new WsinspectError(
      'input.bad-option',
      '--ignore-hosts is for forward mode (the hosts clients ask for); in reverse mode every client goes to --target',
    );
  const regexes = patterns.map((p) => {
    try {
      return new RegExp(p, 'i');
    } catch (error) {
      throw new WsinspectError(
        'input.bad-option',
        `--ignore-hosts: ${JSON.stringify(p)} is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  });
  return (hostPort) => regexes.some((r) => r.test(hostPort));
}

function describeMode(target: ProxyTarget | null, flags: ProxyFlags): string {
  if (target !== null) {
    return `reverse proxy to ${target.tls ? 'wss' : 'ws'}://${target.label}${flags.insecure ? ' (certificate not verified)' : ''}${flags.tls ? ', clients use TLS,' : ''}`;
  }
  return `forward proxy (CONNECT and http:// URIs; TLS tunnels ${flags.intercept === false ? 'relayed blind' : 'intercepted with the local CA'}),`;
}

/**
 * Every socket read allocates a fresh 64 KB buffer outside the JS heap, so under load V8
 * scavenges often. With the proxy's heap just above V8's 8 MB activation threshold and less
 * room below its old-generation limit than the young generation holds, each scavenge also
 * starts incremental marking: frequent full mark-compacts, a large share of the proxy's CPU
 * on 1 MB messages. Without incremental marking a (short: the heap is small) mark-compact
 * runs only when the old generation really reaches its limit (figures: bench/README.md,
 * proxy). The flag is read each time marking could start, so setting it at run time takes
 * effect.
 */
function steadyGarbageCollection(): void {
  setFlagsFromString('--no-incremental-marking');
}

/** The certificate code (node-forge) loads only when TLS is intercepted: every other command starts faster. */
async function loadCertificates(caDir: string | undefined) {
  const [{ LeafCertificates }, { openLocalCa }] = await Promise.all([
    import('../sources/ca/leaf-certificates.js'),
    import('../sources/ca/local-ca.js'),
  ]);
  return new LeafCertificates(openLocalCa(caDir));
}

/**
 * --keylog-out FILE: the secrets of both TLS legs, appended in NSS key log format (as
 * SSLKEYLOGFILE writers do), so a capture of the proxy's own sockets can be decrypted.
 */
function openKeylogOut(file: string): WriteStream {
  try {
    closeSync(openSync(file, 'a', 0o600));
  } catch (err) {
    throw new WsinspectError('input.unreadable', `--keylog-out ${file}: ${(err as Error).message}`);
  }
  return createWriteStream(file, { flags: 'a', mode: 0o600 });
}
