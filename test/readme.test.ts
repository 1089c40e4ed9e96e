// The README is the user's manual: its quick start must be what the issue says, its table of
// diagnostic codes must list exactly the catalogue, and it (like every document of the
// project) may link only to files that a clone of the repository has. docs/json-output.md
// must describe exactly the fields that --json prints.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT_MS } from '../src/engine/script.js';
import { DIAGNOSTIC_CATALOGUE } from '../src/protocol/diagnostic-catalogue.js';
import { pcapOf } from './capture/helpers/capture-harness.js';
import { readTcpRecords } from './capture/helpers/tcp-packets.js';
import { readInProcess } from './cli/read-in-process.js';
import { LeafCertificates } from '../src/sources/ca/leaf-certificates.js';
import { openLocalCa } from '../src/sources/ca/local-ca.js';
import { interrupt, startProxyCli, stdoutShows } from './cli/proxy-cli.js';
import { ROOT, runCli } from './helpers/cli-run.js';
import { closed, nextMessage, openClient, startTlsEchoServer } from './sources/proxy/proxy-harness.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('quick start is npm install, npx wsinspect …, npm test', () => {
    const quick = README.slice(README.indexOf('## Quick start'));
    const block = quick
      .slice(quick.indexOf('```sh') + 5, quick.indexOf('```', quick.indexOf('```sh') + 5))
      .trim()
      .split('\n');
    expect(block[0]).toBe('npm install');
    expect(block.at(-1)).toBe('npm test');
    expect(block.some((l) => l.startsWith('npx wsinspect '))).toBe(true);
  });

  it('lists every diagnostic code with its severity, and no code that does not exist', () => {
    const rows = [...README.matchAll(/^\| `([a-z0-9.-]+)` \| (error|warning|note) \|/gm)].map((m) => [m[1], m[2]]);
    const catalogue = Object.entries(DIAGNOSTIC_CATALOGUE).map(([code, e]) => [code, e.severity]);
    expect(rows).toEqual(catalogue);
  });

  it('--script: says what the hook time limit covers (a Promise), and that a synchronous loop blocks the proxy', () => {
    // script.ts times out only a Promise a hook returns: its synchronous code runs on the
    // proxy's thread, where nothing can interrupt it (the README said a hook that "takes longer
    // than 5 s" is stopped, which a busy loop is not)
    const section = README.slice(README.indexOf('A hook that throws'), README.indexOf('#### Debugging live'));
    expect(section).not.toMatch(/takes longer than/);
    expect(section).toContain(`has not\nsettled ${HOOK_TIMEOUT_MS / 1000} s after the hook returned`);
    expect(section.replace(/\s+/g, ' ')).toContain(
      'no limit can interrupt their synchronous code: a loop that never ends (`for (;;) {}`, before or after an `await`) blocks the whole proxy',
    );
    expect(DIAGNOSTIC_CATALOGUE['proxy.script.error'].summary).toContain(
      `its Promise did not settle within ${HOOK_TIMEOUT_MS / 1000} s`,
    );
  });

  it('every catalogued code is one the code can emit: named in src/ outside the catalogue', () => {
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && entry.name !== 'diagnostic-catalogue.ts')
          sources.push(readFileSync(path, 'utf8'));
      }
    };
    walk(join(ROOT, 'src'));
    const text = sources.join('\n');
    const never = Object.keys(DIAGNOSTIC_CATALOGUE).filter((code) => !text.includes(`'${code}'`));
    expect(never).toEqual([]);
  });
});

/** The link targets of a Markdown text, code blocks and code spans left out: inline links, images, reference definitions, HTML href/src. */
function linkTargets(markdown: string): string[] {
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  return [
    ...[...text.matchAll(/\]\(\s*(?:<([^>]*)>|([^)\s]*))(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1] ?? m[2]),
    ...[...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((m) => m[1]),
    ...[...text.matchAll(/<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]),
  ];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => anchorOf(m[1])));
}

