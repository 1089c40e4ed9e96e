// Decoder throughput: the same deterministic client-to-server byte stream, in 64 KiB chunks,
// through our SessionDecoder (frames + rules + messages + UTF-8), our bare FrameDecoder, and
// the `ws` library's Receiver. Every run is checked against the generator's counts, and one
// hashed pass per decoder checks every payload byte. Layer rule: bench/ — uses dist/ only.
import { SessionDecoder } from '../dist/session/session-decoder.js';
import { FrameDecoder } from '../dist/protocol/frame-decoder.js';
import { createHash } from 'node:crypto';
import { generateFrameMix } from './lib/frame-mix.js';
import { measureRounds, pairedRatio, timeOnce } from './lib/measure.js';
import { count, formatTable, mib, ratio, MIB } from './lib/table.js';
import { decodeWithWs, wsInfo } from './lib/ws-receiver.js';

const CHUNK = 64 * 1024;
const SEED = 0x5eed;
const TARGET_RATIO = 1.0;

export const benchmark = {
  name: 'decoder',
  title: 'WebSocket frame decoding: wsinspect vs the ws Receiver',
  defaultMb: 256,
  run,
};

function run(ctx) {
  const [genSeconds, mix] = timeOnce(() => generateFrameMix({ targetBytes: ctx.mb * MIB, seed: SEED }));
  ctx.log(
    `input: ${mib(mix.bytes.length)} MiB, ${count(mix.frames)} frames, ${count(mix.dataMessages)} data messages, all masked, seed 0x${SEED.toString(16)}, ${CHUNK / 1024} KiB chunks (generated in ${genSeconds.toFixed(1)} s)`,
  );
  ctx.log(
    formatTable([
      ['kind', 'messages', 'frames', 'payload MiB', 'wire MiB'],
      ...mix.kinds.map((k) => [k.name, count(k.messages), count(k.frames), mib(k.payloadBytes), mib(k.wireBytes)]),
    ]),
  );
  const info = wsInfo();
  ctx.log(`ws ${info.version}: unmask = ${info.unmask}; UTF-8 = ${info.utf8}`);

  const contenders = [sessionContender(mix), frameContender(mix), wsContender(mix)].filter(
    (c) => ctx.only === null || ctx.only.includes(c.id),
  );
  if (contenders.length === 0) throw new Error(`BENCH_ONLY matched no contender; ids are session, frame, ws`);
  for (const c of contenders) c.verifyBytes();
  ctx.log(
    `verified: ${contenders.map((c) => c.label).join(', ')} reproduce every message and ping/pong payload (SHA-256)`,
  );

  const results = measureRounds(contenders, { runs: ctx.runs });
  report(ctx, mix, contenders, results);
}

function report(ctx, mix, contenders, results) {
  const ws = results.get('ws');
  const rows = [['decoder', 'median s', 'best s', 'MiB/s', 'frames/s', 'messages/s', 'spread', 'vs ws']];
  for (const c of contenders) {
    const r = results.get(c.id);
    const best = Math.min(...r.seconds);
    const spread = (Math.max(...r.seconds) - best) / r.median;
    rows.push([
      c.label,
      r.median.toFixed(3),
      best.toFixed(3),
      (mix.bytes.length / MIB / r.median).toFixed(1),
      count(mix.frames / r.median),
      count(mix.dataMessages / r.median),
      `±${(spread * 50).toFixed(1)}%`,
      ws === undefined ? 'n/a' : ratio(pairedRatio(ws, r)),
    ]);
  }
  ctx.log(`\n${ctx.runs} timed rounds after one warm-up, contenders rotated each round; rates from the median run;`);
  ctx.log('"vs ws" = median over rounds of (ws time / this time) in the same round; 1 MiB = 2^20 bytes');
  ctx.log(formatTable(rows));
  const session = results.get('session');
  if (ws !== undefined && session !== undefined) {
    const r = pairedRatio(ws, session);
    const byMedian = ws.median / session.median;
    const byBest = Math.min(...ws.seconds) / Math.min(...session.seconds);
    ctx.log(
      `\ntarget: SessionDecoder ≥ ${ratio(TARGET_RATIO)} ws → ${r >= TARGET_RATIO ? 'met' : 'NOT met'} (${ratio(r)}; median runs ${ratio(byMedian)}, best runs ${ratio(byBest)})`,
    );
  }
}

/** Counters every decoder fills the same way, so a run can be checked against the generator. */
function tally() {
  return { frames: 0, messages: 0, dataBytes: 0, pings: 0, pongs: 0, problems: 0, firstProblem: '' };
}

function noteProblem(t, what) {
  if (t.problems++ === 0) t.firstProblem = what;
}

function hashes() {
  return { data: createHash('sha256'), control: createHash('sha256') };
}

