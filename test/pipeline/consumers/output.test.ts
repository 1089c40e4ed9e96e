import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/pipeline/consumers/output.js';
import { writeEventJson, eventJson } from '../../../src/render/json-lines.js';
import { buildFrame } from '../../helpers/frame-builder.js';
import { runHex } from '../../helpers/session-run.js';

/**
 * A stream that keeps a copy of every chunk: after its callback a Writable is done with the
 * chunk (Node's contract), which is what lets Output fill the same block again.
 */
function keeper(opts: { slow?: boolean } = {}): { stream: Writable; chunks: Uint8Array[]; text(): string } {
  const chunks: Uint8Array[] = [];
  const stream = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      if (opts.slow)
        setImmediate(cb); // done later: Output must not reuse the block meanwhile
      else cb();
    },
  });
  return { stream, chunks, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('Output', () => {
  it('writes lines, hex and JSON text in order across many blocks', async () => {
    for (const slow of [false, true]) {
      const k = keeper({ slow });
      const out = new Output(k.stream, 256);
      let expected = '';
      for (let i = 0; i < 500; i++) {
        const bytes = Buffer.from(`line ${i} "quoted" \\ \u00e9`.repeat((i % 7) + 1));
        const filler = 'x'.repeat(i % 3 === 0 ? 300 : 3); // sometimes enough to flush and refill the block
        out.line(`plain ${i} →`);
        out.text('{');
        out.hex(bytes, bytes.length);
        out.hex(bytes, bytes.length); // the same span again: copied from the block when it is still there
        out.text(filler);
        out.hex(bytes, bytes.length); // ... and after the block may have been written and refilled
        expect(out.jsonText(',', bytes)).toBe(true);
        expect(out.jsonText(',', bytes)).toBe(true);
        out.text(filler);
        expect(out.jsonText(',', bytes)).toBe(true);
        out.text('}');
        out.endLine();
        const json = JSON.stringify(bytes.toString()).slice(1, -1);
        const hex = bytes.toString('hex');
        expected += `plain ${i} →\n{${hex}${hex}${filler}${hex},${json},${json}${filler},${json}}\n`;
      }
      await out.flush();
      await new Promise((r) => k.stream.end(r));
      expect(k.text()).toBe(expected);
    }
  });

  it('jsonText writes nothing, not even its prefix, for text the terminal needs escaped', async () => {
    const k = keeper();
    const out = new Output(k.stream);
    out.text('[');
    expect(out.jsonText('"prefix":"', Buffer.from('bidi \u202e here'))).toBe(false);
    expect(out.jsonText('"prefix":"', Buffer.from([0x61, 0xff]))).toBe(false);
    expect(out.jsonText('"prefix":"', Buffer.from('del \x7f'))).toBe(false);
    out.text(']');
    out.endLine();
    await out.flush();
    expect(k.text()).toBe('[]\n');
  });

  it('frames written through it give the same JSON as eventJson', async () => {
    const bytes = Buffer.concat([
      buildFrame({ opcode: 1, payload: 'hello', maskingKey: [1, 2, 3, 4] }),
      buildFrame({ opcode: 2, payload: Buffer.alloc(300, 7), maskingKey: [9, 8, 7, 6] }),
      buildFrame({ opcode: 1, payload: 'esc \x1b[31m ‮', maskingKey: [5, 5, 5, 5] }),
      buildFrame({ opcode: 1, fin: false, payload: 'frag' }),
      buildFrame({ opcode: 0, payload: 'mented' }),
    ]);
    const events = runHex(bytes);
    expect(events.filter((e) => e.type === 'frame')).toHaveLength(5);
    const k = keeper();
    const out = new Output(k.stream, 64);
    let expected = '';
    for (const ev of events) {
      writeEventJson(ev, { maxPayload: 65536 }, out);
      out.endLine();
      expected += eventJson(ev, { maxPayload: 65536 }) + '\n';
    }
    await out.flush();
    expect(k.text()).toBe(expected);
  });

  it('a block handed to a stream that still holds it is never written over', async () => {
    const pass = new PassThrough({ highWaterMark: 16 }); // nobody reads yet: it holds every block
    const out = new Output(pass, 64);
    for (let i = 0; i < 200; i++) {
      out.text(`line ${String(i).padStart(4, '0')}`); // into the block (line() would batch them into one string)
      out.endLine();
    }
    // every block is handed over by now (writes are synchronous); flushed once the stream drains
    const flushed = out.flush();
    const got: Buffer[] = [];
    const ended = new Promise((r) => pass.once('end', r));
    pass.on('data', (c: Buffer) => got.push(Buffer.from(c)));
    await flushed;
    pass.end();
    await ended;
    const want = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join('');
    expect(Buffer.concat(got).toString()).toBe(want);
  });
});
