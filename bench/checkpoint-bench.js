// What permessage-deflate checkpoints cost and buy: one server→client stream of compressed
// text messages with context takeover (seeded), decoded by SessionDecoder with a checkpoint
// every N messages (N = off, 16, 64, 256): decoding time, checkpoints kept and their memory;
// then random access: inflating a message from the last checkpoint before it against replaying
// the direction from its first message. Every inflation is checked against the text sent.
// Layer rule: bench/ — uses dist/ only.
import { constants, createDeflateRaw } from 'node:zlib';
import { MessageInflater } from '../dist/protocol/message-inflater.js';
import { SessionDecoder } from '../dist/session/session-decoder.js';
import { measureRounds, settleHeap, timeOnce } from './lib/measure.js';
import { Prng } from './lib/prng.js';
import { count, formatTable, mib, MIB } from './lib/table.js';

const SEED = 0xc4ec;
const TAKEOVER = { windowBits: 15, noContextTakeover: false };
const INTERVALS = [16, 64, 256];
const ACCESSES = 200;
const CHUNK = 64 * 1024;

export const benchmark = {
  name: 'checkpoint',
  title: 'permessage-deflate checkpoints: cost while decoding, gain for random access',
  defaultMb: 32,
  run,
};

async function run(ctx) {
  const t0 = process.hrtime.bigint();
  const input = await generate(ctx.mb * MIB);
  const genSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  ctx.log(
    `input: ${count(input.messages.length)} text messages, ${mib(input.textBytes)} MiB of text, ${mib(input.stream.length)} MiB on the wire (compressed, context takeover), seed 0x${SEED.toString(16)}, ${CHUNK / 1024} KiB chunks (generated in ${genSeconds.toFixed(1)} s)`,
  );

  const contenders = [0, ...INTERVALS].map((every) => decodeContender(input, every));
  const results = measureRounds(contenders, { runs: ctx.runs });
  const base = results.get('off').median;
  const rows = [
    ['checkpoint every', 'median s', 'vs off', 'checkpoints', 'window bytes kept', 'retained MiB', 'per checkpoint'],
  ];
  for (const c of contenders) {
    const r = results.get(c.id);
    const m = c.memory();
    rows.push([
      c.id,
      r.median.toFixed(3),
      `${(((r.median - base) / base) * 100).toFixed(1)}%`,
      count(m.checkpoints),
      mib(m.windowBytes),
      mib(m.retained),
      m.checkpoints === 0 ? '–' : `${(m.retained / m.checkpoints / 1024).toFixed(1)} KiB`,
    ]);
  }
  ctx.log(formatTable(rows));
  ctx.log(`one checkpoint taken alone (a 32 KiB copy of the window): ${checkpointMicros(input).toFixed(1)} µs`);

  const prng = new Prng(SEED ^ 0x5a5a);
  const targets = Array.from({ length: ACCESSES }, () => prng.between(0, input.messages.length - 1));
  const accessRows = [['access', 'messages inflated (mean)', 'ms per message shown (mean)']];
  const [replaySeconds, replayInflated] = timeOnce(() => accessAll(input, targets, null));
  accessRows.push([
    'full replay from message 1',
    count(replayInflated / ACCESSES),
    ((replaySeconds / ACCESSES) * 1000).toFixed(2),
  ]);
  for (const every of INTERVALS) {
    const checkpoints = decodeWith(input, every).checkpoints;
    const [seconds, inflated] = timeOnce(() => accessAll(input, targets, checkpoints));
    accessRows.push([
      `from a checkpoint every ${every}`,
      count(inflated / ACCESSES),
      ((seconds / ACCESSES) * 1000).toFixed(2),
    ]);
  }
  ctx.log(`random access: ${ACCESSES} messages picked at random (seeded), each inflated on its own`);
  ctx.log(formatTable(accessRows));
}

/** Text from a fixed vocabulary (later messages refer back), compressed by one raw deflate stream. */
async function generate(textBytes) {
  const prng = new Prng(SEED);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocabulary = Array.from({ length: 2000 }, () =>
    Array.from({ length: prng.between(4, 12) }, () => letters[prng.between(0, 25)]).join(''),
  );
  const z = createDeflateRaw({ windowBits: 15 });
  const messages = [];
  const frames = [];
  let total = 0;
  while (total < textBytes) {
    const words = Array.from(
      { length: prng.between(20, 300) },
      () => vocabulary[prng.between(0, vocabulary.length - 1)],
    );
    const text = Buffer.from(`#${messages.length} ${words.join(' ')}`);
    // one stream, a sync flush per message: its state carries over (context takeover)
    const out = await compress(z, text);
    const payload = out.subarray(0, out.length - 4); // 00 00 ff ff removed (RFC 7692 §7.2.1)
    messages.push({ text, payload });
    frames.push(frameHeader(payload.length), payload);
    total += text.length;
  }
  z.close();
  return { messages, textBytes: total, stream: Buffer.concat(frames) };
}

