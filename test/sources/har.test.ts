// HAR recordings as input: a real one recorded from headless Chromium over the DevTools
// protocol (fixtures/chromium.har, made by fixtures/gen/chromium-har.mjs), the streaming
// scanner split at every boundary, and every kind of bad input the issue names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InspectEvent } from '../../src/session/events.js';
import { HarEvents } from '../../src/sources/har-source.js';
import { recordingKindOf } from '../../src/sources/recording-sniff.js';
import { ROOT, runCli } from '../helpers/cli-run.js';

const fixture = join(ROOT, 'fixtures', 'chromium.har');
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-har-'));
let n = 0;
/** A HAR file written from text (named .json: content decides, not the name). */
function harFile(text: string): string {
  const path = join(dir, `in-${++n}.json`);
  writeFileSync(path, text);
  return path;
}

interface JsonEvent {
  type: string;
  conn?: number;
  dir?: string;
  text?: string;
  data?: string;
  code?: string;
  message?: string;
  source?: string;
  reason?: string;
  side?: string;
  acceptValid?: boolean;
  diagnostics?: { code: string; message: string }[];
}
const events = (stdout: string): JsonEvent[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JsonEvent);

/** Events of a HAR given in chunks of the sizes listed (repeated), as the scanner hands them out. */
function decode(bytes: Uint8Array, sizes: number[] = [bytes.length]): InspectEvent[] {
  const out: InspectEvent[] = [];
  const har = new HarEvents((ev) => out.push(ev));
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length]);
    har.push(bytes.subarray(at, at + size));
    at += size;
  }
  har.end();
  return out;
}

const ENTRY_HEAD = `"request":{"method":"GET","url":"ws://h:9/s","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"h:9"},{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},{"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="},{"name":"Sec-WebSocket-Version","value":"13"}]},"response":{"status":101,"statusText":"Switching Protocols","headers":[{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},{"name":"Sec-WebSocket-Accept","value":"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}]}`;
const har = (entries: string) => `{"log":{"version":"1.2","creator":{"name":"t"},"entries":[${entries}]}}`;
const wsEntry = (messages: string, extra = '') =>
  `{"_resourceType":"websocket",${ENTRY_HEAD}${extra},"_webSocketMessages":[${messages}]}`;

describe('HAR from headless Chromium (DevTools protocol, real ws server)', () => {
  const expected = JSON.parse(readFileSync(`${fixture}.expected.json`, 'utf8')) as {
    messages: { dir: string; text?: string; hex?: string }[];
  };

  it('is recognised by content and read as one connection: handshake checked, every message in order per direction', () => {
    const r = runCli([fixture, '--json']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const ev = events(r.stdout);
    // the page sends JSON: the application view says it chose the JSON view (issue 16)
    expect(ev.filter((e) => e.type === 'diagnostic').map((e) => e.code)).toEqual([
      'har.messages-only',
      'app.view.selected',
    ]);
    expect(ev.filter((e) => e.type === 'connection').map((e) => e.source)).toEqual(['har']);
    const response = ev.find((e) => e.type === 'handshake' && e.side === 'response');
    expect(response?.acceptValid).toBe(true);
    expect(ev.some((e) => e.type === 'frame')).toBe(false);
    for (const d of ['c2s', 's2c']) {
      const got = ev
        .filter((e) => e.type === 'message' && e.dir === d)
        .map((e) => (e.text !== undefined ? { text: e.text } : { hex: e.data }));
      const want = expected.messages.filter((m) => m.dir === d).map(({ dir: _, ...m }) => m);
      expect(got).toEqual(want);
    }
    expect(ev.at(-1)).toMatchObject({ type: 'end', conn: 1 });
  });

  it('any chunking decodes the same as the whole file (the scanner keeps state across chunks)', () => {
    const bytes = readFileSync(fixture);
    const whole = JSON.stringify(decode(bytes));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(JSON.stringify(decode(bytes, sizes))).toBe(whole);
      }),
    );
    expect(JSON.stringify(decode(bytes, [1]))).toBe(whole);
  });

  it('the text listing shows messages (no frames) and ends with message counts', () => {
    const r = runCli([fixture, '-s']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('(from a HAR recording)');
    expect(r.stdout).toMatch(/handshake GET \/chat\?room=1 → 101, Sec-WebSocket-Accept ✓ \(permessage-deflate\)/);
    expect(r.stdout).toContain('text message, 19 B: "hello from Chromium"');
    expect(r.stdout).toContain('ended (input-ended): 10 messages (4 client→server, 6 server→client)');
  });
});