/** What is wrong with one link of the document at `from` (a path in the repository), or null. */
function linkProblem(root: string, from: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    return /^(https?|mailto):/i.test(target) ? null : `${target}: only http(s) and mailto URLs leave the repository`;
  }
  const [path, fragment] = target.split('#', 2) as [string, string | undefined];
  if (isAbsolute(path) || path.startsWith('~')) return `${target}: an absolute path is not in a clone`;
  const file = path === '' ? join(root, from) : resolve(root, dirname(from), decodeURIComponent(path));
  const inRepo = relative(root, file);
  if (inRepo.startsWith('..') || isAbsolute(inRepo)) return `${target}: outside the repository`;
  if (!existsSync(file)) return `${target}: no such file`;
  if (
    fragment !== undefined &&
    fragment !== '' &&
    file.endsWith('.md') &&
    !anchorsOf(readFileSync(file, 'utf8')).has(fragment)
  )
    return `${target}: no heading #${fragment} in ${inRepo}`;
  return null;
}

const DOCUMENTS = [
  'README.md',
  'bench/README.md',
  'fixtures/README.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
].filter((f) => f.endsWith('.md'));

describe('links in the documentation', () => {
  it('finds the links it checks', () => {
    expect(linkTargets(README)).toContain('docs/json-output.md');
    expect(
      linkTargets('[a](x.md "t") ![i](<y z.png>) <a href="w.md">\n[r]: ../v.md\n```\n[c](in-code.md)\n```\n'),
    ).toEqual(['x.md', 'y z.png', '../v.md', 'w.md']);
  });

  it('tells a link outside the repository, a missing file and a missing heading from a good one', () => {
    expect(linkProblem(ROOT, 'README.md', 'docs/json-output.md')).toBeNull();
    expect(linkProblem(ROOT, 'docs/json-output.md', '../README.md#diagnostic-codes')).toBeNull();
    expect(linkProblem(ROOT, 'README.md', '#wsinspect-demo')).toBeNull();
    expect(linkProblem(ROOT, 'README.md', 'https://www.rfc-editor.org/rfc/rfc6455')).toBeNull();
    expect(linkProblem(ROOT, 'README.md', '../shared/json-output.md')).toMatch(/outside the repository/);
    expect(linkProblem(ROOT, 'README.md', '/work/shared/DESIGN.md')).toMatch(/absolute/);
    expect(linkProblem(ROOT, 'README.md', 'file:///etc/passwd')).toMatch(/leave the repository/);
    expect(linkProblem(ROOT, 'README.md', 'docs/no-such-file.md')).toMatch(/no such file/);
    expect(linkProblem(ROOT, 'README.md', '#no-such-heading')).toMatch(/no heading/);
  });

  for (const doc of DOCUMENTS) {
    it(`${doc} links only to files in the repository that exist`, () => {
      const problems = linkTargets(readFileSync(join(ROOT, doc), 'utf8'))
        .map((target) => linkProblem(ROOT, doc, target))
        .filter((p) => p !== null);
      expect(problems).toEqual([]);
    });
  }
});

/** Per event type (a `### \`type\`` heading), the fields its table lists in the first column. */
function documentedFields(doc: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const section of doc.split(/^### /m).slice(1)) {
    const type = /^`([a-z]+)`/.exec(section)?.[1];
    if (type === undefined) continue;
    const fields = [...section.matchAll(/^\| ([^|]+) \|/gm)]
      .map((m) => m[1])
      .filter((cell) => cell.trim() !== 'field' && !/^-+$/.test(cell.trim()))
      .flatMap((cell) => [...cell.matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1]));
    out.set(type, [...new Set(fields)].sort());
  }
  return out;
}

