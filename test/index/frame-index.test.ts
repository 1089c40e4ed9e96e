// The index of every fixture against the events of the normal pipeline, and every frame and
// message decoded again from the file by offset against the one the pipeline decoded.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../src/capture/tls/key-log.js';
import { F, M } from '../../src/index/columns.js';
import { FrameReader } from '../../src/index/frame-reader.js';
import { runIndex } from '../../src/index/index-run.js';
import { IndexState } from '../../src/index/index-state.js';
import { readCapture } from '../../src/pipeline/read-capture.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../../src/session/events.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return captures(path);
    return /\.pcap(ng)?$/.test(name) ? [path] : [];
  });
}

function keyLogFor(path: string) {
  const keys = path.replace(/\.pcap(ng)?$/, '.keys');
  try {
    return parseKeyLog(readFileSync(keys, 'latin1')).secrets;
  } catch {
    return undefined;
  }
}

export async function indexOf(path: string, options: { checkpointEvery?: number; checkpointSpacing?: number } = {}) {
  const state = new IndexState(false);
  const keyLog = keyLogFor(path);
  await runIndex(path, { keyLog, ...options }, { chunk: (c, p, last) => state.apply(c, p, last) });
  return { state, keyLog };
}

export async function pipelineEvents(path: string): Promise<InspectEvent[]> {
  const out: InspectEvent[] = [];
  for await (const ev of readCapture(path, { keyLog: keyLogFor(path) })) out.push(ev);
  return out;
}

/** What a decode again must reproduce of a frame. */
function frameFields(ev: FrameEvent) {
  return {
    conn: ev.conn,
    dir: ev.dir,
    index: ev.index,
    time: ev.time,
    frame: { ...ev.frame, diagnostics: undefined, payload: Buffer.from(ev.frame.payload).toString('hex') },
    compressed: ev.compressed,
    text: ev.text,
    messageOpcode: ev.messageOpcode,
    inflated: ev.inflated === undefined ? undefined : Buffer.from(ev.inflated).toString('hex'),
    inflate: ev.inflate,
    close: ev.close,
    capture: ev.capture,
  };
}

function messageFields(ev: MessageEvent) {
  return {
    conn: ev.conn,
    dir: ev.dir,
    time: ev.time,
    opcode: ev.opcode,
    frames: ev.frames,
    firstFrame: ev.firstFrame,
    lastFrame: ev.lastFrame,
    compressed: ev.compressed,
    data: Buffer.from(ev.data).toString('hex'),
    length: ev.length,
    text: ev.text,
    inflate: ev.inflate,
    complete: ev.complete,
    capture: ev.capture,
  };
}

const ALL = captures(FIXTURES);

describe('frame index', () => {
  it('finds the fixtures', () => {
    expect(ALL.length).toBeGreaterThan(20);
  });

  for (const path of ALL) {
    const name = path.slice(FIXTURES.length + 1);
    it(`${name}: one row per frame and message, same order and fields as the pipeline`, async () => {
      const [{ state }, events] = await Promise.all([indexOf(path), pipelineEvents(path)]);
      const frames = events.filter((e): e is FrameEvent => e.type === 'frame');
      const messages = events.filter((e): e is MessageEvent => e.type === 'message');
      expect(state.frames.length).toBe(frames.length);
      expect(state.messages.length).toBe(messages.length);
      const f = state.frames;
      frames.forEach((ev, row) => {
        const flags = f.flags.get(row);
        expect({
          conn: f.conn.get(row),
          index: f.index.get(row),
          dir: flags & F.S2C ? 's2c' : 'c2s',
          time: f.timeOf(row),
          opcode: flags & 15,
          fin: (flags & F.FIN) !== 0,
          rsv1: (flags & F.RSV1) !== 0,
          masked: (flags & F.MASKED) !== 0,
          compressed: (flags & F.COMPRESSED) !== 0,
          len: f.lengthOf(row),
          record: f.record.get(row),
          packet: f.packet.get(row),
          stream: f.stream.get(row),
          diagnostics: f.diagnostics.get(row) ?? [],
        }).toEqual({
          conn: ev.conn,
          index: ev.index,
          dir: ev.dir,
          time: ev.time,
          opcode: ev.frame.opcode,
          fin: ev.frame.fin,
          rsv1: ev.frame.rsv1,
          masked: ev.frame.masked,
          compressed: ev.compressed,
          len: ev.frame.payloadLength,
          record: ev.capture?.record ?? 0,
          packet: ev.capture?.packet ?? 0,
          stream: ev.capture?.streamStart ?? 0,
          diagnostics: expect.arrayContaining(ev.diagnostics.map((d) => d.code)),
        });
      });
      const m = state.messages;
      messages.forEach((ev, row) => {
        const flags = m.flags.get(row);
        expect({
          conn: f.conn.get(m.first.get(row)),
          firstFrame: f.index.get(m.first.get(row)),
          lastFrame: f.index.get(m.last.get(row)),
          dir: flags & M.S2C ? 's2c' : 'c2s',
          opcode: flags & 15,
          complete: (flags & M.COMPLETE) !== 0,
          compressed: (flags & M.COMPRESSED) !== 0,
          length: m.lengthOf(row),
          time: state.messageTime(row),
        }).toEqual({
          conn: ev.conn,
          firstFrame: ev.firstFrame,
          lastFrame: ev.lastFrame,
          dir: ev.dir,
          opcode: ev.opcode,
          complete: ev.complete,
          compressed: ev.compressed,
          length: ev.length,
          time: ev.time,
        });
      });
    });

    it(`${name}: every frame and message decoded again by offset equals the pipeline's`, async () => {
      const tls = name.startsWith('tls/');
      const [{ state, keyLog }, events] = await Promise.all([
        indexOf(path, { checkpointEvery: 2, checkpointSpacing: 0 }),
        pipelineEvents(path),
      ]);
      const reader = new FrameReader(path, state, { keyLog, noFallback: !tls });
      try {
        const frames = events.filter((e): e is FrameEvent => e.type === 'frame');
        for (let row = 0; row < frames.length; row++) {
          const got = await reader.frame(row);
          expect(frameFields(got.event), `frame row ${row}`).toEqual(frameFields(frames[row]));
          if (tls) expect(got.how).toBe('file-start');
        }
        const messages = events.filter((e): e is MessageEvent => e.type === 'message');
        for (let row = 0; row < messages.length; row++) {
          const got = await reader.message(row);
          expect(messageFields(got.event), `message row ${row}`).toEqual(messageFields(messages[row]));
        }
      } finally {
        await reader.close();
      }
    });
  }
});
