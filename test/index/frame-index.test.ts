// The index of every fixture against the events of the normal pipeline, and every frame and
// message decoded again from the file by offset against the one the pipeline decoded.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, M } from '../../src/index/columns.js';
import { FrameReader } from '../../src/index/frame-reader.js';
import type { FrameEvent, MessageEvent } from '../../src/session/events.js';
import { frameFields, indexOf, messageFields, pipelineEvents } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

function captures(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return captures(path);
    return /\.pcap(ng)?$/.test(name) ? [path] : [];
  });
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
