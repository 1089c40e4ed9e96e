// AnswerWatch: a request's answers among the later messages of its connection, and where it
// stops looking (all answered, a stream's last result, the connection's end, a limit).
import { describe, expect, it } from 'vitest';
import { answersText } from '../../src/render/app-view.js';
import type { AppItem, InspectEvent, MessageEvent } from '../../src/session/events.js';
import { AnswerWatch } from '../../src/views/answer-watch.js';
import { messageMaker } from './view-messages.js';

const make = messageMaker();
const item = (kind: string, more: Partial<AppItem> = {}): AppItem => ({ kind, summary: kind, fields: {}, ...more });
function msg(items: AppItem[], pairIndex?: number): MessageEvent {
  const m = make('{}', 'c2s', 1);
  return {
    ...m,
    app: { protocol: 'json-rpc', items },
    ...(pairIndex === undefined ? {} : { pair: { conn: 1, index: pairIndex, latencyMs: 1.5, request: 'x' } }),
  };
}

describe('AnswerWatch', () => {
  it('nothing to watch for a message that awaits nothing', () => {
    expect(AnswerWatch.of(msg([item('notification')]))).toBeNull();
  });

  it('stops once every awaiting unit has its final answer; streamed results do not end it', () => {
    const req = msg([item('subscribe', { awaits: true })]);
    const w = AnswerWatch.of(req)!;
    expect(w.see(msg([item('next')], req.firstFrame))).toBe(true);
    expect(w.see(msg([item('other')]))).toBe(true);
    expect(w.see(msg([item('next')], req.firstFrame))).toBe(true);
    expect(w.see(msg([item('complete')], req.firstFrame))).toBe(false);
    const r = w.result();
    expect([r.count, r.until, r.found.map((f) => f.kind)]).toEqual([3, 'answered', ['next', 'next', 'complete']]);
    expect(answersText(r)).toMatch(/^3 answers: frame #\d+ \(next, 1\.5 ms later\), /);
  });

  it('a batch pairs by item; the connection end stops the watch', () => {
    const req = msg([item('request', { awaits: true }), item('request', { awaits: true })]);
    const w = AnswerWatch.of(req)!;
    const pair = { conn: 1, index: req.firstFrame, latencyMs: null, request: 'x' };
    expect(w.see(msg([item('response', { pair }), item('response', { pair: { ...pair, index: 999 } })]))).toBe(true);
    expect(w.see({ type: 'end', conn: 1, time: null } as unknown as InspectEvent)).toBe(false);
    expect(answersText(w.result())).toBe(`answered by frame #${req.firstFrame + 1}`);
  });

  it('gives up after the lookahead, and says more may follow', () => {
    const req = msg([item('request', { awaits: true })]);
    const w = AnswerWatch.of(req, 3)!;
    expect(w.see(msg([item('x')]))).toBe(true);
    expect(w.see(msg([item('x')]))).toBe(true);
    expect(w.see(msg([item('x')]))).toBe(false);
    expect(answersText(w.result())).toBe('no answer (looked 3 messages ahead)');
  });
});