describe('HAR content', () => {
  it('messages before the request in an entry are held, then follow the handshake', () => {
    const text = har(
      `{"_resourceType":"websocket","_webSocketMessages":[{"type":"send","time":1,"opcode":1,"data":"early"}],${ENTRY_HEAD}}`,
    );
    const ev = decode(new TextEncoder().encode(text));
    expect(ev.map((e) => e.type)).toEqual(['diagnostic', 'connection', 'handshake', 'handshake', 'message', 'end']);
  });

  it('ISO times, error entries, HTTP Toolkit close, several connections, non-WebSocket entries skipped', () => {
    const text = har(
      [
        `{"request":{"url":"http://h/"},"response":{"status":200,"content":{"text":"{[\\"]}"}}}`,
        wsEntry(
          `{"type":"send","time":"2026-12-02T10:00:00.250Z","opcode":1,"data":"a"},{"type":"error","time":1,"opcode":-1,"data":"net::ERR_CONNECTION_RESET"}`,
          `,"_webSocketClose":{"code":4001,"reason":"bye"}`,
        ),
        wsEntry(`{"type":"receive","time":2,"opcode":2,"data":"AQI="}`),
      ].join(','),
    );
    const r = runCli([harFile(text), '--json']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const ev = events(r.stdout);
    expect(ev.filter((e) => e.type === 'connection').map((e) => e.conn)).toEqual([1, 2]);
    const first = ev.find((e) => e.type === 'message' && e.conn === 1) as JsonEvent & { ts: number };
    expect(first.ts).toBe(Date.parse('2026-12-02T10:00:00.250Z') / 1000);
    expect(ev.find((e) => e.code === 'har.message.error')?.message).toContain('net::ERR_CONNECTION_RESET');
    expect(ev.find((e) => e.code === 'har.close')?.message).toBe('closed with 4001 "bye"');
    expect(ev.filter((e) => e.type === 'end').map((e) => e.reason)).toEqual(['close-handshake', 'input-ended']);
    expect(ev.find((e) => e.type === 'message' && e.conn === 2)?.data).toBe('0102');
  });

  it('wrong types and bad base64 are diagnostics on that message; the rest decodes', () => {
    const text = har(
      wsEntry(
        [
          `{"type":"sideways","time":1,"opcode":1,"data":"x"}`,
          `{"type":"send","time":true,"opcode":1,"data":"y"}`,
          `{"type":"send","time":1,"opcode":2,"data":"%%%"}`,
          `{"type":"send","time":1,"opcode":7,"data":"z"}`,
          `{"type":"send","time":1,"opcode":1,"data":42}`,
          `"not an object"`,
          `{"type":"receive","time":3,"opcode":1,"data":"fine"}`,
        ].join(','),
      ),
    );
    const r = runCli([harFile(text), '--json']);
    expect(r.status).toBe(0);
    const ev = events(r.stdout);
    const codes = ev.flatMap((e) => [...(e.diagnostics ?? []).map((d) => d.code), ...(e.code ? [e.code] : [])]);
    expect(codes.filter((c) => c === 'har.message.invalid')).toHaveLength(6);
    expect(ev.filter((e) => e.type === 'message').at(-1)).toMatchObject({ dir: 's2c', text: 'fine', diagnostics: [] });
  });

  it('wrong-typed entry fields are har.entry.invalid on the connection; the rest decodes', () => {
    const msg = `{"type":"receive","time":2,"opcode":1,"data":"kept"}`;
    const entryProblems = (ev: InspectEvent[]) =>
      ev.flatMap((e) =>
        e.type === 'diagnostic' && e.diagnostic.code === 'har.entry.invalid' ? [[e.conn, e.diagnostic.message]] : [],
      );
    const text = (entry: string) => decode(new TextEncoder().encode(har(entry)));
    const messages = (ev: InspectEvent[]) => ev.flatMap((e) => (e.type === 'message' ? [e.text] : []));

    // _webSocketMessages that is no array: a connection still, and it says why it is empty
    for (const wrong of ['{"0":{"type":"send","data":"x"}}', '"hello"']) {
      const ev = text(`{${ENTRY_HEAD},"_webSocketMessages":${wrong}}`);
      expect(ev.filter((e) => e.type === 'connection')).toHaveLength(1);
      expect(entryProblems(ev)).toEqual([[1, `_webSocketMessages is ${wrong}, not an array: no messages were read`]]);
      expect(ev.at(-1)).toMatchObject({ type: 'end', conn: 1 });
    }

    // response.status "101": read as 101, with the problem said
    const status = text(wsEntry(msg).replace('"status":101', '"status":"101"'));
    const response = status.find((e) => e.type === 'handshake' && e.handshake.side === 'response');
    expect(response?.type === 'handshake' && response.handshake.side === 'response' && response.handshake.status).toBe(
      101,
    );
    expect(entryProblems(status)).toEqual([[1, 'response.status is the string "101", not a number: read as 101']]);
    expect(messages(status)).toEqual(['kept']);
    const noStatus = text(wsEntry(msg).replace('"status":101', '"status":true'));
    expect(noStatus.some((e) => e.type === 'handshake' && e.handshake.side === 'response')).toBe(false);
    expect(entryProblems(noStatus)).toEqual([[1, 'response.status is true, not a number: the response is not shown']]);

    // request.url that is not a string, or not a URL
    const url = text(wsEntry(msg).replace('"url":"ws://h:9/s"', '"url":42'));
    expect(entryProblems(url)).toEqual([
      [1, 'request.url is 42, not a string: the path is shown as / and the server as ?'],
    ]);
    expect(messages(url)).toEqual(['kept']);
    expect(entryProblems(text(wsEntry(msg).replace('"url":"ws://h:9/s"', '"url":"no url"')))).toEqual([
      [1, 'request.url "no url" is not a URL: the path is shown as / and the server as ?'],
    ]);

    // 1e999 is Infinity once parsed: said as out of range, not as "null"
    const started = text(wsEntry(msg, ',"startedDateTime":1e999'));
    expect(entryProblems(started)).toEqual([
      [
        1,
        'startedDateTime Infinity (a number out of range) is neither an ISO date nor epoch seconds: the connection has no start time',
      ],
    ]);
    const time = text(wsEntry(msg.replace('"time":2', '"time":1e999')));
    const timed = time.find((e) => e.type === 'message');
    expect(timed?.type === 'message' && timed.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['har.message.invalid', 'time Infinity (a number out of range) is neither epoch seconds nor an ISO date'],
    ]);

    // a well-formed entry has none
    expect(entryProblems(text(wsEntry(msg, ',"startedDateTime":"2026-12-02T10:00:00Z"')))).toEqual([]);
  });

  it('an entry whose _webSocketMessages is no array is listed (not "no WebSocket connection") with the reason', () => {
    const r = runCli([harFile(har(`{${ENTRY_HEAD},"_webSocketMessages":"hello"}`)), '-s']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(
      'har.entry.invalid  _webSocketMessages is "hello", not an array: no messages were read  (HAR 1.2 §entries)',
    );
    expect(r.stdout).toContain('connection 1 ended (input-ended)');
  });

  it('a message nested deeper than the stack is a diagnostic, not a crash; the rest decodes', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = har(
      wsEntry(`${deep},{"type":"send","time":1,"data":${deep}},{"type":"send","time":1,"opcode":1,"data":"after"}`),
    );
    const ev = decode(new TextEncoder().encode(text));
    const problems = ev.flatMap((e) =>
      e.type === 'diagnostic'
        ? [e.diagnostic.message]
        : e.type === 'message'
          ? e.diagnostics.map((d) => d.message)
          : [],
    );
    expect(problems).toContain('a message that is not an object: […]');
    expect(problems).toContain('data is […], not a string');
    expect(ev.filter((e) => e.type === 'message').at(-1)).toMatchObject({ text: 'after', diagnostics: [] });
  });

  it('malformed JSON inside one message is skipped with its byte offset; later messages decode', () => {
    const good = `{"type":"send","time":1,"opcode":1,"data":"before"}`;
    const bad = `{"type":"send","time":1,"opcode":1,"data":"x" "oops":1}`;
    const text = har(wsEntry([good, bad, `{"type":"send","time":1,"opcode":1,"data":"after"}`].join(',')));
    const r = runCli([harFile(text), '--json']);
    expect(r.status).toBe(0);
    const ev = events(r.stdout);
    expect(ev.filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['before', 'after']);
    const broken = ev.find((e) => e.code === 'recording.malformed');
    const at = text.indexOf(bad) + bad.indexOf('"oops"');
    expect(broken?.message).toBe(`malformed JSON in message 2 of log.entries[0] at byte ${at}; skipped`);
  });
});

