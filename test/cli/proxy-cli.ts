// Runs the real CLI (bin/wsinspect.js over dist/) as a long-lived process — `wsinspect proxy`
// or `wsinspect demo` — and gives the test its listening port, its output and its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli-run.js';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { LeafCertificates } from '../../src/sources/ca/leaf-certificates.js';
import { openLocalCa } from '../../src/sources/ca/local-ca.js';
import { changed, startTlsEchoServer, type TlsEchoServer } from '../sources/proxy/proxy-harness.js';

const BIN = join(ROOT, 'bin', 'wsinspect.js');

export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    changed();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    changed();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts `wsinspect proxy … --listen 127.0.0.1:0` and resolves with the port it listens on. */
export async function startProxyCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningCli & { port: number }> {
  const cli = startCli(['proxy', '--listen', '127.0.0.1:0', ...args], env);
  const port = await new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const m = / listening on 127\.0\.0\.1:(\d+)/.exec(cli.stderr());
      if (m !== null) resolve(Number(m[1]));
    };
    cli.child.stderr!.on('data', check);
    void cli.exited.then((code) => reject(new Error(`proxy exited (${code}) before listening: ${cli.stderr()}`)));
  });
  return { ...cli, port };
}

/**
 * Resolves once `predicate` holds for stdout so far: checked now and on every piece of output
 * (no timer); rejects when the process exits first.
 */
export function stdoutShows(cli: RunningCli, predicate: (stdout: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!predicate(cli.stdout())) return;
      cli.child.stdout!.off('data', check);
      resolve();
    };
    cli.child.stdout!.on('data', check);
    void cli.exited.then((code) => reject(new Error(`exited (${code}) before stdout showed ${what}: ${cli.stderr()}`)));
    check();
  });
}

/** Ctrl-C, then the exit status. */
export async function interrupt(cli: RunningCli): Promise<number | null> {
  cli.child.kill('SIGINT');
  return cli.exited;
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * A wss:// echo server for the tests of one file, its certificate (localhost, 127.0.0.1) from a
 * CA of its own, not the proxy's: started before the file's tests, closed after. `caFile` is
 * that CA as PEM, for NODE_EXTRA_CA_CERTS.
 */
export function tlsUpstream(dir: string): { readonly echo: TlsEchoServer; readonly caFile: string } {
  const ca = openLocalCa(join(dir, 'upstream-ca'));
  const caFile = join(dir, 'upstream-ca.pem');
  writeFileSync(caFile, ca.certPem);
  let echo: TlsEchoServer | null = null;
  beforeAll(async () => {
    const leaves = new LeafCertificates(ca);
    echo = await startTlsEchoServer(ca, {
      certPem: leaves.certificateFor('localhost').certPem,
      keyPem: leaves.leafKey().privatePem,
    });
  });
  afterAll(() => echo?.close());
  return {
    get echo(): TlsEchoServer {
      if (echo === null) throw new Error('the TLS upstream starts in beforeAll');
      return echo;
    },
    caFile,
  };
}
