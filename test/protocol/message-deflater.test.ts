// The permessage-deflate compressor: RFC 7692's example bytes, empty messages as ws sends
// them, window handling, and what our inflater makes of the output.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { maxMatchDistance } from '../../src/protocol/max-match-distance.js';
import { MessageDeflater } from '../../src/protocol/message-deflater.js';
import { MessageInflater } from '../../src/protocol/message-inflater.js';

/** ws's extension object (not in its package exports: loaded relative to ws's own entry point). */
interface WsPerMessageDeflate {
  params: Record<string, number | boolean>;
  compress(data: Uint8Array, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  decompress(data: Uint8Array, fin: boolean, cb: (error: Error | null, out?: Buffer) => void): void;
  cleanup(): void;
}
const requireFromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
const PerMessageDeflate = requireFromWs('./lib/permessage-deflate.js') as new (
  options: object,
  isServer: boolean,
  maxPayload: number,
) => WsPerMessageDeflate;

const MiB = 1024 * 1024;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * A ws endpoint that negotiated `windowBits` and context takeover for the client's messages:
 * a client compresses with them, a server inflates with them.
 */
function wsEndpoint(isServer: boolean, windowBits: number, noContextTakeover: boolean): WsPerMessageDeflate {
  const pmd = new PerMessageDeflate({}, isServer, 0);
  pmd.params = {
    client_max_window_bits: windowBits,
    ...(noContextTakeover ? { client_no_context_takeover: true } : {}),
  };
  return pmd;
}

function wsCall(pmd: WsPerMessageDeflate, op: 'compress' | 'decompress', data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pmd[op](data, true, (error, out) => (error === null ? resolve(out!) : reject(error))),
  );
}

describe('MessageDeflater: the bytes', () => {
  it('RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello", then "Hello" again from the shared window', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false });
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f200110000');
  });

  it('without context takeover each message stands alone', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: true });
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
  });

  it('an empty message is the single 00 octet (RFC 7692 §7.2.3.6), as ws sends it', async () => {
    for (const liveStream of [true, false]) {
      const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false }, { liveStream });
      const ws = wsEndpoint(false, 15, false);
      expect(hexOf(deflater.deflate(new Uint8Array(0)))).toBe('00');
      expect(hexOf(await wsCall(ws, 'compress', new Uint8Array(0)))).toBe('00');
      deflater.deflate(utf8('Hello'));
      await wsCall(ws, 'compress', utf8('Hello'));
      expect(hexOf(deflater.deflate(new Uint8Array(0)))).toBe('00');
      expect(hexOf(await wsCall(ws, 'compress', new Uint8Array(0)))).toBe('00');
      deflater.close();
      ws.cleanup();
    }
  });

  it('a large incompressible message grows the output past the scratch buffer', () => {
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff);
    for (const liveStream of [true, false]) {
      const out = new MessageDeflater({ windowBits: 15, noContextTakeover: false }, { liveStream }).deflate(data);
      const back = new MessageInflater({ windowBits: 15, noContextTakeover: false }, MiB).inflate(out, true);
      expect(back.diagnostics).toEqual([]);
      expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('reset() starts a new context: the receiver must reset too', () => {
    const deflater = new MessageDeflater({ windowBits: 15, noContextTakeover: false });
    deflater.deflate(utf8('Hello'));
    deflater.reset();
    expect(hexOf(deflater.deflate(utf8('Hello')))).toBe('f248cdc9c90700');
  });

  it('refuses window bits outside 8–15', () => {
    for (const windowBits of [7, 16, Number.NaN])
      expect(() => new MessageDeflater({ windowBits, noContextTakeover: false })).toThrow(RangeError);
  });

  it('window bits 8: zlib works with 9 but never refers more than 250 bytes back', () => {
    // a 200-byte pattern repeated: matches at distance 200 (allowed), never at 400
    const block = Uint8Array.from({ length: 200 }, (_, i) => (Math.imul(i, 2654435761) >>> 11) & 0xff);
    const data = new Uint8Array(4000).map((_, i) => block[i % 200]);
    const out = new MessageDeflater({ windowBits: 8, noContextTakeover: true }).deflate(data);
    expect(out.length).toBeLessThan(400);
    expect(maxMatchDistance(out, 256)).toBeLessThanOrEqual(250);
  });
});
