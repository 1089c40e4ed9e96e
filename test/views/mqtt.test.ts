// The MQTT view on real mqtt.js 5.16.0 traffic against an aedes 1.2.0 broker over ws
// (fixtures/views/): packets split over several WebSocket messages are joined (mqtt.js writes a
// packet in pieces), QoS 1 and 2 flows pair by packet id, PINGREQ/PINGRESP fold; and MQTT 5.0
// packets made by mqtt-packet's generator (aedes refuses 5.0) decode with their properties.
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { mqttView } from '../../src/views/mqtt-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('MQTT on the real fixture', () => {
  it('decodes every packet of the sessions, joined across messages', async () => {
    const items = itemsOf(await jsonEvents('mqtt.pcap'));
    const conn2 = items.filter((i) => i.conn === 2).map((i) => i.type);
    expect(conn2.slice(0, 16)).toEqual([
      'CONNECT',
      'CONNACK',
      'SUBSCRIBE',
      'SUBACK',
      'PUBLISH',
      'PUBLISH',
      'PUBACK',
      'PUBLISH',
      'PUBLISH',
      'PUBLISH',
      'PUBACK',
      'PUBLISH',
      'PUBREC',
      'PUBREC',
      'PUBREL',
      'PUBREL',
    ]);
    expect(conn2).toContain('PINGREQ');
    const connect5 = items.find((i) => i.conn === 1 && i.type === 'CONNECT')!;
    expect(connect5).toMatchObject({
      protocolVersion: 5,
      clientId: 'sensor-5',
      properties: { sessionExpiryInterval: 60 },
    });
    expect(items.find((i) => i.conn === 1 && i.type === 'CONNACK')).toMatchObject({ reasonCode: 1 });
    const json = items.find((i) => i.type === 'PUBLISH' && i.qos === 1 && i.topic === 'home/kitchen/temp')!;
    expect(json.payload).toEqual({ c: 21.7, id: 2 });
    expect(items.find((i) => i.topic === 'status/legacy')).toMatchObject({ payload: 'online', retain: true });
  });

  it('pairs PUBLISH → PUBACK / PUBREC and PUBREL → PUBCOMP by packet id', async () => {
    const events = await jsonEvents('mqtt.pcap');
    const pairs = itemsOf(events)
      .filter((i) => i.conn === 2 && i.message.pair !== undefined)
      .map((i) => `${i.type}→${(i.message.pair as { request: string }).request}`);
    expect(pairs.slice(0, 9)).toEqual([
      'CONNACK→CONNECT',
      'SUBACK→SUBSCRIBE',
      'PUBACK→PUBLISH home/kitchen/temp',
      'PUBACK→PUBLISH home/kitchen/temp',
      'PUBREC→PUBLISH home/hall/temp',
      'PUBREC→PUBLISH home/hall/temp',
      'PUBCOMP→PUBREL',
      'PUBCOMP→PUBREL',
      'PINGRESP→PINGREQ',
    ]);
  });

  it('folds PINGREQ/PINGRESP in the listing', async () => {
    const run = await readInProcess([fixture('mqtt.pcap')]);
    expect(run.stdout).not.toContain('↳ mqtt PINGREQ');
    const shown = await readInProcess([fixture('mqtt.pcap'), '--show-heartbeats']);
    expect(shown.stdout).toContain('↳ mqtt PINGREQ');
  });
});

describe('MQTT 5.0 packets from mqtt-packet', () => {
  it('several packets in one message, and one packet across two, with v5 properties', () => {
    const opts = { protocolVersion: 5 };
    const connect = mqttPacket.generate(
      {
        cmd: 'connect',
        protocolVersion: 5,
        clientId: 'c',
        keepalive: 10,
        clean: true,
        properties: { sessionExpiryInterval: 30 },
      } as never,
      opts,
    );
    const publish = mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 't/1',
        payload: Buffer.from('{"v":1}'),
        qos: 1,
        messageId: 7,
        retain: false,
        dup: false,
        properties: { userProperties: { a: 'b' } },
      } as never,
      opts,
    );
    const puback = mqttPacket.generate({ cmd: 'puback', messageId: 7, reasonCode: 0 } as never, opts);
    const view = mqttView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    const both = view.decode(m(Buffer.concat([connect, publish.subarray(0, 5)]), 'c2s', 0));
    expect(both.app?.items.map((i) => i.kind)).toEqual(['connect']);
    const rest = view.decode(m(publish.subarray(5), 'c2s', 0.001));
    expect(rest.app?.items[0].fields).toMatchObject({
      topic: 't/1',
      qos: 1,
      packetId: 7,
      payload: { v: 1 },
      properties: { userProperties: { a: 'b' } },
    });
    const ack = view.decode(m(puback, 's2c', 0.003));
    expect(ack.pair).toEqual({ conn: 1, index: 2, latencyMs: 2, request: 'PUBLISH t/1' });
  });

  it('a malformed packet is mqtt.packet.malformed, and the next message decodes', () => {
    const view = mqttView({ conn: 1, path: null, strict: true });
    const m = messageMaker();
    expect(view.decode(m(new Uint8Array([0x36, 0x00]), 'c2s')).diagnostics[0].code).toBe('mqtt.packet.malformed');
    expect(view.decode(m(new Uint8Array([0xc0, 0x00]), 'c2s')).app?.items[0].kind).toBe('pingreq');
  });
});

describe('MQTT under --stats', () => {
  it('keeps binary payloads for the view even though --stats shows none (packets are counted)', async () => {
    const run = await readInProcess([fixture('mqtt.pcap'), '--stats', '--json', '--conn', '2']);
    const stats = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      app?: { methods: { name: string; count: number }[] };
    };
    expect(stats.app?.methods.find((m) => m.name === 'PUBLISH home/hall/temp')).toMatchObject({ count: 2 });
  });
});
