// The protobuf view on messages protobufjs 8.8.1 encoded (fixtures/views/protobuf.pcap, schema
// fixtures/views/chat.proto): schema-less as a field tree (chosen by Sec-WebSocket-Protocol:
// protobuf), by the schema with --proto/--proto-type (64-bit integers exact, enums by name,
// bytes kept), a message that is not protobuf a diagnostic either way; the wire format's corners
// (groups, fixed32/64, text against nested messages) on bytes written here by hand.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { protobufView } from '../../src/views/protobuf-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

const PROTO = ['--proto', fixture('chat.proto'), '--proto-type', 'chat.Envelope'];

describe('protobuf on the real fixture', () => {
  it('schema-less: a field tree of every message, nested messages found, the garbage a diagnostic', async () => {
    const events = await jsonEvents('protobuf.pcap');
    expect(events.filter((e) => e.code === 'app.view.selected').map((e) => e.message)).toEqual([
      'view protobuf (Sec-WebSocket-Protocol: protobuf)',
    ]);
    const items = itemsOf(events);
    expect(items.map((i) => i.summary)).toEqual([
      '1:1 2:"lobby" 4:{…} 8:1',
      '1:2 2:"lobby" 3:{…} 5:"a" 5:"b" 8:2',
      '1:3 2:"lobby" 3:{…} 8:1',
      '1:4 2:"lobby" 6:9223372036854775807 7:<4 bytes> 8:1',
    ]);
    expect(items[1].fields).toEqual([
      { number: 1, wireType: 0, value: 2 },
      { number: 2, wireType: 2, value: 'lobby' },
      {
        number: 3,
        wireType: 2,
        value: [
          { number: 1, wireType: 2, value: 'welcome ann' },
          { number: 2, wireType: 0, value: 5 }, // sint32 -3, zigzag: the tree has no schema to know
        ],
      },
      { number: 5, wireType: 2, value: 'a' },
      { number: 5, wireType: 2, value: 'b' },
      { number: 8, wireType: 0, value: 2 },
    ]);
    const run = await readInProcess([fixture('protobuf.pcap'), '--json']);
    expect(run.stdout).toContain('{"number":6,"wireType":0,"value":9223372036854775807}');
    expect(run.stdout).toContain('{"number":7,"wireType":2,"value":{"hex":"deadbeef"}}');
    const bad = events.filter((e) =>
      (e.diagnostics as { code: string }[] | undefined)?.some((d) => d.code === 'protobuf.invalid'),
    );
    expect(bad).toHaveLength(1);
  });

  it('--proto/--proto-type: decoded by the schema, the tree kept beside it', async () => {
    const events = await jsonEvents('protobuf.pcap', PROTO);
    expect(events.filter((e) => e.code === 'app.view.selected').map((e) => e.message)).toEqual([
      `view protobuf (--proto ${fixture('chat.proto')})`,
    ]);
    const items = itemsOf(events);
    expect(items.map((i) => i.value)).toEqual([
      { id: '1', room: 'lobby', join: { user: 'ann' }, kind: 'CHAT' },
      { id: '2', room: 'lobby', text: { body: 'welcome ann', score: -3 }, tags: ['a', 'b'], kind: 'SYSTEM' },
      { id: '3', room: 'lobby', text: { body: 'hello', score: 42 }, kind: 'CHAT' },
      { id: '4', room: 'lobby', big: '9223372036854775807', blob: { hex: 'deadbeef' }, kind: 'CHAT' },
    ]);
    expect(items.every((i) => i.type === 'chat.Envelope' && i.kind === 'Envelope' && Array.isArray(i.fields))).toBe(
      true,
    );
  });

  it('a bad --proto is a one-line error, before any reading', async () => {
    const missing = await readInProcess([fixture('protobuf.pcap'), '--proto', fixture('chat.proto')]);
    expect(missing.error).toContain('--proto and --proto-type go together');
    const type = await readInProcess([fixture('protobuf.pcap'), ...PROTO.slice(0, 3), 'chat.Nope']);
    expect(type.error).toContain('no such type: chat.Nope');
    const file = await readInProcess([fixture('protobuf.pcap'), '--proto', '/nonexistent.proto', '--proto-type', 'X']);
    expect(file.error).toContain('--proto /nonexistent.proto: ENOENT');
    const view = await readInProcess([fixture('protobuf.pcap'), ...PROTO, '--view', 'json']);
    expect(view.error).toContain('--proto decodes with the protobuf view, not --view json');
  });

  it('a --proto-type that names no message, or a schema using a type it does not define, is refused up front', async () => {
    for (const name of ['', '.']) {
      const run = await readInProcess([fixture('protobuf.pcap'), ...PROTO.slice(0, 3), name]);
      expect(run.error).toContain(`--proto-type ${name}: no such type: ${name}`);
    }
    // resolved only when a message is decoded, this was a warning on every message
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-proto-'));
    const file = join(dir, 'imports.proto');
    writeFileSync(file, 'syntax = "proto3";\nmessage A { B b = 1; }\nmessage B { other.C c = 1; }\n');
    const run = await readInProcess([fixture('protobuf.pcap'), '--proto', file, '--proto-type', 'A']);
    expect(run.error).toContain(`--proto ${file} --proto-type A: no such Type or Enum 'other.C' in Type .B`);
    expect(run.stdout).toBe('');
  });

  it("a schema's bytes quoted in its error never reach the terminal raw", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsinspect-proto-'));
    const file = join(dir, 'escape.proto');
    writeFileSync(file, 'syntax = "proto3";\nmessage A { int32 x\u001b[2J\u0000 = 1; }\n');
    const run = await readInProcess([fixture('protobuf.pcap'), '--proto', file, '--proto-type', 'A']);
    expect(run.error).toContain(`--proto ${file} --proto-type A: illegal name 'x\\x1b' (line 2)`);
  });
});

describe('protobuf wire format', () => {
  const view = protobufView({ conn: 1, path: null, strict: true });
  const m = messageMaker();
  const tree = (bytes: number[]): unknown => view.decode(m(Uint8Array.from(bytes), 's2c')).app?.items[0].fields.fields;

  it('fixed64, fixed32, a group, bytes that are neither text nor a message', () => {
    expect(tree([0x09, 1, 0, 0, 0, 0, 0, 0, 0x80, 0x15, 0xff, 0xff, 0xff, 0xff])).toEqual([
      { number: 1, wireType: 1, value: 9223372036854775809n },
      { number: 2, wireType: 5, value: 4294967295 },
    ]);
    // field 1 group { field 2 varint 5 } end group 1
    expect(tree([0x0b, 0x10, 0x05, 0x0c])).toEqual([
      { number: 1, wireType: 3, value: [{ number: 2, wireType: 0, value: 5 }] },
    ]);
    expect(tree([0x0a, 0x02, 0xff, 0xfe])).toEqual([{ number: 1, wireType: 2, value: new Uint8Array([0xff, 0xfe]) }]);
  });

  it('cut short, wrong wire types, unended groups are diagnostics; a text message is none of its business', () => {
    for (const bytes of [[0x08], [0x0a, 0x05, 1], [0x0b, 0x10, 0x05], [0x0c], [0x00, 0x01], [0x0e]]) {
      const d = view.decode(m(Uint8Array.from(bytes), 's2c'));
      expect(d.app).toBeNull();
      expect(d.diagnostics.map((x) => x.code)).toEqual(['protobuf.invalid']);
    }
    expect(view.decode(m('hello', 's2c'))).toEqual({ app: null, diagnostics: [] });
  });
});