function compress(z, text) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const onData = (c) => chunks.push(c);
    z.on('data', onData);
    z.once('error', reject);
    z.write(text);
    z.flush(constants.Z_SYNC_FLUSH, () => {
      z.off('data', onData);
      z.off('error', reject);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** An unmasked FIN text frame header with RSV1 (server → client). */
function frameHeader(length) {
  if (length < 126) return Buffer.from([0xc1, length]);
  if (length < 65536) return Buffer.from([0xc1, 126, length >> 8, length & 0xff]);
  const h = Buffer.alloc(10);
  h[0] = 0xc1;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

function decodeWith(input, every) {
  const checkpoints = [];
  let messages = 0;
  let bad = 0;
  const session = new SessionDecoder({
    conn: 1,
    expectHandshake: false,
    assumeDeflate: { client: TAKEOVER, server: TAKEOVER },
    onEvent: (e) => {
      if (e.type !== 'message') return;
      if (e.length !== input.messages[messages].text.length) bad++;
      messages++;
    },
    checkpoints: every === 0 ? undefined : { every, onCheckpoint: (c) => checkpoints.push(c) },
  });
  const s = input.stream;
  for (let at = 0; at < s.length; at += CHUNK)
    session.handle({ kind: 'data', conn: 1, dir: 's2c', bytes: s.subarray(at, at + CHUNK), time: null });
  session.handle({ kind: 'end', conn: 1, reason: 'input-ended', time: null });
  return { checkpoints, messages, bad };
}

function decodeContender(input, every) {
  return {
    id: every === 0 ? 'off' : String(every),
    run: () => decodeWith(input, every),
    check: (r) => {
      if (r.messages !== input.messages.length || r.bad !== 0)
        throw new Error(`every ${every}: ${r.messages} messages, ${r.bad} of the wrong length`);
    },
    /** Checkpoints kept by the last run, and the memory they hold (heap + buffers, measured). */
    memory: () => {
      settleHeap();
      const before = usage();
      const kept = decodeWith(input, every).checkpoints;
      settleHeap();
      const retained = usage() - before;
      const windowBytes = kept.reduce((n, c) => n + c.window.length, 0);
      return { checkpoints: kept.length, windowBytes, retained: Math.max(0, retained) };
    },
  };
}

/** Microseconds per MessageInflater.checkpoint() with a full window, over many calls. */
function checkpointMicros(input) {
  const inflater = new MessageInflater(TAKEOVER, 64 * MIB, { fromStart: true });
  for (let m = 0; m < 200 && m < input.messages.length; m++) inflater.inflate(input.messages[m].payload, true);
  const calls = 20000;
  const keep = [];
  const [seconds] = timeOnce(() => {
    for (let i = 0; i < calls; i++) keep[i & 63] = inflater.checkpoint();
  });
  return (seconds / calls) * 1e6;
}

function usage() {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Inflates each target alone: from the last checkpoint before it, or (null) from message 1. */
function accessAll(input, targets, checkpoints) {
  let inflated = 0;
  for (const target of targets) {
    let cp;
    if (checkpoints !== null) {
      // checkpoints are in message order: the last with message <= target (binary search)
      let lo = 0;
      let hi = checkpoints.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (checkpoints[mid].message <= target) lo = mid + 1;
        else hi = mid - 1;
      }
      cp = hi >= 0 ? checkpoints[hi] : undefined;
    }
    const from = cp === undefined ? 0 : cp.message;
    const inflater = new MessageInflater(
      TAKEOVER,
      64 * MIB,
      cp === undefined ? { fromStart: true } : { checkpoint: cp },
    );
    let data = null;
    for (let m = from; m <= target; m++) {
      data = inflater.inflate(input.messages[m].payload, true).data;
      inflated++;
    }
    if (!Buffer.from(data).equals(input.messages[target].text)) throw new Error(`message ${target + 1} inflated wrong`);
  }
  return inflated;
}