describe('docs/json-output.md', () => {
  const printed = new Map<string, Set<string>>();
  let tmp = '';

  const collect = (ndjson: string): void => {
    for (const line of ndjson.split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      const type = String(event.type);
      const fields = printed.get(type) ?? new Set<string>();
      for (const key of Object.keys(event)) fields.add(key);
      printed.set(type, fields);
    }
  };

  beforeAll(async () => {
    // every fixture, with payloads cut (for "truncated"); a capture that lost a TCP segment
    // (a diagnostic with "dir"); --stats; hex with an assumed deflate and a truncated frame;
    // accept checking a pair, and with a bad key
    tmp = mkdtempSync(join(tmpdir(), 'wsinspect-doc-'));
    const records = readTcpRecords(readFileSync(join(ROOT, 'fixtures', 'fragmented.pcap')));
    const lost = records.findIndex((r, i) => i > records.length / 2 && r.payload.length > 100);
    const gap = join(tmp, 'gap.pcap');
    writeFileSync(gap, pcapOf(records.filter((_, i) => i !== lost)));
    const captures = readdirSync(join(ROOT, 'fixtures'))
      .filter((f) => /\.pcap(ng)?$/.test(f))
      .map((f) => join(ROOT, 'fixtures', f));
    for (const args of [
      ...[...captures, gap].map((file) => [file, '--json', '--max-payload', '16']),
      [join(ROOT, 'fixtures', 'ping-pong.pcap'), '--stats', '--json'],
      [join(ROOT, 'fixtures', 'chromium.har'), '--json'],
      // application views: app on messages, pair on responses
      [join(ROOT, 'fixtures', 'views', 'socketio.pcap'), '--json'],
      [join(ROOT, 'fixtures', 'views', 'socketio.pcap'), '--stats', '--json'],
    ]) {
      const run = await readInProcess(args);
      expect(run.error, args.join(' ')).toBeNull();
      collect(run.stdout);
    }
    for (const [status, args] of [
      [0, ['hex', '--json', '--from', 'client', 'c1 07 f2 48 cd c9 c9 07 00', '81 05 48 65']],
      [0, ['accept', '--json', 'dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=']],
      [1, ['accept', '--json', 'abc']],
    ] as const) {
      const run = runCli([...args]);
      expect(run.status, run.stderr).toBe(status);
      collect(run.stdout);
    }
    collect(await proxySession(tmp));
  }, 120_000);

  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('describes exactly the event types and fields that --json prints', () => {
    const documented = documentedFields(readFileSync(join(ROOT, 'docs', 'json-output.md'), 'utf8'));
    const seen = new Map([...printed].map(([type, fields]) => [type, [...fields].sort()]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(seen));
  });
});

/**
 * The proxy's own fields: a live session in front of a wss:// server (the connection's `host`,
 * `url` and `tls`) with a plain HTTPS request beside the WebSocket one (a note with `client`,
 * `server`, `host`, `url` and `tls`).
 */
async function proxySession(tmp: string): Promise<string> {
  const ca = openLocalCa(join(tmp, 'upstream-ca'));
  const caFile = join(tmp, 'upstream-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const leaves = new LeafCertificates(ca);
  const echo = await startTlsEchoServer(ca, {
    certPem: leaves.certificateFor('localhost').certPem,
    keyPem: leaves.leafKey().privatePem,
  });
  const proxy = await startProxyCli(['--target', `wss://localhost:${echo.port}`, '--json'], {
    NODE_EXTRA_CA_CERTS: caFile,
  });
  try {
    const ws = await openClient(`ws://127.0.0.1:${proxy.port}/doc`);
    ws.send('fields');
    await nextMessage(ws);
    ws.close(1000);
    await closed(ws);
    await new Promise<void>((resolve, reject) =>
      request({ host: '127.0.0.1', port: proxy.port, path: '/plain', agent: false }, (res) =>
        res.resume().on('end', resolve),
      )
        .on('error', reject)
        .end(),
    );
    await stdoutShows(proxy, (out) => /"type":"end"/.test(out) && /proxy\.not-websocket/.test(out), 'both');
  } finally {
    expect(await interrupt(proxy)).toBe(0);
    await echo.close();
  }
  return proxy.stdout();
}
