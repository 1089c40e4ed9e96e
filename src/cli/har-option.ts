// --har FILE (wsinspect FILE, proxy): the HAR writer, its destination checked writable before
// any input is read or any client accepted. Layer rule: cli/ — flags.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WsinspectError } from '../errors.js';
import type { EventConsumer } from '../pipeline/consumer.js';
import { HarWriter } from '../pipeline/consumers/har-writer.js';

export const HAR_OPTION = {
  type: 'string',
  describe:
    'also write every WebSocket connection to FILE as a HAR (Chrome DevTools format; opens in DevTools and HTTP Toolkit)',
} as const;

/** [a HarWriter for `path`], or [] without --har. */
export function harWriters(path: string | undefined): EventConsumer[] {
  if (path === undefined) return [];
  if (path === '') throw new WsinspectError('input.bad-option', '--har needs a FILE to write');
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch (err) {
    throw new WsinspectError('input.unwritable', `--har: cannot write ${path}: ${(err as Error).message}`);
  }
  // a directory passes the checks above, and the HAR could not be renamed onto it at the end
  if (existsSync(path) && statSync(path).isDirectory())
    throw new WsinspectError('input.unwritable', `--har: cannot write ${path}: it is a directory`);
  return [new HarWriter(path)];
}
