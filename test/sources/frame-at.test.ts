// `frameAt` / `wsinspect FILE --frame CONN:INDEX`: the same frame (and origin) a full listing
// decodes, read only as far as that frame; clear one-line errors for what does not exist.
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectionDemux } from '../../src/session/connection-demux.js';
import type { FrameEvent, InspectEvent } from '../../src/session/events.js';
import { createCaptureDecoder } from '../../src/sources/capture-source.js';
import { frameAt, parseFrameTarget } from '../../src/sources/frame-at.js';
import { fixture, FIXTURES } from '../capture/helpers/capture-harness.js';
import { runCli } from '../helpers/cli-run.js';

function allFrames(file: string): FrameEvent[] {
  const events: InspectEvent[] = [];
  const demux = new ConnectionDemux({ onEvent: (e) => events.push(e) });
  const decoder = createCaptureDecoder((e) => demux.handle(e));
  decoder.push(fixture(file));
  decoder.end();
  demux.finish(null);
  return events.filter((e): e is FrameEvent => e.type === 'frame');
}

/** The capture in `size`-byte chunks; pulling the chunk after `stopAfter` fails the read. */
function guarded(bytes: Uint8Array, size: number, stopAfter = Infinity): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0, n = 0; at < bytes.length; at += size, n++) {
        if (n > stopAfter) throw new Error('read past the frame');
        yield bytes.slice(at, at + size);
      }
    })(),
  );
}

const comparable = (f: FrameEvent) => ({ ...f, text: f.text });

describe('frameAt', () => {
  for (const file of ['interleaved.pcap', 'deflate.pcap', 'lengths.pcap', 'midstream.pcap']) {
    it(`${file}: every frame is the one a full decode gives, origin included`, async () => {
      const frames = allFrames(file);
      expect(frames.length).toBeGreaterThan(2);
      for (const f of frames) {
        const found = await frameAt(join(FIXTURES, file), { conn: f.conn, index: f.index });
        expect(comparable(found.frame)).toEqual(comparable(f));
        expect(found.before.some((e) => e.type === 'connection' && e.conn === f.conn)).toBe(true);
      }
    });
  }

  it('with a before callback, the connection past is handed over as it comes, in order, and nothing is kept', async () => {
    const frames = allFrames('interleaved.pcap');
    const last = frames[frames.length - 1];
    const kept = await frameAt(join(FIXTURES, 'interleaved.pcap'), last);
    const told: InspectEvent[] = [];
    const streamed = await frameAt(join(FIXTURES, 'interleaved.pcap'), last, {
      session: { before: (ev) => told.push(ev) },
    });
    expect(streamed.before).toEqual([]);
    expect(told.length).toBeGreaterThan(3);
    expect(told).toEqual(kept.before);
    expect(comparable(streamed.frame)).toEqual(comparable(kept.frame));
  });

  it('stops reading at the chunk where the frame ends', async () => {
    const bytes = fixture('lengths.pcap');
    const size = 1024;
    const first = allFrames('lengths.pcap')[0]!;
    // the chunk holding the first frame's last packet record, then no further
    const chunk = Math.floor((first.capture!.lastRecord + 16) / size) + 1;
    const found = await frameAt(guarded(bytes, size, chunk), { conn: 1, index: 1 });
    expect(found.frame.capture).toEqual(first.capture);
    await expect(frameAt(guarded(bytes, size, chunk), { conn: 1, index: 2 })).resolves.toBeDefined();
    await expect(frameAt(guarded(bytes, size, 2), { conn: 1, index: 12 })).rejects.toThrow('read past the frame');
  });

  it('says what there is when the frame does not exist', async () => {
    const file = join(FIXTURES, 'interleaved.pcap');
    const frames = allFrames('interleaved.pcap');
    const conns = new Set(frames.map((f) => f.conn)).size;
    const inConn1 = frames.filter((f) => f.conn === 1).length;
    await expect(frameAt(file, { conn: 1, index: 10_000 })).rejects.toThrow(
      `no frame 1:10000: connection 1 has ${inConn1} frames`,
    );
    await expect(frameAt(file, { conn: conns + 1, index: 1 })).rejects.toThrow(
      `no frame ${conns + 1}:1: the capture has ${conns} WebSocket connections`,
    );
  });

  it('CONN:INDEX is two whole numbers from 1', () => {
    expect(parseFrameTarget('2:17')).toEqual({ conn: 2, index: 17 });
    expect(parseFrameTarget(' 2 : 17 ')).toEqual({ conn: 2, index: 17 });
    for (const bad of ['', '2', '2:', ':3', '0:1', '1:0', '-1:2', '1.5:2', 'a:b', '1:2:3'])
      expect(() => parseFrameTarget(bad), bad).toThrow(/--frame takes CONN:INDEX/);
  });
});

describe('wsinspect FILE --frame', () => {
  it('-V shows that frame alone, with its packet; errors are one line and exit 2', () => {
    const file = join(FIXTURES, 'lengths.pcap');
    const f = allFrames('lengths.pcap').find((x) => x.capture!.lastPacket > x.capture!.packet)!;
    const r = runCli([file, '--frame', `${f.conn}:${f.index}`, '-V']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`#${f.index} `);
    expect(r.stdout).toContain(`packets ${f.capture!.packet}–${f.capture!.lastPacket})`);
    expect(r.stdout.match(/Frame header/g)).toHaveLength(1);
    const json = runCli([file, '--frame', `${f.conn}:${f.index}`, '--json']);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: 'frame',
      conn: f.conn,
      index: f.index,
      packet: f.capture!.packet,
    });
    for (const [arg, message] of [
      ['1:999', 'wsinspect: no frame 1:999: connection 1 has 12 frames\n'],
      ['3:1', 'wsinspect: no frame 3:1: the capture has 1 WebSocket connection\n'],
      ['two', 'wsinspect: --frame takes CONN:INDEX (connection and frame number, both from 1, e.g. 2:17), not "two"\n'],
    ]) {
      const bad = runCli([file, '--frame', arg!]);
      expect([bad.status, bad.stderr, bad.stdout]).toEqual([2, message, '']);
    }
  });

  it('options that mean nothing for one frame are refused in one line, not ignored', () => {
    // --stats and --conn printed the frame all the same; --har wrote nothing, with nothing said
    const file = join(FIXTURES, 'interleaved.pcap');
    const either = 'give one or the other';
    for (const [args, message] of [
      [['--stats'], `--stats summarises whole connections, but --frame shows one frame: ${either}`],
      [['--conn', '2'], `--conn picks connections, but --frame CONN:INDEX names its connection itself: ${either}`],
      [['--dir', 's2c'], `--dir selects frames, but --frame CONN:INDEX names its frame itself: ${either}`],
      [['--opcode', 'ping'], `--opcode selects frames, but --frame CONN:INDEX names its frame itself: ${either}`],
      [['--grep', 'zzz'], `--grep selects frames, but --frame CONN:INDEX names its frame itself: ${either}`],
      [['--errors'], `--errors selects frames, but --frame CONN:INDEX names its frame itself: ${either}`],
      [['-Y', 'len > 1000'], `-Y selects frames, but --frame CONN:INDEX names its frame itself: ${either}`],
      [
        ['--har', join(FIXTURES, 'never-written.har')],
        `--har writes every connection, but --frame reads only as far as its frame: ${either}`,
      ],
    ] as const) {
      const r = runCli([file, '--frame', '1:1', ...args]);
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `wsinspect: ${message}\n`]);
    }
    // what changes how the frame is shown still applies
    expect(runCli([file, '--frame', '1:1', '--messages', '--time', 'absolute']).status).toBe(0);
  });
});
