// The views' filter fields (-Y): on the real fixtures, each field picks the messages whose units
// have it, several values per message (a batch, packets sharing a message) match when one does.
import { describe, expect, it } from 'vitest';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture } from './fixture-events.js';

async function shown(name: string, filter: string): Promise<string[]> {
  const run = await readInProcess([fixture(name), '-Y', filter]);
  expect(run.error).toBeNull();
  return run.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^.*↳ /, ''));
}

describe('application filter fields', () => {
  it('socketio.event, socketio.ack, app, latency', async () => {
    expect(await shown('socketio.pcap', 'socketio.event == "upload"')).toEqual([
      'socket.io BINARY_EVENT /chat "upload" ["file.bin",{"_placeholder":true,"num":0}] ack=1 +1 attachment',
      'socket.io attachment 1/1 of BINARY_EVENT "upload", 5 bytes: ["file.bin",<5 bytes>]',
    ]);
    expect((await shown('socketio.pcap', 'socketio.ack == 0 && s2c')).length).toBe(2);
    // seven subscribes, and the diagnostic line of the one that reused an id
    const subscribes = await shown('graphql.pcap', 'app == "graphql-transport-ws" && graphql.type == "subscribe"');
    expect(subscribes.filter((l) => l.includes('graphql.id.reused'))).toHaveLength(1);
    expect(subscribes.filter((l) => l.startsWith('graphql-transport-ws subscribe'))).toHaveLength(7);
    expect(await shown('graphql.pcap', 'graphql.operation == "Countdown"')).toEqual([
      expect.stringMatching(/^graphql-transport-ws subscribe id=[-0-9a-f]{36} subscription Countdown$/),
    ]);
    const slow = await shown('jsonrpc.pcap', 'latency > 10');
    expect(slow).toEqual([expect.stringMatching(/^json-rpc response id=1 5 \(add, 12\.118 ms\)$/)]);
  });

  it('jsonrpc.*, mqtt.*, stomp.* on their fixtures', async () => {
    expect(await shown('jsonrpc.pcap', 'jsonrpc.error == -32601')).toEqual([
      'json-rpc error id=2 -32601 Method not found (nope, 0.51 ms)',
    ]);
    // the notification alone, and the batch that holds one (a message matches as a whole)
    expect((await shown('jsonrpc.pcap', 'jsonrpc.method == "log"')).length).toBe(4);
    expect((await shown('mqtt.pcap', 'mqtt.topic == "home/hall/temp" && mqtt.qos == 2')).length).toBe(2);
    expect(
      (await shown('stomp.pcap', 'stomp.command == "SEND" && stomp.destination == "/queue/wsinspect"')).length,
    ).toBe(2);
  });

  it('stomp.header.NAME: any header of the frames, its name case-sensitive as STOMP has it', async () => {
    expect(await shown('stomp.pcap', 'stomp.header.content-type == "application/json"')).toEqual([
      'stomp SEND destination=/queue/wsinspect receipt=r-1 {"order":1,"item":"tea"}',
      expect.stringMatching(/^stomp MESSAGE destination=\/queue\/wsinspect subscription=sub-0 receipt=r-1 .*SUBSCRIBE/),
    ]);
    expect(await shown('stomp.pcap', 'stomp.header.receipt-id')).toEqual([
      expect.stringMatching(/^stomp RECEIPT receipt-id=r-1 \(SEND \/queue\/wsinspect, [\d.]+ ms\)$/),
      expect.stringMatching(/^stomp RECEIPT receipt-id=r-2 \(SEND \/queue\/wsinspect, [\d.]+ ms\)$/),
    ]);
    const upper = await readInProcess([fixture('stomp.pcap'), '-Y', 'stomp.header.Receipt-id']);
    expect(upper.stdout).toBe('');
    expect(upper.error).toBeNull();
  });
});
