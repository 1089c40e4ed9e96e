// The start-up fast path (src/cli/entry.ts, option-table.ts): `hex` and `accept` run without
// loading yargs, and whatever the fast parser accepts it reads exactly as yargs does (the
// flags the command's handler gets); whatever it is unsure of it leaves to yargs. Speed is
// measured in bench/startup-bench.js, not here.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { ACCEPT_OPTIONS, ACCEPT_POSITIONALS, acceptCommand } from '../../src/cli/accept-command.js';
import { HEX_OPTIONS, HEX_POSITIONALS, hexCommand } from '../../src/cli/hex-command.js';
import { fastParse, type OptionTable, type PositionalSpec } from '../../src/cli/option-table.js';
import { ROOT } from '../helpers/cli-run.js';

type Build = (y: ReturnType<typeof yargs>, handler: (flags: never) => Promise<void>) => unknown;

/** The flags yargs gives the real command's handler for `args`, or the error it fails with. */
async function yargsFlags(command: string, build: Build, args: string[]): Promise<Record<string, unknown> | Error> {
  let got: Record<string, unknown> | undefined;
  const y = yargs([command, ...args])
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    });
  build(y, (async (flags: Record<string, unknown>) => {
    got = flags;
  }) as never);
  try {
    await y.parseAsync();
  } catch (e) {
    return e as Error;
  }
  return got ?? new Error('handler not run');
}

/** yargs' flags reduced to what the fast parser sets: camelCase option names and positionals. */
function comparable(flags: Record<string, unknown>, table: OptionTable, positionals: readonly PositionalSpec[]) {
  const out: Record<string, unknown> = {};
  const keys = [...Object.keys(table).map((k) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()))];
  for (const k of keys) if (flags[k] !== undefined) out[k] = flags[k];
  for (const p of positionals) {
    const v = flags[p.name];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0 && p.variadic !== true)) out[p.name] = v;
  }
  if (positionals.some((p) => p.variadic === true) && out.hex === undefined) out.hex = [];
  return out;
}

const hexLines: string[][] = [
  ['81', '00'],
  ['81 05 48 65 6c 6c 6f'],
  [],
  ['--json', '81', '00'],
  ['-s', '81', '00'],
  ['-V', '--explain', '81', '00'],
  ['--max-payload', '16', '82', '00'],
  ['--max-payload=0', '82', '00'],
  ['--no-color', '81', '00'],
  ['--color', '81', '00'],
  ['--no-context-takeover', '--window-bits', '9', 'c1', '00'],
  ['--from', 'client', '81', '00'],
  ['--from=server', '81', '00'],
  ['--base64', 'gQA='],
  ['--handshake', 'h.txt', '81', '00'],
  ['0x81,0x00'],
  ['\\x81\\x00'],
  ['81:00'],
  ['81', '--json', '00'],
];

