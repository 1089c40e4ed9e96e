// MQTT 5.0 on real mqtt.js 5.16.0 traffic (fixtures/views/mqtt5.pcap; the broker is a minimal
// v5 broker written with mqtt-packet, see fixtures/gen/mqtt5.mjs — aedes and Debian's RabbitMQ
// speak no MQTT 5): v5 CONNECT/CONNACK properties, publish properties (content type, expiry,
// user properties, response topic, correlation data as bytes), a PUBACK reason code, the QoS 1
// and QoS 2 flows paired.
import { describe, expect, it } from 'vitest';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { readInProcess } from '../cli/read-in-process.js';

describe('MQTT 5.0 on the real fixture', () => {
  it('decodes v5 properties on CONNECT, CONNACK and PUBLISH', async () => {
    const items = itemsOf(await jsonEvents('mqtt5.pcap'));
    const connect = items.find((i) => i.type === 'CONNECT' && i.conn === 1)!;
    expect(connect.summary).toBe('CONNECT v5.0 clientId="panel-5" keepalive=60');
    expect(connect.properties).toEqual({
      sessionExpiryInterval: 300,
      receiveMaximum: 20,
      userProperties: { app: 'wsinspect' },
    });
    const connack = items.find((i) => i.type === 'CONNACK' && i.conn === 1)!;
    expect(connack.properties).toMatchObject({ topicAliasMaximum: 10, assignedClientIdentifier: 'panel-5' });
    const publish = items.find((i) => i.type === 'PUBLISH' && i.topic === 'plant/pump/state' && i.conn === 2)!;
    expect(publish.properties).toEqual({
      contentType: 'application/json',
      messageExpiryInterval: 60,
      userProperties: { site: 'north', shift: 'b' },
      responseTopic: 'plant/pump/reply',
      correlationData: { hex: Buffer.from('req-7').toString('hex') },
    });
    expect(publish.payload).toEqual({ on: true, rpm: 1450 });
  });

  it('pairs PUBLISH → PUBACK (with its reason code) and PUBREC → PUBREL → PUBCOMP', async () => {
    const run = await readInProcess([fixture('mqtt5.pcap'), '-s']);
    const lines = run.stdout
      .split('\n')
      .filter((l) => l.includes('↳'))
      .map((l) =>
        l
          .replace(/^.*↳ /, '')
          .replace(/[\d.]+ ms/, 'T ms')
          .replace(/id=\d+/, 'id=N'),
      );
    expect(lines).toContain('mqtt PUBACK id=N reason=16 (PUBLISH lab/none, T ms)');
    expect(lines).toContain('mqtt PUBCOMP id=N (PUBREL, T ms)');
    expect(lines.filter((l) => l.startsWith('mqtt CONNACK (CONNECT, '))).toHaveLength(2);
    expect(run.stdout).not.toContain('mqtt.packet.malformed');
  });
});
