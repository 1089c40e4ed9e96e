// editText with real editor processes (shell scripts as $EDITOR): what they save comes back;
// an unchanged or emptied file, or a failing editor, gives null; the temporary file is gone
// afterwards; and the editor runs while the event loop goes on (the proxy keeps relaying).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { editorCommand, editText } from '../../src/ui/editor.js';

const dir = mkdtempSync(join(tmpdir(), 'editor-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An editor: a shell script given the file as $1. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

/** A non-terminal stdout: what the UI would have drawn goes here. */
function io(editor: string, problems: string[] = []) {
  const out = new PassThrough() as unknown as NodeJS.WriteStream;
  return { editor, stdout: out, problem: (t: string) => problems.push(t) };
}

describe('editText', () => {
  it('returns what the editor saved, from a file with the given extension, removed afterwards', async () => {
    const seen = join(dir, 'seen');
    const editor = script('upper.sh', `echo "$1" > ${seen}; sed -i 's/hello/HELLO/' "$1"`);
    expect(await editText('hello world\n', '.json', io(editor))).toBe('HELLO world\n');
    const path = readFileSync(seen, 'utf8').trim();
    expect(path.endsWith('/message.json')).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('an unchanged file, an emptied file, or a failing editor give null (with a line saying why it failed)', async () => {
    expect(await editText('same\n', 'txt', io(script('noop.sh', 'true')))).toBeNull();
    expect(await editText('gone\n', '.txt', io(script('empty.sh', ': > "$1"')))).toBeNull();
    const problems: string[] = [];
    const failing = script('fail.sh', 'sed -i s/a/b/ "$1"; exit 3');
    expect(await editText('abc', '.txt', io(failing, problems))).toBeNull();
    expect(problems).toEqual([`${failing}: exited with 3, nothing sent`]);
    const missing = join(dir, 'no-such-editor');
    expect(await editText('abc', '.txt', io(missing, problems))).toBeNull();
    expect(problems[1]).toBe(`${missing}: not found (exit status 127), nothing sent`);
  });

  it('runs the editor asynchronously: the event loop goes on while it is open', async () => {
    const go = join(dir, 'go');
    // the editor waits for a file only this process creates while the editor runs
    const editor = script('wait.sh', `while [ ! -e ${go} ]; do sleep 0.02; done; sed -i 's/x/y/' "$1"`);
    const edited = editText('x', '.txt', io(editor));
    setTimeout(() => writeFileSync(go, ''), 50);
    expect(await edited).toBe('y');
  });

  it('a command with arguments works as in git ("EDITOR=sed -i s/a/b/")', async () => {
    expect(await editText('a', '.txt', io("sed -i 's/a/b/'"))).toBe('b');
  });

  it('keeps the UI from drawing on the editor: writes during the edit are swallowed, then the stream is as before', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const stdout = out as unknown as NodeJS.WriteStream;
    const go = join(dir, 'go2');
    const editor = script('wait2.sh', `while [ ! -e ${go} ]; do sleep 0.02; done; echo z >> "$1"`);
    const edited = editText('x\n', '.txt', { editor, stdout });
    setTimeout(() => {
      stdout.write('drawn while editing');
      writeFileSync(go, '');
    }, 50);
    expect(await edited).toBe('x\nz\n');
    stdout.write('drawn after');
    await new Promise((r) => setImmediate(r));
    expect(chunks.join('')).toBe('drawn after');
    expect(Object.prototype.hasOwnProperty.call(out, 'write')).toBe(false);
  });

  it('picks $VISUAL, then $EDITOR, then vi', () => {
    expect(editorCommand({ VISUAL: 'nano', EDITOR: 'ed' })).toBe('nano');
    expect(editorCommand({ VISUAL: ' ', EDITOR: 'ed' })).toBe('ed');
    expect(editorCommand({})).toBe('vi');
  });
});
