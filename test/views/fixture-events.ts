// A view fixture (fixtures/views/) read by the CLI in this process, as --json events.
import { join } from 'node:path';
import { expect } from 'vitest';
import { readInProcess } from '../cli/read-in-process.js';
import { ROOT } from '../helpers/cli-run.js';

export interface JsonEvent {
  type: string;
  [k: string]: unknown;
}

export interface JsonItem {
  kind: string;
  summary: string;
  [k: string]: unknown;
}

export function fixture(name: string): string {
  return join(ROOT, 'fixtures', 'views', name);
}

export async function jsonEvents(name: string, args: string[] = []): Promise<JsonEvent[]> {
  const run = await readInProcess([fixture(name), '--json', ...args]);
  expect(run.error).toBeNull();
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonEvent);
}

/** Each message's units, with its connection. */
export function itemsOf(events: JsonEvent[]): (JsonItem & { conn: number; message: JsonEvent })[] {
  return events
    .filter((e) => e.type === 'message' && e.app !== undefined)
    .flatMap((m) => (m.app as { items: JsonItem[] }).items.map((i) => ({ ...i, conn: m.conn as number, message: m })));
}