/** Throws unless a run saw exactly what the generator wrote (frames: null when not observable). */
function checkTally(label, t, mix) {
  const expect = {
    messages: mix.dataMessages,
    dataBytes: mix.dataPayloadBytes,
    pings: mix.pings,
    pongs: mix.pongs,
    problems: 0,
  };
  if (t.frames !== null) expect.frames = mix.frames;
  for (const [key, want] of Object.entries(expect)) {
    if (t[key] !== want)
      throw new Error(
        `${label} decoded wrong: ${key} = ${t[key]}, expected ${want}${t.firstProblem ? ` (first problem: ${t.firstProblem})` : ''}`,
      );
  }
}

function checkHashes(label, h, mix) {
  if (h.data.digest('hex') !== mix.dataHash)
    throw new Error(`${label}: message payloads differ from what was generated`);
  if (h.control.digest('hex') !== mix.controlHash)
    throw new Error(`${label}: ping/pong payloads differ from what was generated`);
}

function chunksOf(bytes) {
  const chunks = [];
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, Math.min(at + CHUNK, bytes.length)));
  return chunks;
}

/** A contender: run() decodes once and returns its tally; verifyBytes() also hashes every payload. */
function contender(id, label, mix, decode, prepare) {
  return {
    id,
    label,
    prepare,
    run: () => decode(null),
    check: (t) => checkTally(label, t, mix),
    verifyBytes() {
      prepare?.();
      const h = hashes();
      checkTally(label, decode(h), mix);
      checkHashes(label, h, mix);
    },
  };
}

function sessionContender(mix) {
  const events = chunksOf(mix.bytes).map((bytes) => ({ kind: 'data', conn: 1, dir: 'c2s', bytes, time: null }));
  const end = { kind: 'end', conn: 1, reason: 'input-ended', time: null };
  return contender('session', 'wsinspect SessionDecoder', mix, (h) => {
    const t = tally();
    const onEvent = (e) => {
      if (e.type === 'frame') {
        t.frames++;
        if (e.diagnostics.length !== 0) noteProblem(t, e.diagnostics[0].code);
        const op = e.frame.opcode;
        if (op >= 0x8) {
          if (op === 0x9) t.pings++;
          else if (op === 0xa) t.pongs++;
          h?.control.update(e.frame.payload);
        }
      } else if (e.type === 'message') {
        t.messages++;
        t.dataBytes += e.length;
        if (!e.complete || e.diagnostics.length !== 0) noteProblem(t, e.diagnostics[0]?.code ?? 'incomplete message');
        h?.data.update(e.data);
      } else if (e.type === 'end') {
        if (e.frames.c2s !== t.frames) noteProblem(t, `end event counts ${e.frames.c2s} frames`);
      } else {
        noteProblem(t, e.type === 'diagnostic' ? e.diagnostic.code : e.type);
      }
    };
    const decoder = new SessionDecoder({ conn: 1, expectHandshake: false, onEvent });
    for (let i = 0; i < events.length; i++) decoder.handle(events[i]);
    decoder.handle(end);
    return t;
  });
}

function frameContender(mix) {
  const chunks = chunksOf(mix.bytes);
  return contender('frame', 'wsinspect FrameDecoder', mix, (h) => {
    const t = tally();
    const onFrame = (f) => {
      t.frames++;
      if (f.diagnostics.length !== 0) noteProblem(t, f.diagnostics[0].code);
      const op = f.opcode;
      if (op < 0x8) {
        // frames only: a message is counted at its final fragment
        if (f.fin) t.messages++;
        t.dataBytes += f.payload.length;
        h?.data.update(f.payload);
      } else {
        if (op === 0x9) t.pings++;
        else if (op === 0xa) t.pongs++;
        h?.control.update(f.payload);
      }
    };
    const decoder = new FrameDecoder({ onFrame });
    for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]);
    if (decoder.finish() !== null) noteProblem(t, 'partial header at end');
    return t;
  });
}

function wsContender(mix) {
  // ws unmasks in place, so it gets its own copy, restored (untimed) before every run
  const copy = Buffer.allocUnsafe(mix.bytes.length);
  const chunks = chunksOf(copy);
  return contender(
    'ws',
    `ws ${wsInfo().version} Receiver`,
    mix,
    (h) => {
      const t = tally();
      t.frames = null; // ws reports messages, not frames
      decodeWithWs(chunks, {
        message: (data) => {
          t.messages++;
          t.dataBytes += data.length;
          h?.data.update(data);
        },
        ping: (data) => {
          t.pings++;
          h?.control.update(data);
        },
        pong: (data) => {
          t.pongs++;
          h?.control.update(data);
        },
      });
      return t;
    },
    () => copy.set(mix.bytes),
  );
}
