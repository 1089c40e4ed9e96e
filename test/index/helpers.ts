// Shared by the index tests: a capture indexed in this thread, the pipeline's events for it,
// and the fields a frame or message decoded again by offset must reproduce.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseKeyLog } from '../../src/capture/tls/key-log.js';
import { FrameReader } from '../../src/index/frame-reader.js';
import { runIndex } from '../../src/index/index-run.js';
import { IndexState } from '../../src/index/index-state.js';
import { readCapture } from '../../src/pipeline/read-capture.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../../src/session/events.js';

export function keyLogFor(path: string) {
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
export function frameFields(ev: FrameEvent) {
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
    diagnostics: ev.diagnostics.map((d) => d.code),
  };
}

export function messageFields(ev: MessageEvent) {
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
    diagnostics: ev.diagnostics.map((d) => d.code),
  };
}

/**
 * Every frame and message of the capture decoded again from the file (never from its start
 * unless `fallback`), checked against the pipeline's; returns how each was found.
 */
export async function expectRedecoded(
  path: string,
  options: { checkpointEvery?: number; checkpointSpacing?: number; fallback?: boolean } = {},
): Promise<Record<string, number>> {
  const [{ state, keyLog }, events] = await Promise.all([indexOf(path, options), pipelineEvents(path)]);
  const reader = new FrameReader(path, state, { keyLog, noFallback: options.fallback !== true });
  const hows: Record<string, number> = {};
  try {
    const frames = events.filter((e): e is FrameEvent => e.type === 'frame');
    expect(state.frames.length).toBe(frames.length);
    for (let row = 0; row < frames.length; row++) {
      const got = await reader.frame(row);
      expect(frameFields(got.event), `frame row ${row}`).toEqual(frameFields(frames[row]));
      hows[`frame ${got.how}`] = (hows[`frame ${got.how}`] ?? 0) + 1;
    }
    const messages = events.filter((e): e is MessageEvent => e.type === 'message');
    expect(state.messages.length).toBe(messages.length);
    for (let row = 0; row < messages.length; row++) {
      const got = await reader.message(row);
      expect(messageFields(got.event), `message row ${row}`).toEqual(messageFields(messages[row]));
      hows[`message ${got.how}`] = (hows[`message ${got.how}`] ?? 0) + 1;
    }
  } finally {
    await reader.close();
  }
  return hows;
}
