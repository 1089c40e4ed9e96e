// The MQTT view (3.1, 3.1.1 and 5.0 over WebSocket, sub-protocol `mqtt`): each direction's
// bytes go through an mqtt-packet parser (the MQTT.js project's own codec), so a packet may
// span messages or share one; each message carries the packets that end in it. PUBLISH payloads
// are shown as JSON or text where they are. Requests pair with their answers by packet id:
// PUBLISH (QoS 1) → PUBACK, PUBLISH (QoS 2) → PUBREC, PUBREL → PUBCOMP, SUBSCRIBE → SUBACK,
// UNSUBSCRIBE → UNSUBACK; CONNECT → CONNACK, PINGREQ → PINGRESP.
// Layer rule: views/ — pure.
import type * as MqttPacket from 'mqtt-packet';
import { lazyPackage } from './lazy-package.js';

const mqttPacket = lazyPackage<typeof MqttPacket>('mqtt-packet');
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { AppItem, AppPair, AppValue, Direction, MessageEvent } from '../session/events.js';
import { compact, parseJson } from './app-json.js';
import { toAppValue } from './binary-values.js';
import { Pairing, type ConnectionView, type Decoded, type ViewHints } from './view.js';

interface RawPacket {
  cmd: string;
  [key: string]: unknown;
}

