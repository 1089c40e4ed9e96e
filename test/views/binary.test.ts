// MessagePack and CBOR views on real @msgpack/msgpack 3.1.3 and cborg 6.1.5 payloads over ws
// (fixtures/views/binary.pcap): chosen by the first message (a MessagePack map) and by the
// sub-protocol (cbor); 64-bit integers exact, binary kept as bytes; garbage is a diagnostic.
import { describe, expect, it } from 'vitest';
import { cborView } from '../../src/views/cbor-view.js';
import { msgpackView } from '../../src/views/msgpack-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('binary views on the real fixture', () => {
  it('chooses msgpack by content and cbor by sub-protocol, and says so', async () => {
    const notes = (await jsonEvents('binary.pcap')).filter((e) => e.code === 'app.view.selected');
    expect(notes.map((n) => n.message)).toEqual([
      'view msgpack (message is a MessagePack map)',
      'view cbor (Sec-WebSocket-Protocol: cbor)',
    ]);
  });

  it('decodes both ways, 2^64-1 exact and bytes as hex', async () => {
    const items = itemsOf(await jsonEvents('binary.pcap'));
    expect(items.map((i) => i.value)).toEqual([
      { op: 'get', keys: ['a', 'b'], n: -3, pi: 3.25 },
      { ok: true, seq: 18446744073709552000, blob: { hex: '010203' } },
      { n: -3, op: 'get', pi: 3.25, keys: ['a', 'b'] },
      { ok: true, seq: 18446744073709552000, blob: { hex: '010203' } },
    ]);
    const run = await readInProcess([fixture('binary.pcap'), '--json']);
    expect(run.stdout.match(/"seq":18446744073709551615/g)).toHaveLength(2);
  });

  it('a payload that is not the format is a diagnostic', () => {
    const m = messageMaker();
    expect(msgpackView().decode(m(new Uint8Array([0xc1]), 's2c')).diagnostics[0].code).toBe('msgpack.invalid');
    expect(cborView().decode(m(new Uint8Array([0xff]), 's2c')).diagnostics[0].code).toBe('cbor.invalid');
  });
});
