// The README's forward-proxy recipe, run as written: its client.js (ws with https-proxy-agent)
// and its command line (HTTPS_PROXY, NODE_EXTRA_CA_CERTS="$(wsinspect ca --path)") are taken
// from the README itself; only the proxy's port and the server's URL are put in for the
// test's own. The client must reach a wss:// server through the proxy, intercepted.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-run.js';
import { until } from '../sources/proxy/proxy-harness.js';
import { interrupt, startProxyCli, tlsUpstream } from './proxy-cli.js';

const execFileAsync = promisify(execFile);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const proxySection = README.slice(README.indexOf('### `wsinspect proxy`'), README.indexOf('### `wsinspect demo`'));

/** The fenced block of `lang` whose first line starts with `first`. */
function block(lang: string, first: string): string {
  for (const m of proxySection.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (m[1] === lang && m[2].startsWith(first)) return m[2];
  }
  throw new Error(`no \`\`\`${lang} block starting with ${first} in the README's proxy section`);
}

const tmp = mkdtempSync(join(tmpdir(), 'wsinspect-recipe-'));
const upstream = tlsUpstream(tmp);

describe("the README's forward-proxy recipe", () => {
  it('client.js with https-proxy-agent goes through `wsinspect proxy`, wss intercepted, as the README shows', async () => {
    const client = block('js', '// client.js');
    const commands = block('sh', 'wsinspect proxy').split('\n');
    const proxyArgs = commands[0].replace(/#.*$/, '').trim().split(/\s+/).slice(2);
    const clientLine = commands.find((l) => l.startsWith('HTTPS_PROXY='));
    expect(clientLine).toBeDefined();

    // client.js where `ws` and `https-proxy-agent` resolve: in this project's node_modules
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.wsinspect-recipe-'));
    writeFileSync(join(dir, 'client.js'), client);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    // `wsinspect` on the PATH, as after npm install -g
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    symlinkSync(join(ROOT, 'bin', 'wsinspect.js'), join(bin, 'wsinspect'));
    const caDir = join(tmp, 'ca');

    const proxy = await startProxyCli(proxyArgs, { WSINSPECT_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: upstream.caFile });
    let run: { stdout: string; stderr: string };
    try {
      const line = clientLine!
        .replace('http://127.0.0.1:8080', `http://127.0.0.1:${proxy.port}`)
        .replace('wss://localhost:9443/', `wss://localhost:${upstream.echo.port}/`);
      run = await execFileAsync('sh', ['-c', line], {
        cwd: dir,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, WSINSPECT_CA_DIR: caDir },
        encoding: 'utf8',
      });
      await until(() => /connection 1 ended/.test(proxy.stdout()), 'the end of the connection');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(run.stdout).toBe('received: hello through the proxy\n');
    const lines = proxy.stdout().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `Connection 1: 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${upstream.echo.port} wss://localhost:${upstream.echo.port}/socket \\(TLS 1\\.3 intercepted, SNI localhost\\)$`,
      ),
    );
    expect(lines.filter((l) => /"hello through the proxy"/.test(l))).toHaveLength(2);
    expect(upstream.echo.received).toHaveLength(1);
  }, 30_000);
});
