// TLS from the command line: `wsinspect ca`, a wss:// target verified through the system
// trust that NODE_EXTRA_CA_CERTS extends (no --insecure), the decrypted recording, and an
// unmodified HTTPS_PROXY client (curl) intercepted in forward mode.
import { createHash, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocalCa } from '../../src/sources/ca/local-ca.js';
import { runCli } from '../helpers/cli-run.js';
import { itWithTool } from '../helpers/tools.js';
import { closed, nextMessage, openClient, until } from '../sources/proxy/proxy-harness.js';
import { interrupt, jsonLines, startProxyCli, tlsUpstream } from './proxy-cli.js';

const execFileAsync = promisify(execFile);
const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'wsinspect-cli-tls-')), name);
const upstream = tlsUpstream(mkdtempSync(join(tmpdir(), 'wsinspect-cli-tls-upstream-')));

describe('wsinspect ca', () => {
  it('creates the CA once and prints where it is, its SPKI hash and how to trust it', () => {
    const dir = tmp('ca');
    const first = runCli(['ca', '--ca-dir', dir]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^Created a new local CA/);
    expect(first.stdout).toContain(`NODE_EXTRA_CA_CERTS="${join(dir, 'ca.pem')}"`);
    const again = runCli(['ca', '--ca-dir', dir]);
    expect(again.stdout).toMatch(/^The local CA/);
    expect(runCli(['ca', '--ca-dir', dir, '--path']).stdout).toBe(join(dir, 'ca.pem') + '\n');
    const pem = openLocalCa(dir).certPem;
    const spki = createHash('sha256')
      .update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    expect(runCli(['ca', '--ca-dir', dir, '--spki']).stdout).toBe(spki + '\n');
  });
});

describe('wsinspect proxy with TLS', () => {
  it('verifies a wss:// target with the trust NODE_EXTRA_CA_CERTS adds, and records the decrypted stream', async () => {
    const file = tmp('tls.pcapng');
    const proxy = await startProxyCli(
      ['--target', `wss://127.0.0.1:${upstream.echo.port}`, '--json', '--write', file],
      {
        NODE_EXTRA_CA_CERTS: upstream.caFile,
      },
    );
    try {
      const ws = await openClient(`ws://127.0.0.1:${proxy.port}/secure`);
      ws.send('decrypted for the record');
      expect((await nextMessage(ws)).toString()).toBe('decrypted for the record');
      ws.close(1000, 'done');
      await closed(ws);
      await until(() => proxy.stdout().includes('"type":"end"'), 'end event');
    } finally {
      expect(await interrupt(proxy)).toBe(0);
    }
    expect(proxy.stderr()).not.toMatch(/\b502\b|certificate/);
    const live = jsonLines(proxy.stdout())
      .filter((e) => e.type === 'frame')
      .map((f) => f.text ?? f.opcodeName);
    expect(live).toEqual(['decrypted for the record', 'decrypted for the record', 'close', 'close']);
    const replay = jsonLines(runCli(['read', file, '--json']).stdout)
      .filter((e) => e.type === 'frame')
      .map((f) => f.text ?? f.opcodeName);
    expect(replay).toEqual(live);
  }, 20_000);

  itWithTool(
    'curl',
    'intercepts an unmodified HTTPS_PROXY client (curl) that trusts the local CA',
    async () => {
      const caDir = tmp('ca');
      const proxy = await startProxyCli(['--json', '--ca-dir', caDir], { NODE_EXTRA_CA_CERTS: upstream.caFile });
      let curl: { stdout: string; stderr: string };
      try {
        const env = { ...process.env, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '', no_proxy: '' };
        // asynchronous: the upstream server runs in this process and must keep answering
        curl = await execFileAsync(
          'curl',
          [
            '-sS',
            '--max-time',
            '10',
            '--cacert',
            join(caDir, 'ca.pem'),
            `https://127.0.0.1:${upstream.echo.port}/through-curl`,
          ],
          { env, encoding: 'utf8' },
        );
        await until(() => proxy.stdout().includes('proxy.not-websocket'), 'the note');
      } finally {
        expect(await interrupt(proxy)).toBe(0);
      }
      expect(curl.stderr).toBe('');
      expect(curl.stdout).toBe('plain https: GET /through-curl');
      expect(proxy.stderr()).toMatch(/created a local CA for TLS interception/);
      const events = jsonLines(proxy.stdout());
      // not WebSocket: one note, no connection number, with what the client asked for
      expect(events.map((e) => [e.type, e.conn])).toEqual([['diagnostic', null]]);
      expect(events[0]).toMatchObject({
        code: 'proxy.not-websocket',
        severity: 'note',
        host: `127.0.0.1:${upstream.echo.port}`,
        url: `https://127.0.0.1:${upstream.echo.port}/through-curl`,
        tls: { version: 'TLS 1.3', alpn: 'http/1.1', decrypted: true, sni: null },
      });
      expect(String(events[0].message)).toContain('plain HTTP request "GET /through-curl"');
    },
    20_000,
  );
});
