// Reading what the user pointed at: whole small inputs (hex text, a handshake file, stdin).
// Failures become WsinspectErrors with one clear line.
import { readFileSync } from 'node:fs';
import { WsinspectError } from '../errors.js';

export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory'
            : e.message;
    throw new WsinspectError('input.unreadable', `cannot read ${what} ${JSON.stringify(path)}: ${why}`);
  }
}

export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
