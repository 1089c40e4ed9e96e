// The Socket.IO view reads EVENT and ACK packets whose JSON is compact printable ASCII from
// their bytes (no JSON.parse, the summary written as bytes into a listing). It must say exactly
// what the general way says: the same packets with a space in their JSON take the general way
// (compact() drops the space), and every unit must be equal, summary bytes included.
import { describe, expect, it } from 'vitest';
import { appJsonFields } from '../../src/render/app-view.js';
import type { AppItem, MessageEvent } from '../../src/session/events.js';
import { socketIoView } from '../../src/views/socketio-view.js';
import { messageMaker } from './view-messages.js';

const long = 'x'.repeat(300);
const CONVERSATION: [string, 'c2s' | 's2c'][] = [
  ['42["message",{"text":"hello","room":"lobby"}]', 'c2s'],
  ['421["message",{"text":"hello"}]', 'c2s'],
  ['431[{"ok":true}]', 's2c'],
  ['42/chat,7["news",{"n":1},[1,2,null,true,false],-5]', 'c2s'],
  ['43/chat,7[]', 's2c'],
  ['43/chat,8["nobody asked"]', 's2c'],
  ['42["ping"]', 's2c'],
  [`42/chat,9["long","${long}"]`, 'c2s'],
  [`43/chat,9["${long}"]`, 's2c'],
  ['42["odd\u007fname",1]', 'c2s'],
  ['42["é",1]', 'c2s'],
  ['42[5,1]', 'c2s'],
  ['4212["a",{"b":1,"b":2}]', 'c2s'],
  ['4313[1.5,1e3,12345678901234567]', 's2c'],
  ['42/a\\b,["x"]', 'c2s'],
  ['420012["z",2]', 'c2s'],
  ['43012[2]', 's2c'],
];

function units(packets: [string, 'c2s' | 's2c'][]): { item: AppItem; pair: unknown; diagnostics: string[] }[] {
  const view = socketIoView({ conn: 1, path: '/socket.io/?EIO=4&transport=websocket', strict: true });
  const make = messageMaker();
  return packets.map(([text, dir], i) => {
    const d = view.decode({ ...make(text, dir, i), text: undefined } as MessageEvent);
    return { item: d.app!.items[0], pair: d.pair, diagnostics: d.diagnostics.map((x) => x.code) };
  });
}

/** The same packet with a space after the JSON's first '[': not compact, so read the general way. */
const spaced = (text: string): string => text.replace(/\[/, '[ ');

describe('Socket.IO EVENT and ACK read from their bytes', () => {
  it('say what the general way says', () => {
    const fast = units(CONVERSATION);
    const general = units(CONVERSATION.map(([t, d]) => [spaced(t), d]));
    expect(fast.filter((u) => u.item.writeSummary !== undefined).length).toBeGreaterThan(8);
    expect(general.every((u) => u.item.writeSummary === undefined)).toBe(true);
    for (let i = 0; i < fast.length; i++) {
      const f = fast[i];
      const g = general[i];
      expect(f.item.summary, CONVERSATION[i][0]).toBe(g.item.summary);
      expect(appJsonFields({ protocol: 'socket.io', items: [f.item] }, undefined, 100)).toBe(
        appJsonFields({ protocol: 'socket.io', items: [g.item] }, undefined, 100),
      );
      expect([f.item.kind, f.item.request, f.item.awaits, f.item.error, f.item.pair]).toEqual([
        g.item.kind,
        g.item.request,
        g.item.awaits,
        g.item.error,
        g.item.pair,
      ]);
      expect(f.pair).toEqual(g.pair);
      expect(f.diagnostics).toEqual(g.diagnostics);
      if (f.item.writeSummary !== undefined) {
        const out = new Uint8Array(f.item.summaryRoom!);
        const end = f.item.writeSummary(out, 0);
        if (end >= 0) expect(new TextDecoder().decode(out.subarray(0, end))).toBe(f.item.summary);
      }
    }
  });
});
