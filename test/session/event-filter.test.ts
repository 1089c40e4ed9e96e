import { describe, expect, it } from 'vitest';
import { createEventFilter } from '../../src/session/event-filter.js';
import { ofType, runHex } from '../helpers/session-run.js';

// s2c: text "hello" (#1), ping (#2), binary (#3), close (#4); c2s masked text "Hello" (#5)
const EVENTS = runHex('81 05 68 65 6c 6c 6f 89 00 82 01 ff 88 02 03 e8 81 85 37 fa 21 3d 7f 9f 4d 51 58');
const frames = (spec: Parameters<typeof createEventFilter>[0]) =>
  ofType(EVENTS.filter(createEventFilter(spec)), 'frame').map((f) => f.index);

describe('display filters', () => {
  it('--opcode by name, control and data groups', () => {
    expect(frames({ opcodes: ['text'] })).toEqual([1, 5]);
    expect(frames({ opcodes: ['control'] })).toEqual([2, 4]);
    expect(frames({ opcodes: ['binary', 'close'] })).toEqual([3, 4]);
  });
  it('--dir and --grep', () => {
    expect(frames({ dir: 'c2s' })).toEqual([5]);
    expect(frames({ grep: /^h/ })).toEqual([1]);
    expect(frames({ grep: /ello/ })).toEqual([1, 5]);
  });
  it('--errors keeps only events with problems', () => {
    const events = runHex('81 05 68 65 6c 6c 6f 83 00', { dir: 's2c' });
    expect(ofType(events.filter(createEventFilter({ errorsOnly: true })), 'frame').map((f) => f.index)).toEqual([2]);
    expect(events.filter(createEventFilter({ errorsOnly: true })).some((e) => e.type === 'end')).toBe(false);
  });
  it('--conn hides other connections', () => {
    expect(EVENTS.filter(createEventFilter({ conns: [2] }))).toEqual([]);
    expect(EVENTS.filter(createEventFilter({ conns: [1] }))).toHaveLength(EVENTS.length);
  });
});