const acceptLines: string[][] = [
  ['dGhlIHNhbXBsZSBub25jZQ=='],
  ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
  ['--new'],
  ['--json', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ['--explain', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='],
  [],
];

describe('start-up fast path: the same flags as yargs', () => {
  it.each(hexLines.map((l) => [l.join(' ')]))('hex %s: parsed, and as yargs parses it', async (line) => {
    const args = hexLines.find((l) => l.join(' ') === line) ?? [];
    const fast = fastParse(args, HEX_OPTIONS, HEX_POSITIONALS);
    expect(fast).not.toBeNull();
    const slow = await yargsFlags('hex', hexCommand as Build, args);
    expect(slow).not.toBeInstanceOf(Error);
    expect(fast).toEqual(comparable(slow as Record<string, unknown>, HEX_OPTIONS, HEX_POSITIONALS));
  });

  it.each(acceptLines.map((l) => [l.join(' ')]))('accept %s: parsed, and as yargs parses it', async (line) => {
    const args = acceptLines.find((l) => l.join(' ') === line) ?? [];
    const fast = fastParse(args, ACCEPT_OPTIONS, ACCEPT_POSITIONALS);
    expect(fast).not.toBeNull();
    const slow = await yargsFlags('accept', acceptCommand as Build, args);
    expect(slow).not.toBeInstanceOf(Error);
    expect(fast).toEqual(comparable(slow as Record<string, unknown>, ACCEPT_OPTIONS, ACCEPT_POSITIONALS));
  });

  it('hex -: the fast parser keeps the "-" yargs drops, so stdin is read even from a terminal', async () => {
    // yargs-parser swallows a lone "-"; runHex then read stdin only when it was not a terminal
    expect(fastParse(['-'], HEX_OPTIONS, HEX_POSITIONALS)?.hex).toEqual(['-']);
    expect(((await yargsFlags('hex', hexCommand as Build, ['-'])) as Record<string, unknown>).hex).toEqual([]);
  });

  it('declines what yargs must word or resolve: help, version, typos, bad values, repeats, extra words', () => {
    const declined = [
      ['--help'],
      ['-h', '81'],
      ['--version'],
      ['--jsn', '81'],
      ['-x', '81'],
      ['--from', 'neither', '81'],
      ['--max-payload', 'abc', '81'],
      ['--window-bits', '16', '81'],
      ['--json', '--json', '81'],
      ['--color', '--no-color', '81'],
      ['--json=yes', '81'],
      ['--', '81'],
      ['--max-payload'],
    ];
    for (const args of declined) expect([args, fastParse(args, HEX_OPTIONS, HEX_POSITIONALS)]).toEqual([args, null]);
    expect(fastParse(['a', 'b', 'c'], ACCEPT_OPTIONS, ACCEPT_POSITIONALS)).toBeNull();
  });
});

describe('start-up fast path: the real CLI', () => {
  // A module-resolution hook that refuses yargs: the package itself (a build without the
  // bundles) or the bundle it is in (dist/full/main.js): a command that loads it fails.
  const hook =
    'data:text/javascript,' +
    encodeURIComponent(
      `export async function resolve(s, c, next) { if (s === 'yargs' || s.endsWith('full/main.js')) throw new Error('yargs was loaded'); return next(s, c); }`,
    );
  const register = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(hook)});`;
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', register, join(ROOT, 'bin', 'wsinspect.js'), ...args], {
      encoding: 'utf8',
      input: '',
    });

  it('hex and accept run without yargs; --version and other commands load it (the hook works)', () => {
    const hex = run(['hex', '81', '05', '48', '65', '6c', '6c', '6f']);
    expect([hex.status, hex.stderr]).toEqual([0, '']);
    expect(hex.stdout).toContain('Hello');
    const accept = run(['accept', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect([accept.status, accept.stderr]).toEqual([0, '']);
    expect(accept.stdout).toContain('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const version = run(['--version']);
    expect(version.status).not.toBe(0);
    expect(version.stderr).toContain('yargs was loaded');
  });

  it('hex and accept load the bundled fast path (dist/fast: a few modules), nothing of dist/cli; errors keep their one line', () => {
    // a hook that writes every module of ours it loads to stderr
    const log =
      'data:text/javascript,' +
      encodeURIComponent(
        `export async function load(u, c, next) { if (u.includes('/dist/')) process.stderr.write('LOADED ' + u + '\\n'); return next(u, c); }`,
      );
    const hooked = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(log)});`;
    for (const args of [
      ['hex', '81', '00'],
      ['accept', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ]) {
      const r = spawnSync(process.execPath, ['--import', hooked, join(ROOT, 'bin', 'wsinspect.js'), ...args], {
        encoding: 'utf8',
        input: '',
      });
      expect(r.status).toBe(0);
      const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
      expect(loaded.length).toBeGreaterThan(0);
      expect(loaded.length).toBeLessThanOrEqual(10);
      expect(loaded.filter((l) => !l.includes('/dist/fast/'))).toEqual([]);
    }
    // a WsinspectError thrown in the bundle is reported by the bundle's own failure handler: one line, exit 2
    const bad = run(['hex', 'zz']);
    expect([bad.status, bad.stderr]).toEqual([2, "wsinspect: hex argument: bad hex character 'z' at position 1\n"]);
  });

  it('hex loads cborg (ES modules only, ~20 ms) only when a message needs CBOR', () => {
    // the same kind of hook, refusing cborg: a static import of it anywhere in hex's module graph fails
    const refuse =
      'data:text/javascript,' +
      encodeURIComponent(
        `export async function resolve(s, c, next) { if (s === 'cborg') throw new Error('cborg was loaded'); return next(s, c); }`,
      );
    const hooked = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(refuse)});`;
    const hex = spawnSync(
      process.execPath,
      ['--import', hooked, join(ROOT, 'bin', 'wsinspect.js'), 'hex', '-s', '82', '04', '01', '02', '03', '04'],
      { encoding: 'utf8', input: '' },
    );
    expect([hex.status, hex.stderr]).toEqual([0, '']);
    expect(hex.stdout).toContain('binary FIN 4 bytes 01 02 03 04');
    // without the hook a CBOR map is recognised and decoded: cborg loads on first use
    const cbor = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'wsinspect.js'), 'hex', '-s', '82', '04', 'a1', '61', '61', '01'],
      {
        encoding: 'utf8',
        input: '',
      },
    );
    expect([cbor.status, cbor.stderr]).toEqual([0, '']);
    expect(cbor.stdout).toContain('view cbor (message is a CBOR map)');
    expect(cbor.stdout).toContain('↳ cbor {"a":1}');
  });

  it('a line the fast parser declines still gets yargs’ one-line error', () => {
    const plain = spawnSync(process.execPath, [join(ROOT, 'bin', 'wsinspect.js'), 'hex', '--jsn', '81'], {
      encoding: 'utf8',
      input: '',
    });
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain('Unknown argument: jsn');
  });
});
