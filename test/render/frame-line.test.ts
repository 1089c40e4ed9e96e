// The byte-written frame line (FrameLineWriter through EventTextRenderer.writeFrameLine) must be
// byte-identical to the string line render() draws: on every event of every fixture, in colour
// and without, in every time format, and on random frames shaped to reach every rare part.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnostic, type Diagnostic } from '../../src/protocol/diagnostic-catalogue.js';
import type { Frame } from '../../src/protocol/frame.js';
import { EventTextRenderer, type TimeFormat } from '../../src/render/event-text.js';
import type { LineBlockSink } from '../../src/render/frame-line.js';
import { createStyle, type Style } from '../../src/render/style.js';
import { ConnectionDemux } from '../../src/session/connection-demux.js';
import type { FrameEvent, InspectEvent } from '../../src/session/events.js';
import { readCapture } from '../../src/sources/capture-source.js';
import { ROOT } from '../helpers/cli-run.js';
import { seededRandom } from '../helpers/frame-builder.js';

class GrowingSink implements LineBlockSink {
  private block = new Uint8Array(256);
  cursor = 0;

  reserve(n: number): Uint8Array {
    if (this.cursor + n > this.block.length) {
      const bigger = new Uint8Array(Math.max(2 * this.block.length, this.cursor + n));
      bigger.set(this.block.subarray(0, this.cursor));
      this.block = bigger;
    }
    return this.block;
  }

  commit(end: number): void {
    this.cursor = end;
  }

  text(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.reserve(bytes.length).set(bytes, this.cursor);
    this.cursor += bytes.length;
  }

  get bytes(): Uint8Array {
    return this.block.subarray(0, this.cursor);
  }
}

/** The printer's options that change a frame line: --max-payload and --errors. */
interface LineOptions {
  readonly maxPayload: number;
  readonly details: boolean;
}

const DEFAULT_LINE: LineOptions = { maxPayload: 65536, details: false };

function renderer(style: Style, time: TimeFormat, line: LineOptions): EventTextRenderer {
  return new EventTextRenderer(style, {
    frames: 'line',
    messages: 'fragmented',
    time,
    connections: true,
    explain: false,
    maxPayload: line.maxPayload,
    details: line.details,
    assumptions: [],
  });
}

/** The output of both ways, as the printer produces it: each block of render() ends with '\n'. */
function bothWays(
  events: readonly InspectEvent[],
  style: Style,
  time: TimeFormat,
  origin: number | null,
  line: LineOptions = DEFAULT_LINE,
): [string, string] {
  const strings = renderer(style, time, line);
  const bytes = renderer(style, time, line);
  if (origin !== null) {
    strings.setTimeOrigin(origin);
    bytes.setTimeOrigin(origin);
  }
  const expected = new GrowingSink();
  const actual = new GrowingSink();
  let written = 0;
  for (const ev of events) {
    for (const block of strings.render(ev)) expected.text(block + '\n');
    if (ev.type === 'frame' && bytes.writeFrameLine(ev, actual)) written++;
    else for (const block of bytes.render(ev)) actual.text(block + '\n');
  }
  expect(written).toBe(events.filter((e) => e.type === 'frame').length);
  const decoder = new TextDecoder();
  return [decoder.decode(actual.bytes), decoder.decode(expected.bytes)];
}

const STYLES = [
  createStyle({ color: false }),
  createStyle({ color: true, level: 1 }),
  createStyle({ color: true, level: 3 }),
];
const TIMES: TimeFormat[] = ['relative', 'absolute', 'delta', 'none'];

async function captureEvents(path: string): Promise<{ events: InspectEvent[]; origin: number | null }> {
  const events: InspectEvent[] = [];
  const demux = new ConnectionDemux({ limits: { keepBinaryPayload: 65537 }, onEvent: (e) => events.push(e) });
  let origin: number | null = null;
  await readCapture(path, (e) => demux.handle(e), {
    onFirstPacketTime: (t) => {
      origin = t;
    },
  });
  demux.finish(null);
  return { events, origin };
}

describe('FrameLineWriter', () => {
  const fixtures = readdirSync(join(ROOT, 'fixtures')).filter((f) => /\.pcap(ng)?$/.test(f));

  it.each(fixtures)('%s: every line as render() draws it, in every style and time format', async (name) => {
    const { events, origin } = await captureEvents(join(ROOT, 'fixtures', name));
    expect(events.some((e) => e.type === 'frame')).toBe(true);
    for (const style of STYLES) {
      for (const time of TIMES) {
        const [actual, expected] = bothWays(events, style, time, origin);
        expect(actual).toBe(expected);
      }
    }
  });

  it('random frames reaching every part of the line (previews, escapes, close, truncation, diagnostics)', () => {
    const rng = seededRandom(0x5eed);
    const events: InspectEvent[] = [
      { type: 'connection', conn: 1, time: 10, client: '10.0.0.1:5000', server: '[::1]:80', detectedBy: 'handshake' },
    ];
    for (let i = 0; i < 3000; i++) events.push(randomFrameEvent(rng, i));
    for (const style of STYLES) {
      for (const time of TIMES) {
        const [actual, expected] = bothWays(events, style, time, 9.5);
        expect(actual).toBe(expected);
      }
    }
    // --max-payload below the preview's room (down to 0) and --errors' diagnostic lines
    for (const line of [
      { maxPayload: 0, details: true },
      { maxPayload: 1, details: false },
      { maxPayload: 5, details: true },
      { maxPayload: 39, details: false },
    ]) {
      for (const style of STYLES) {
        const [actual, expected] = bothWays(events, style, 'relative', 9.5, line);
        expect(actual).toBe(expected);
      }
    }
  });
});

