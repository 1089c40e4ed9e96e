// The STOMP view on real @stomp/stompjs 7.5.0 traffic with RabbitMQ 3.10 (Debian) web_stomp
// (fixtures/views/stomp.pcap), and on frames written from the STOMP 1.2 specification: several
// frames in one message, one frame across messages, content-length bodies holding NULs,
// header escapes, heart-beats, malformed frames.
import { describe, expect, it } from 'vitest';
import { stompView } from '../../src/views/stomp-view.js';
import { readInProcess } from '../cli/read-in-process.js';
import { fixture, itemsOf, jsonEvents } from './fixture-events.js';
import { messageMaker } from './view-messages.js';

describe('STOMP on the real RabbitMQ fixture', () => {
  it('is chosen by the sub-protocol and decodes the conversation', async () => {
    const events = await jsonEvents('stomp.pcap');
    expect(events.find((e) => e.code === 'app.view.selected')?.message).toBe(
      'view stomp (Sec-WebSocket-Protocol: v12.stomp)',
    );
    const frames = itemsOf(events).filter((i) => i.kind !== 'heartbeat');
    expect(frames.map((i) => i.command)).toEqual([
      'CONNECT',
      'CONNECTED',
      'SUBSCRIBE',
      'SEND',
      'MESSAGE',
      'RECEIPT',
      'SEND',
      'MESSAGE',
      'RECEIPT',
      'SEND',
      'ERROR',
      'DISCONNECT',
    ]);
    expect(frames[3]).toMatchObject({
      headers: { destination: '/queue/wsinspect', receipt: 'r-1' },
      body: { order: 1, item: 'tea' },
    });
    expect(frames[10]).toMatchObject({ kind: 'error', headers: { message: 'Unknown destination' } });
  });

  it('pairs receipts, CONNECTED and MESSAGEs with what asked for them', async () => {
    const events = await jsonEvents('stomp.pcap');
    const paired = itemsOf(events)
      .filter((i) => i.message.pair !== undefined)
      .map((i) => `${String(i.command)}→${(i.message.pair as { request: string }).request}`);
    expect(paired).toEqual([
      'CONNECTED→CONNECT',
      'MESSAGE→SUBSCRIBE /queue/wsinspect',
      'RECEIPT→SEND /queue/wsinspect',
      'MESSAGE→SUBSCRIBE /queue/wsinspect',
      'RECEIPT→SEND /queue/wsinspect',
    ]);
  });

  it('folds heart-beats unless --show-heartbeats', async () => {
    const folded = await readInProcess([fixture('stomp.pcap')]);
    expect(folded.stdout).toMatch(/\d+ keep-alive frames? folded/);
    const shown = await readInProcess([fixture('stomp.pcap'), '--show-heartbeats']);
    expect(shown.stdout).toContain('↳ stomp heart-beat');
  });
});

describe('STOMP frames from the specification', () => {
  const view = () => stompView({ conn: 1, path: null, strict: true });

  it('two frames in one message; one frame split over three; a body with NULs by content-length', () => {
    const v = view();
    const m = messageMaker();
    const two = v.decode(m('SEND\ndestination:/a\n\nhello\0\nSEND\ndestination:/b\nreceipt:7\n\nbye\0', 'c2s'));
    expect(two.app?.items.map((i) => [i.fields.command, i.fields.body])).toEqual([
      ['SEND', 'hello'],
      ['SEND', 'bye'],
    ]);
    expect(v.decode(m('RECEIPT\nreceipt-', 's2c')).app).toBeNull();
    expect(v.decode(m('id:7\n', 's2c')).app).toBeNull();
    const receipt = v.decode(m('\n\0', 's2c'));
    expect(receipt.app?.items[0].fields).toMatchObject({ command: 'RECEIPT', headers: { 'receipt-id': '7' } });
    expect(receipt.pair?.request).toBe('SEND /b');
    const bin = v.decode(
      m(
        new Uint8Array([
          ...new TextEncoder().encode('MESSAGE\ncontent-length:3\nsubscription:s\nx\\cy:a\\nb\n\n'),
          1,
          0,
          2,
          0,
        ]),
        's2c',
      ),
    );
    expect(bin.app?.items[0].fields).toMatchObject({
      headers: { 'x:y': 'a\nb', 'content-length': '3' },
      body: '\u0001\u0000\u0002',
    });
  });

  it('heart-beats, and malformed frames as diagnostics', () => {
    const v = view();
    const m = messageMaker();
    expect(v.decode(m('\n', 's2c')).app?.items[0]).toMatchObject({ kind: 'heartbeat', heartbeat: true });
    expect(v.decode(m('HELLO\n\n\0', 'c2s')).diagnostics[0].code).toBe('stomp.frame.malformed');
    expect(v.decode(m('SEND\ncontent-length:2\n\nabc\0', 'c2s')).diagnostics[0].code).toBe('stomp.frame.malformed');
    expect(v.decode(m('MESSAGE\nno colon\n\n\0', 'c2s')).diagnostics.map((d) => d.code)).toEqual([
      'stomp.frame.malformed',
      'stomp.frame.malformed',
    ]);
    expect(v.decode(m('SEND\ndestination:/ok\n\n\0', 'c2s')).app?.items[0].fields.command).toBe('SEND');
  });
});
