// A message-only source (HAR, NDJSON: messages, no wire bytes) enters the pipeline after the
// session stage: no frame decoding, and the text printer shows every one of its messages.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createListing } from '../../src/pipeline/listing.js';
import type { InspectEvent, MessageEvent } from '../../src/session/events.js';

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function message(dir: 'c2s' | 's2c', time: number, opcode: 1 | 2, data: Uint8Array): MessageEvent {
  return {
    type: 'message',
    conn: 1,
    dir,
    time,
    opcode,
    frames: 0,
    firstFrame: 0,
    lastFrame: 0,
    compressed: false,
    data,
    length: data.length,
    text: opcode === 1 ? Buffer.from(data).toString('utf8') : undefined,
    complete: true,
    diagnostics: [],
  };
}

const EVENTS: InspectEvent[] = [
  { type: 'connection', conn: 1, time: 100, client: '10.0.0.1:5000', server: '10.0.0.2:80', detectedBy: 'handshake' },
  message('c2s', 100.5, 1, Buffer.from('hello')),
  message('s2c', 101, 2, Uint8Array.of(0xde, 0xad, 0xbe, 0xef)),
  {
    type: 'end',
    conn: 1,
    time: 102,
    reason: 'input-ended',
    frames: { c2s: 0, s2c: 0 },
    messages: { c2s: 1, s2c: 1 },
    bytes: { c2s: 0, s2c: 0 },
  },
];

async function listing(source: 'wire' | 'messages', json = false): Promise<string> {
  const out = collector();
  const { pipeline } = createListing(
    { printer: { maxPayload: 64, json }, colorLevel: 0, filter: {}, decodeAs: [], source },
    { stream: out.stream as never },
  );
  for (const ev of EVENTS) pipeline.message(ev);
  pipeline.finish();
  await pipeline.close();
  return out.text();
}

describe('message-only source', () => {
  it('the text printer shows every message, without frames to name', async () => {
    const lines = (await listing('messages')).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('Connection 1: 10.0.0.1:5000 → 10.0.0.2:80');
    expect(lines[1]).toMatch(/^ +0\.500000 \[1\] 10\.0\.0\.1:5000 → 10\.0\.0\.2:80 text message, 5 B: "hello"$/);
    expect(lines[2]).toMatch(/\[1\] 10\.0\.0\.2:80 → 10\.0\.0\.1:5000 binary message, 4 B: de ad be ef$/);
    expect(lines[3]).toContain('connection 1 ended (input-ended)');
  });

  it('a wire source shows one-frame messages on their frame line instead (so they are not repeated)', async () => {
    expect(await listing('wire')).not.toMatch(/(text|binary) message/);
  });

  it('--json writes the messages as they came', async () => {
    const lines = (await listing('messages', true)).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
      'connection',
      'message',
      'message',
      'end',
    ]);
    expect(JSON.parse(lines[1])).toMatchObject({ text: 'hello', frames: 0, length: 5 });
  });
});
