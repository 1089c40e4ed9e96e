// permessage-deflate with context takeover: a message far into a connection refers to earlier
// ones, so inflating it alone needs the sender's window at that point. A checkpoint saved every
// N messages (the last 32 KiB of output) lets it be inflated from there — identically to a
// replay of the whole connection — after at most N - 1 messages instead of all of them.
import { constants, createDeflateRaw, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MessageInflater } from '../../src/protocol/message-inflater.js';
import type { FrameEvent, InspectEvent, MessageEvent } from '../../src/session/events.js';
import type { DeflateCheckpoint } from '../../src/session/message-assembler.js';
import { SessionDecoder } from '../../src/session/session-decoder.js';
import { buildFrame, concatBytes, seededRandom } from '../helpers/frame-builder.js';

const TAKEOVER = { windowBits: 15, noContextTakeover: false };
const MiB = 1024 * 1024;

/** A sender with context takeover: one raw deflate stream, a sync flush per message, 00 00 ff ff removed. */
async function compressAll(messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const z = createDeflateRaw({ windowBits: 15 });
  const out: Uint8Array[] = [];
  for (const m of messages) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): number => chunks.push(c);
    z.on('data', onData);
    z.write(m);
    await new Promise<void>((resolve) => z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    z.off('data', onData);
    const all = Buffer.concat(chunks);
    out.push(all.subarray(0, all.length - 4));
  }
  z.close();
  return out;
}

/** Text messages made of words from one vocabulary, so later messages refer back to earlier ones. */
function conversation(count: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary = Array.from({ length: 400 }, () =>
    Array.from({ length: 5 + Math.floor(random() * 8) }, () => letters[Math.floor(random() * 26)]).join(''),
  );
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 20 + Math.floor(random() * 60) }, () => vocabulary[Math.floor(random() * 400)]);
    return new TextEncoder().encode(`#${i} ${words.join(' ')}`);
  });
}

interface Decoded {
  readonly messages: MessageEvent[];
  readonly frames: FrameEvent[];
  readonly checkpoints: DeflateCheckpoint[];
}

function decode(stream: Uint8Array, every: number): Decoded {
  const events: InspectEvent[] = [];
  const checkpoints: DeflateCheckpoint[] = [];
  const session = new SessionDecoder({
    conn: 1,
    expectHandshake: false,
    assumeDeflate: { client: TAKEOVER, server: TAKEOVER },
    onEvent: (e) => events.push(e),
    checkpoints: { every, onCheckpoint: (c) => checkpoints.push(c) },
  });
  session.handle({
    kind: 'open',
    conn: 1,
    endpoints: { client: 'a:1', server: 'b:2' },
    time: null,
    detectedBy: 'heuristic',
  });
  session.handle({ kind: 'data', conn: 1, dir: 's2c', bytes: stream, time: null });
  session.handle({ kind: 'end', conn: 1, reason: 'input-ended', time: null });
  return {
    messages: events.filter((e): e is MessageEvent => e.type === 'message'),
    frames: events.filter((e): e is FrameEvent => e.type === 'frame'),
    checkpoints,
  };
}

describe('deflate checkpoints', async () => {
  const COUNT = 1000;
  const EVERY = 64;
  const plain = conversation(COUNT, 0xc0ffee);
  const compressed = await compressAll(plain);
  const stream = concatBytes(...compressed.map((payload) => buildFrame({ rsv1: true, opcode: 1, payload })));
  const full = decode(stream, EVERY);

  it('a full replay inflates every message as sent', () => {
    expect(full.messages).toHaveLength(COUNT);
    full.messages.forEach((m, i) => expect(Buffer.from(m.data).equals(Buffer.from(plain[i]!))).toBe(true));
    expect(full.checkpoints.map((c) => c.message)).toEqual(
      Array.from({ length: Math.floor(COUNT / EVERY) }, (_, k) => (k + 1) * EVERY),
    );
    for (const c of full.checkpoints) {
      const output = plain.slice(0, c.message).reduce((n, m) => n + m.length, 0);
      expect(c.window.length).toBe(Math.min(32 * 1024, output));
      expect(c.afterFrame).toBe(full.messages[c.message - 1]!.lastFrame);
    }
  });

  for (const target of [937, 640, 65, 999]) {
    it(`message ${target + 1} of ${COUNT} inflates from the last checkpoint before it exactly as in the full replay`, () => {
      const cp = full.checkpoints.filter((c) => c.message <= target).at(-1)!;
      expect(target - cp.message).toBeLessThan(EVERY);
      const inflater = new MessageInflater(TAKEOVER, 64 * MiB, { checkpoint: cp });
      let last: Uint8Array | null = null;
      for (let m = cp.message; m <= target; m++) {
        const r = inflater.inflate(full.frames[m]!.frame.payload, true);
        expect(r.diagnostics).toEqual([]);
        last = r.data;
      }
      expect(Buffer.from(last!).equals(Buffer.from(full.messages[target]!.data))).toBe(true);
    });
  }

  it('zlib takes the window as the dictionary of a raw inflate, as RFC 7692 §7.2.2 frames a message', () => {
    for (const cp of full.checkpoints) {
      const next = full.frames[cp.message]!.frame.payload;
      const out = inflateRawSync(concatBytes(next, Uint8Array.of(0, 0, 0xff, 0xff)), {
        dictionary: cp.window,
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      expect(out.equals(Buffer.from(plain[cp.message]!))).toBe(true);
    }
  });

  it('without the window the same message does not inflate to the same bytes (the checkpoint is needed)', () => {
    const target = 937;
    const cp = full.checkpoints.filter((c) => c.message <= target).at(-1)!;
    const empty = new MessageInflater(TAKEOVER, 64 * MiB, {
      checkpoint: { window: new Uint8Array(0), fromStart: false },
    });
    let same = true;
    for (let m = cp.message; m <= target; m++) {
      const r = empty.inflate(full.frames[m]!.frame.payload, true);
      if (m === target) same = Buffer.from(r.data).equals(Buffer.from(full.messages[target]!.data));
    }
    expect(same).toBe(false);
  });

  it('no checkpoints without context takeover, nor when not asked for', () => {
    expect(decode(stream, 0).checkpoints).toEqual([]);
    const events: InspectEvent[] = [];
    const checkpoints: DeflateCheckpoint[] = [];
    const noTakeover = { windowBits: 15, noContextTakeover: true };
    const session = new SessionDecoder({
      conn: 1,
      expectHandshake: false,
      assumeDeflate: { client: noTakeover, server: noTakeover },
      onEvent: (e) => events.push(e),
      checkpoints: { every: 1, onCheckpoint: (c) => checkpoints.push(c) },
    });
    session.handle({ kind: 'data', conn: 1, dir: 's2c', bytes: stream.subarray(0, 200), time: null });
    expect(checkpoints).toEqual([]);
  });
});
