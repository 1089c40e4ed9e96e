// The JSON-RPC 2.0 view on real json-rpc-2.0 1.8.1 traffic over ws (fixtures/views/): chosen by
// the first message, requests/notifications/errors/batches named and paired by id, the id
// beyond 2^53 kept exact — which shows the server (JSON.parse) answering a rounded id, an
// orphan — and the request never answered reported at the end.
import { describe, expect, it } from 'vitest';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';

describe('JSON-RPC on the real fixture', () => {
  it('names every call; batches give one unit per call', async () => {
    const items = itemsOf(await jsonEvents('jsonrpc.pcap'));
    expect(items.map((i) => `${i.kind} ${String(i.method ?? i.id)}`)).toEqual([
      'request add',
      'response 1',
      'notification log',
      'request nope',
      'response 2',
      'request add',
      'request echo',
      'notification log',
      'response 10',
      'response 11',
      'request subscribe',
      'response 3',
      'notification subscription',
      'request echo',
      'request hang',
      'response 18446744073709552000',
    ]);
    expect(items[4].error).toEqual({ code: -32601, message: 'Method not found' });
  });

  it('pairs responses by id, batch responses each with their own request', async () => {
    const events = await jsonEvents('jsonrpc.pcap');
    const paired = events.filter((e) => e.type === 'message' && e.pair !== undefined);
    expect(paired.map((e) => (e.pair as { request: string }).request)).toEqual(['add', 'nope', 'add', 'subscribe']);
  });

  it('keeps the id beyond 2^53 exact on the wire, so the rounded answer is an orphan', async () => {
    const run = await readInProcess([fixture('jsonrpc.pcap'), '--json']);
    expect(run.stdout).toContain('"id":18446744073709551615,"method":"echo","params":[18446744073709551615]');
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; code?: string; message?: string; diagnostics?: { code: string }[] });
    const orphan = events.filter((e) => e.diagnostics?.some((d) => d.code === 'jsonrpc.response.orphan'));
    expect(orphan).toHaveLength(1);
    const unanswered = events.filter((e) => e.type === 'diagnostic' && e.code === 'jsonrpc.request.unanswered');
    expect(unanswered.map((e) => e.message)).toEqual([
      'request echo (message at frame #11) never answered',
      'request hang (message at frame #12) never answered',
    ]);
  });
});