describe('HAR input that is not one, or is cut', () => {
  it('a file cut inside the messages shows what was read, then one line with the offset (exit 2)', () => {
    const second = `{"type":"send","time":1,"opcode":1,"data":"lost"}`;
    const text = har(wsEntry(`{"type":"send","time":1,"opcode":1,"data":"kept"},${second}`));
    const cut = text.slice(0, text.indexOf(second) + 20);
    const r = runCli([harFile(cut), '-s']);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('"kept"');
    expect(r.stdout).toContain('connection 1 ended (input-ended)');
    expect(r.stderr).toBe(
      `wsinspect: ${join(dir, `in-${n}.json`)}: the file ends early, inside message 2 of log.entries[0] (byte ${Buffer.byteLength(cut)})\n`,
    );
  });

  it('JSON that is not a HAR, and a HAR without WebSocket, each say so in one line', () => {
    const notHar = runCli([harFile('{"hello":"world"}')]);
    expect([notHar.status, notHar.stdout]).toEqual([2, '']);
    expect(notHar.stderr).toMatch(/: JSON, but not a HAR \(no log\.entries\)\n$/);
    const noWs = runCli([harFile(har(`{"request":{"url":"http://h/"},"response":{"status":200}}`))]);
    expect([noWs.status, noWs.stdout]).toEqual([0, '']);
    expect(noWs.stderr).toMatch(/: no WebSocket connection in this HAR \(no entry has _webSocketMessages\)\n$/);
    const broken = runCli([harFile('{"log":{"entries":[}}')]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/unexpected "\}" \(byte 19\)\n$/);
  });

  it('escape sequences from the recording never reach the terminal raw', () => {
    const r = runCli([harFile(har(wsEntry(`{"type":"send","time":1,"opcode":1,"data":"\\u001b[2J\\u0007"}`))), '-s']);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('\\x1b[2J\\x07');
  });

  it('content decides: a pcap is not taken for a recording, NDJSON of ours is recognised', () => {
    expect(recordingKindOf(readFileSync(join(ROOT, 'fixtures', 'plain.pcap')).subarray(0, 64))).toBeNull();
    expect(recordingKindOf(new TextEncoder().encode(' \n{"log":{}}'))).toBe('har');
    expect(recordingKindOf(new TextEncoder().encode('{"type":"connection","conn":1}\n'))).toBe('ndjson');
  });
});
