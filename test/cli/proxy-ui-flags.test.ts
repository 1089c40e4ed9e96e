// `wsinspect proxy --ui`: what it cannot honour is refused in one line (exit status 2) before
// anything listens — the printed listing's flags, a bad -Y, and a stdin/stdout that is not a
// terminal. (The UI itself is tested in a real terminal: test/ui/proxy-ui-tmux.test.ts.)
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-run.js';

describe('proxy --ui: refusals', () => {
  it.each([
    [
      ['--json'],
      'wsinspect: --ui with --json: --json is for the printed listing (the UI draws its own screen; record with -w FILE or --har FILE for machine-readable output)\n',
    ],
    [['-V'], 'wsinspect: --ui with -V: -V is for the printed listing (press Enter on a row for its full view)\n'],
    [['--messages'], 'wsinspect: --ui with --messages: --messages is for the printed listing (press m in the UI)\n'],
    [
      ['-Y', 'websocket.opcod == 1'],
      'wsinspect: -Y: unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?\n',
    ],
    [[], 'wsinspect: --ui needs a terminal on stdin and stdout (run it in a terminal, not a pipe)\n'],
  ])('refuses --ui %j in one line, exit status 2, before listening', (args, line) => {
    const r = runCli(['proxy', '--listen', '127.0.0.1:0', '--target', 'ws://127.0.0.1:1', '--ui', ...args]);
    expect(r.stderr.split('\n')[0] + '\n').toBe(line);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('listening');
  });
});
