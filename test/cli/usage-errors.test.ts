// Usage errors name what the user typed and what was wanted: a mistyped command is said to be
// one (the default command, read, would otherwise take it for a missing file), and a missing
// argument is named by what it is, not by yargs' count of non-option arguments.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';
import { ROOT, runCli } from '../helpers/cli-run.js';

const HINT = 'Run "wsinspect --help" for the commands and options.\n';

describe('usage errors say what is wrong', () => {
  it.each([
    [['prxy'], 'proxy'],
    [['hexx', '81', '05'], 'hex'],
    [['acept', 'dGhlIHNhbXBsZSBub25jZQ=='], 'accept'],
    [['rplay', 'x.pcap'], 'replay'],
  ])('%j is a mistyped command: did you mean wsinspect %s?', (args, command) => {
    const r = runCli(args);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`wsinspect: no command or file "${args[0]}": did you mean wsinspect ${command}?\n${HINT}`);
  });

  it('the typo check knows every command the help lists (a new one missing there would be taken for a typo)', () => {
    const help = runCli(['--help']).stdout;
    const commands = help.slice(help.indexOf('Commands:'), help.indexOf('\n\n', help.indexOf('Commands:')));
    const listed = [...commands.matchAll(/^ {2}wsinspect (\w+)/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(COMMANDS));
  });

  it('a word that is a file is read, however close to a command; one close to none is a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-typo-'));
    try {
      writeFileSync(join(dir, 'prxy'), 'not a capture');
      const file = runCli(['prxy'], { cwd: dir });
      expect(file.stderr).toMatch(/^wsinspect: not a pcap or pcapng capture/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(runCli(['frobnicate']).stderr).toMatch(/^wsinspect: cannot read frobnicate: ENOENT/);
  });

  it.each([
    [['read'], 'read needs a FILE: a capture (pcap, pcapng; - for stdin), a HAR or a wsinspect --json recording'],
    [['ui'], 'ui needs a FILE: a capture (pcap, pcapng), a HAR or a wsinspect --json recording'],
    [['serve'], 'serve needs a SOURCE, the recording to play (a capture, a HAR or wsinspect --json output)'],
    [
      ['replay', '--target', 'ws://127.0.0.1:9'],
      'replay needs a SOURCE, the recording to play (a capture, a HAR or wsinspect --json output), and --target URL',
    ],
    [
      ['replay', join(ROOT, 'fixtures', 'plain.pcap')],
      'replay needs --target ws://HOST:PORT[/PATH] (or wss://…): the server to play the recording against',
    ],
  ])('%j: the missing argument is named', (args, message) => {
    const r = runCli(args);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `wsinspect: ${message}\n${HINT}`]);
  });
});

describe('wsinspect with no arguments', () => {
  it('prints its help with examples, no line of the epilogue broken by the wrap', () => {
    const r = runCli([]);
    expect(r.status).toBe(0);
    const epilogue = r.stdout.slice(r.stdout.indexOf('Examples of real use:'));
    expect(epilogue).toContain(
      '  wsinspect hex "c1 85 43 02 0a cf 71 36 3e cb 43"\n      a compressed, masked text frame, drawn and inflated\n',
    );
    for (const line of epilogue.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