type Rng = () => number;

const PIECES = [
  'a',
  'hello ',
  'é',
  '日本',
  '🙂',
  '𝄞',
  '\n',
  '\\',
  '"',
  '\u202e',
  '\u200b',
  '\u2028',
  '\u00ad',
  '\u0600',
  'x'.repeat(30),
  '…',
  '\u{e0041}',
  '\u2014',
];

function randomText(rng: Rng): Uint8Array {
  let s = '';
  const n = Math.floor(rng() * 12);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rng() * PIECES.length)];
  const bytes = new TextEncoder().encode(s);
  // now and then bytes that are not UTF-8: a cut sequence, a stray continuation, an ESC
  if (rng() < 0.15 && bytes.length > 0)
    bytes[Math.floor(rng() * bytes.length)] = [0x80, 0xc3, 0xff, 0x1b][Math.floor(rng() * 4)];
  return bytes;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
}

function randomFrameEvent(rng: Rng, i: number): FrameEvent {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const opcode = pick([0, 1, 1, 1, 2, 2, 8, 9, 10, 3, 11]);
  const payload = opcode === 1 || opcode === 0 ? randomText(rng) : randomBytes(rng, pick([0, 1, 2, 19, 20, 21, 200]));
  const cut = rng() < 0.1 ? Math.floor(rng() * payload.length) : payload.length;
  const skipped = rng() < 0.05 ? 100 : 0;
  const bigLength = rng() < 0.03;
  const declared = bigLength ? 2 ** 60 : payload.length + skipped + (rng() < 0.05 ? 7 : 0);
  const masked = rng() < 0.5;
  const diagnostics: Diagnostic[] =
    rng() < 0.1
      ? Array.from({ length: pick([1, 1, 2, 3]) }, () =>
          diagnostic(
            pick(['frame.mask.missing', 'frame.rsv.unexpected', 'tcp.gap'] as const),
            pick(['x', 'quoted \x1b[31m wire \u202e text']),
          ),
        )
      : [];
  const frame: Frame = {
    offset: 0,
    fin: rng() < 0.8,
    rsv1: rng() < 0.2,
    rsv2: rng() < 0.05,
    rsv3: rng() < 0.05,
    opcode,
    masked,
    maskingKey: masked ? randomBytes(rng, 4) : null,
    lengthEncoding: bigLength ? 64 : 7,
    payloadLength: declared,
    ...(bigLength ? { payloadLengthBig: 2n ** 60n + BigInt(i) } : {}),
    headerLength: 2,
    payload: payload.subarray(0, cut),
    payloadSkipped: skipped,
    truncated: cut < payload.length,
    diagnostics,
  };
  const compressed = frame.rsv1 && rng() < 0.8;
  const textBytes = opcode === 1 && frame.fin && rng() < 0.5 ? randomText(rng) : undefined;
  const extra: Record<string, unknown> = {};
  if (textBytes !== undefined) extra.textBytes = textBytes;
  else if (opcode === 1 && rng() < 0.2) extra.text = new TextDecoder().decode(randomText(rng));
  if (compressed && opcode === 2) extra.inflated = rng() < 0.2 ? new Uint8Array(0) : randomBytes(rng, 30);
  if (opcode === 0 && rng() < 0.5) extra.messageOpcode = pick([1, 2]);
  if (opcode === 8 && rng() < 0.7)
    extra.close = {
      code: pick([1000, 1001, 4000, 1005]),
      codeName: rng() < 0.5 ? 'Normal Closure' : null,
      reason: rng() < 0.5 ? 'bye \u202e' : '',
    };
  return {
    type: 'frame',
    conn: rng() < 0.9 ? 1 : 2,
    dir: rng() < 0.5 ? 'c2s' : 's2c',
    index: Math.floor(rng() * 1e6),
    time: rng() < 0.05 ? null : 10 + i * 0.001,
    frame,
    compressed,
    diagnostics: rng() < 0.05 ? [diagnostic('message.text.invalid-utf8', 'y')] : [],
    ...extra,
  } as FrameEvent;
}
