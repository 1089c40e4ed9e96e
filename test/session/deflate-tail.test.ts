// RFC 7692 §7.2.2: a receiver appends 00 00 ff ff to a compressed message before inflating
// it. Through the session as `wsinspect hex` runs it (permessage-deflate assumed, context
// takeover): without that tail the sender's stream is left inside an empty stored block, so
// the next message's first bytes are read as its LEN/NLEN, and a message cut inside a block
// passes for a whole one.
import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFrame, concatBytes, hex } from '../helpers/frame-builder.js';
import { codes, ofType, runHex } from '../helpers/session-run.js';

/** A permessage-deflate sender with context takeover: one raw deflate stream, a sync flush per message, 00 00 ff ff removed (§7.2.1). */
class Sender {
  private readonly z: DeflateRaw = createDeflateRaw({ windowBits: 15 });
  async send(message: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer): number => chunks.push(c);
    this.z.on('data', onData);
    this.z.write(Buffer.from(message));
    await new Promise<void>((resolve) => this.z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    this.z.off('data', onData);
    const out = Buffer.concat(chunks);
    expect(out.subarray(out.length - 4).toString('hex')).toBe('0000ffff');
    return out.subarray(0, out.length - 4);
  }
  close(): void {
    this.z.close();
  }
}

async function conversation(messages: string[], masked: boolean): Promise<Uint8Array> {
  const sender = new Sender();
  const frames: Uint8Array[] = [];
  for (const m of messages)
    frames.push(
      buildFrame({
        rsv1: true,
        payload: await sender.send(m),
        maskingKey: masked ? [0xa1, 0xb2, 0xc3, 0xd4] : undefined,
      }),
    );
  sender.close();
  return concatBytes(...frames);
}

describe.each([
  ['server', false, 's2c'],
  ['client', true, 'c2s'],
] as const)('session: compressed messages from the %s need the 00 00 ff ff tail', (_side, masked, dir) => {
  it('"Hello", "H", "Hello" from one zlib stream: the 3-byte second message is not read as LEN/NLEN', async () => {
    const wire = await conversation(['Hello', 'H', 'Hello'], masked);
    // what zlib sends: the second message is shorter than a stored block's LEN and NLEN
    expect(wire.length).toBe(3 * (masked ? 6 : 2) + 7 + 3 + 5);
    const events = runHex(wire);
    expect(ofType(events, 'message').map((m) => [m.dir, m.text, m.compressed, codes(m)])).toEqual([
      [dir, 'Hello', true, []],
      [dir, 'H', true, []],
      [dir, 'Hello', true, []],
    ]);
    expect(ofType(events, 'frame').map((f) => [f.text, codes(f)])).toEqual([
      ['Hello', []],
      ['H', []],
      ['Hello', []],
    ]);
  });

  it('a message that stops inside a DEFLATE block is not a whole message', () => {
    // "Hell" of RFC 7692 §7.2.3.1 without the rest of its block: the tail does not end it
    const key = masked ? [1, 2, 3, 4] : undefined;
    const events = runHex(buildFrame({ rsv1: true, payload: hex('f2 48 cd c9 c9'), maskingKey: key }));
    const [message] = ofType(events, 'message');
    expect([message.dir, message.text, message.inflate?.partial, codes(message)]).toEqual([
      dir,
      'Hell',
      true,
      ['deflate.inflate-failed'],
    ]);
    expect(message.diagnostics[0].message).toContain('ends inside a DEFLATE block');
  });

  it('any conversation from one zlib stream inflates back exactly, message by message', async () => {
    const word = fc.constantFrom('', 'H', 'Hello', 'a', 'ab', '{"op":"ping"}', 'hello world', 'été', '0');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(word, { maxLength: 4 }), { minLength: 2, maxLength: 8 }), async (parts) => {
        const messages = parts.map((p) => p.join(''));
        const events = runHex(await conversation(messages, masked));
        expect(ofType(events, 'message').map((m) => [m.text, codes(m)])).toEqual(messages.map((m) => [m, []]));
      }),
      { seed: 7692, numRuns: 40, endOnFailure: true },
    );
  });
});
