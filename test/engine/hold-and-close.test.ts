// Holds, delays and closes through the engine, between real ws peers: a held message keeps
// later data of its direction waiting but not pings, pongs or the other direction; a close
// while a message is held completes on both sides (the held message is dropped, with a
// note); the engine's own close is a clean close handshake on both legs.
import { describe, expect, it } from 'vitest';
import type { Decider, EngineMessage, MessageVerdict } from '../../src/engine/verdict.js';
import { closed, nextMessage } from '../sources/proxy/proxy-harness.js';
import { changed, startPeers, until } from './engine-peers.js';

/** Holds text messages that start with "hold"; closes on "close"; passes the rest. */
const decider: Decider = {
  message(msg: EngineMessage): MessageVerdict {
    const text = Buffer.from(msg.data).toString();
    if (text.startsWith('hold')) return { hold: true };
    if (text.startsWith('delay')) return { delayMs: 50 };
    if (text === 'close') return { close: { code: 4000, reason: 'stopped by rule' } };
    return {};
  },
};

const texts = (list: { data: Buffer }[]): string[] => list.map((m) => m.data.toString());

describe('held messages, pings and closes through the engine', () => {
  for (const deflate of [false, { threshold: 0 }] as const) {
    const label = deflate === false ? 'uncompressed' : 'permessage-deflate';
    it(`${label}: a held message stops neither pings nor the other direction; later data waits behind it`, async () => {
      const peers = await startPeers(decider, { serverDeflate: deflate, clientDeflate: deflate });
      try {
        peers.client.send('hold 1');
        peers.client.send('after the held one');
        // the other direction flows
        peers.server.send('from the server');
        expect((await nextMessage(peers.client)).toString()).toBe('from the server');
        // a ping and its pong pass while the message is held
        const pong = new Promise<string>((resolve) => peers.client.once('pong', (d) => resolve(d.toString())));
        peers.client.ping('are you there');
        expect(await pong).toBe('are you there');
        const serverPong = new Promise<string>((resolve) => peers.server.once('pong', (d) => resolve(d.toString())));
        peers.server.ping('and you');
        expect(await serverPong).toBe('and you');
        expect(peers.received.c2s).toEqual([]);
        expect(peers.engines[0].waiting('c2s')).toBe(2);
        peers.engines[0].release();
        await until(() => peers.received.c2s.length === 2, 'the held messages');
        expect(texts(peers.received.c2s)).toEqual(['hold 1', 'after the held one']);
        expect(peers.errors).toEqual([]);
      } finally {
        await peers.close();
      }
    });

    it(`${label}: a close while a message is held completes on both sides; the held message is dropped`, async () => {
      const peers = await startPeers(decider, { serverDeflate: deflate, clientDeflate: deflate });
      try {
        peers.client.send('hold this');
        // the ping follows the message on the client's TCP stream: once its pong is back, the message is held
        const pong = new Promise((resolve) => peers.client.once('pong', resolve));
        peers.client.ping();
        await pong;
        expect(peers.engines[0].waiting('c2s')).toBe(1);
        const clientClosed = closed(peers.client);
        const serverClosed = closed(peers.server);
        peers.client.close(1000, 'bye');
        expect(await serverClosed).toEqual({ code: 1000, reason: 'bye' });
        expect(await clientClosed).toEqual({ code: 1000, reason: 'bye' });
        expect(peers.received.c2s).toEqual([]);
        expect(peers.dropped).toEqual(['c2s sent after the connection closed hold this']);
        expect(peers.notes.some((n) => n.includes('still waiting were dropped'))).toBe(true);
        expect(peers.errors).toEqual([]);
      } finally {
        await peers.close();
      }
    });
  }

  it('releases a held message after the hold timeout, with a note', async () => {
    const peers = await startPeers(decider, { serverDeflate: { threshold: 0 }, holdTimeoutMs: 100 });
    try {
      peers.client.send('hold for a while');
      await until(() => peers.received.c2s.length === 1, 'the message, released');
      expect(texts(peers.received.c2s)).toEqual(['hold for a while']);
      expect(peers.notes).toContain('a held c2s message was released after 0.1 s (--hold-timeout)');
    } finally {
      await peers.close();
    }
  });

  it('a delayed message keeps its place: the next one waits for it', async () => {
    const peers = await startPeers(decider, { serverDeflate: { threshold: 0 } });
    try {
      peers.client.send('delay me');
      peers.client.send('next');
      await until(() => peers.received.c2s.length === 2, 'both messages');
      expect(texts(peers.received.c2s)).toEqual(['delay me', 'next']);
    } finally {
      await peers.close();
    }
  });

  it("the engine's close is a clean close handshake on both legs", async () => {
    const peers = await startPeers(decider, { serverDeflate: { threshold: 0 } });
    try {
      const clientClosed = closed(peers.client);
      const serverClosed = closed(peers.server);
      peers.client.send('before');
      peers.client.send('close');
      expect(await clientClosed).toEqual({ code: 4000, reason: 'stopped by rule' });
      expect(await serverClosed).toEqual({ code: 4000, reason: 'stopped by rule' });
      changed();
      expect(texts(peers.received.c2s)).toEqual(['before']);
      expect(peers.errors).toEqual([]);
    } finally {
      await peers.close();
    }
  });
});

describe('a message the engine cannot frame', () => {
  it('is an internal error, and the next message does not take its "injected" mark', async () => {
    const peers = await startPeers({ message: () => ({}) }, { serverDeflate: false });
    try {
      // an injection with no bytes at all (a caller's bug): the engine cannot frame it
      peers.engines[0].send('c2s', 2, 12345 as unknown as Uint8Array);
      peers.client.send('after');
      await until(() => peers.received.c2s.length === 1, 'the message after');
      expect(texts(peers.received.c2s)).toEqual(['after']);
      expect(peers.marks).toEqual(['c2s wire']);
      expect(peers.notes.filter((n) => n.startsWith('internal error'))).toHaveLength(1);
    } finally {
      await peers.close();
    }
  });
});

describe('a frame over the 64 MiB limit', () => {
  it('closes both legs with 1009 and says why: nothing of it reaches the receiver', async () => {
    const peers = await startPeers({ message: () => ({}) }, { serverDeflate: false, clientDeflate: false });
    try {
      const clientClosed = closed(peers.client);
      const serverClosed = closed(peers.server);
      peers.client.send('before');
      peers.client.send(Buffer.alloc(64 * 1024 * 1024 + 1, 0x61));
      peers.client.send('after');
      expect(await clientClosed).toEqual({ code: 1009, reason: 'message too big for the proxy' });
      expect(await serverClosed).toEqual({ code: 1009, reason: 'message too big for the proxy' });
      expect(texts(peers.received.c2s)).toEqual(['before']);
      expect(peers.notes).toEqual([
        'client: a frame of 67108865 bytes is over the 67108864-byte limit and cannot be relayed; both legs closed with 1009 (message too big)',
      ]);
      expect(peers.errors).toEqual([]);
    } finally {
      await peers.close();
    }
  });
});