/** A PUBLISH payload as JSON or text where it is one, else bytes. */
function payloadValue(p: unknown): AppValue {
  if (!(p instanceof Uint8Array)) return typeof p === 'string' ? p : null;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(p);
  if (!text.includes('\ufffd')) {
    const json = /^\s*[[{"\d-]/.test(text) ? parseJson(text) : null;
    if (json !== null && !(json instanceof Error)) return json;
    return text;
  }
  return p;
}

const ANSWERS: Record<string, string> = {
  puback: 'publish',
  pubrec: 'publish',
  pubcomp: 'pubrel',
  suback: 'subscribe',
  unsuback: 'unsubscribe',
  connack: 'connect',
  pingresp: 'pingreq',
};

export function mqttView(hints: ViewHints): ConnectionView {
  const pairing = new Pairing(hints.conn);
  let version = 4;
  const parsers: Record<Direction, ReturnType<typeof MqttPacket.parser>> = {
    c2s: mqttPacket().parser({ protocolVersion: 4 }),
    s2c: mqttPacket().parser({ protocolVersion: 4 }),
  };
  const found: RawPacket[] = [];
  const errors: string[] = [];
  for (const p of Object.values(parsers)) {
    p.on('packet', (packet) => {
      found.push(packet as unknown as RawPacket);
    });
    p.on('error', (e: Error) => errors.push(e.message));
  }

  function item(msg: MessageEvent, packet: RawPacket, diagnostics: Diagnostic[]): AppItem {
    const type = packet.cmd.toUpperCase();
    const fields: Record<string, AppValue> = { type };
    const id = typeof packet.messageId === 'number' ? packet.messageId : null;
    let summary = type;
    let request: string | undefined;
    let pair: AppPair | null = null;
    let error = false;
    if (packet.cmd === 'connect') {
      version = typeof packet.protocolVersion === 'number' ? packet.protocolVersion : 4;
      for (const p of Object.values(parsers))
        (p as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = version;
      fields.protocolVersion = version;
      fields.clientId = String(packet.clientId ?? '');
      fields.keepalive = Number(packet.keepalive ?? 0);
      summary += ` v${version === 5 ? '5.0' : version === 4 ? '3.1.1' : '3.1'} clientId=${JSON.stringify(fields.clientId)} keepalive=${fields.keepalive}`;
    }
    if (typeof packet.topic === 'string') {
      fields.topic = String(packet.topic);
      summary += ` ${fields.topic}`;
    }
    if (packet.cmd === 'publish') {
      fields.qos = Number(packet.qos ?? 0);
      if (packet.retain === true) fields.retain = true;
      summary += ` qos=${fields.qos}${packet.retain === true ? ' retain' : ''}`;
    }
    if (id !== null) {
      fields.packetId = id;
      summary += ` id=${id}`;
    }
    if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
      fields.subscriptions = toAppValue(packet.subscriptions);
      summary +=
        ' ' +
        (packet.subscriptions as { topic: string; qos: number }[]).map((s) => `${s.topic} (qos ${s.qos})`).join(', ');
    }
    if (packet.cmd === 'unsubscribe' && Array.isArray(packet.unsubscriptions)) {
      fields.unsubscriptions = toAppValue(packet.unsubscriptions);
      summary += ' ' + (packet.unsubscriptions as string[]).join(', ');
    }
    if (packet.cmd === 'suback' && Array.isArray(packet.granted)) {
      fields.granted = toAppValue(packet.granted);
      summary += ` granted=${JSON.stringify(packet.granted)}`;
      if ((packet.granted as number[]).some((g) => g >= 0x80)) error = true;
    }
    if (typeof packet.returnCode === 'number' || typeof packet.reasonCode === 'number') {
      const code = (packet.reasonCode ?? packet.returnCode) as number;
      fields.reasonCode = code;
      if (code !== 0) {
        summary += ` reason=${code}`;
        if (code >= 0x80 || (packet.cmd === 'connack' && version < 5)) error = true;
      }
    }
    if (packet.properties !== undefined) fields.properties = toAppValue(packet.properties);
    if (packet.cmd === 'publish') {
      const payload = payloadValue(packet.payload);
      fields.payload = payload;
      summary += ' ' + (payload instanceof Uint8Array ? `<${payload.length} bytes>` : compact(payload, 120));
    }
    // requests and their answers
    const key = (cmd: string): string => `${cmd}#${id ?? ''}`;
    if (
      (packet.cmd === 'publish' && Number(packet.qos) > 0) ||
      ['subscribe', 'unsubscribe', 'pubrel'].includes(packet.cmd)
    ) {
      request = packet.cmd === 'publish' ? `PUBLISH ${String(packet.topic)}` : type;
      if (!pairing.request(msg.dir, key(packet.cmd), msg, request))
        diagnostics.push(diagnostic('mqtt.packet.malformed', `packet id ${id} reused while still in flight`));
    } else if (packet.cmd === 'connect' || packet.cmd === 'pingreq') {
      request = type;
      pairing.request(msg.dir, key(packet.cmd), msg, request);
    } else if (ANSWERS[packet.cmd] !== undefined) {
      pair = pairing.response(msg.dir, key(ANSWERS[packet.cmd]), msg);
      if (pair !== null) summary += ` (${pair.request}${pair.latencyMs === null ? '' : `, ${pair.latencyMs} ms`})`;
    }
    return {
      kind: packet.cmd,
      summary,
      fields,
      ...(packet.cmd === 'pingreq' || packet.cmd === 'pingresp' ? { heartbeat: true } : {}),
      ...(request === undefined ? {} : { request, awaits: true }),
      ...(error ? { error } : {}),
      ...(pair === null ? {} : { pair }),
    };
  }

  return {
    protocol: 'mqtt',
    decode(msg: MessageEvent): Decoded {
      if (msg.opcode !== 2)
        return {
          app: null,
          diagnostics: [diagnostic('mqtt.packet.malformed', 'text message: MQTT over WebSocket is binary')],
        };
      found.length = 0;
      errors.length = 0;
      parsers[msg.dir].parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      const diagnostics: Diagnostic[] = errors.map((e) => diagnostic('mqtt.packet.malformed', e));
      const packets = [...found];
      const items = packets.map((p) => item(msg, p, diagnostics));
      const pair = items.find((i) => i.pair !== undefined)?.pair;
      return {
        app: items.length === 0 ? null : { protocol: 'mqtt', items },
        diagnostics,
        ...(pair === undefined ? {} : { pair }),
      };
    },
    finish(): Diagnostic[] {
      for (const p of Object.values(parsers)) p.removeAllListeners();
      return [];
    },
  };
}
