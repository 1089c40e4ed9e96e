// Why the UI's list is empty, when the store gave no reason (ui/lines.ts): the screen's words.
import { describe, expect, it } from 'vitest';
import { emptyListReason, wrapWords } from '../../src/ui/lines.js';
import type { StoreStatus } from '../../src/ui/model.js';

const status = (s: Partial<StoreStatus>): StoreStatus => ({
  frames: 12,
  messages: 10,
  connections: 1,
  errors: 0,
  ended: true,
  ...s,
});

describe('an empty list says why', () => {
  it('a frame list under a filter on fields only messages have names them and the key to messages', () => {
    expect(emptyListReason('frame', 'jsonrpc.error == -32601', status({}))).toBe(
      'no frame matches the filter: jsonrpc.error is a field of messages (m lists them)',
    );
    expect(emptyListReason('frame', 'latency > 10 || stomp.header.receipt-id', status({}))).toBe(
      'no frame matches the filter: latency, stomp.header are fields of messages (m lists them)',
    );
    // frame fields, or a message list: nothing to add
    expect(emptyListReason('frame', 'len > 1000', status({}))).toBe('no frame matches the filter');
    expect(emptyListReason('message', 'jsonrpc.error', status({}))).toBe('no message matches the filter');
  });

  it('a recording (HAR, NDJSON) has messages and no frames', () => {
    expect(emptyListReason('frame', null, status({ frames: 0 }))).toBe(
      'no frames: a recording holds messages, not frames (m lists them)',
    );
    expect(emptyListReason('frame', 'text contains "x"', status({ frames: 0 }))).toContain('a recording');
  });

  it('otherwise: the end of the input, or traffic still awaited', () => {
    expect(emptyListReason('frame', null, status({ frames: 0, messages: 0 }))).toBe('no frames');
    expect(emptyListReason('message', null, status({ frames: 0, messages: 0, ended: false }))).toBe(
      'waiting for traffic…',
    );
  });

  it('a long reason wraps between words; a word longer than a line is cut', () => {
    expect(wrapWords('no frame matches the filter: jsonrpc.error is a field', 20)).toEqual([
      'no frame matches the',
      'filter:',
      'jsonrpc.error is a',
      'field',
    ]);
    expect(wrapWords('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz']);
  });
});
