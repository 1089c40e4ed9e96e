// Compression throughput: the same deterministic message sequence compressed, message by
// message, by our MessageDeflater and by the `ws` library's PerMessageDeflate, with and
// without context takeover. Every contender's output is inflated (untimed) and checked
// against the input before timing; every timed run is checked against that pass.
// Layer rule: bench/ — uses dist/ only; ws is a devDependency.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { MessageDeflater } from '../dist/protocol/message-deflater.js';
import { MessageInflater } from '../dist/protocol/message-inflater.js';
import { measureRoundsAsync, pairedRatio, timeOnce } from './lib/measure.js';
import { Prng } from './lib/prng.js';
import { count, formatTable, mib, ratio, MIB } from './lib/table.js';

const SEED = 0xdef1a7e;
const requireFromWs = createRequire(createRequire(import.meta.url).resolve('ws'));
const PerMessageDeflate = requireFromWs('./lib/permessage-deflate.js');

export const benchmark = {
  name: 'deflate',
  title: 'permessage-deflate compression: wsinspect MessageDeflater vs ws PerMessageDeflate',
  defaultMb: 32,
  run,
};

const SCENARIOS = [
  { name: 'context takeover, 15 bits', windowBits: 15, noContextTakeover: false },
  { name: 'no context takeover, 15 bits', windowBits: 15, noContextTakeover: true },
];

async function run(ctx) {
  const [genSeconds, mix] = timeOnce(() => generateMessages(ctx.mb * MIB, SEED));
  ctx.log(
    `input: ${mib(mix.bytes)} MiB in ${count(mix.messages.length)} messages, seed 0x${SEED.toString(16)} (generated in ${genSeconds.toFixed(1)} s)`,
  );
  ctx.log(
    formatTable([
      ['kind', 'messages', 'MiB'],
      ...Object.entries(mix.kinds).map(([k, v]) => [k, count(v.messages), mib(v.bytes)]),
    ]),
  );
  ctx.log(`ws ${requireFromWs('./package.json').version}, zlib ${process.versions.zlib}, node ${process.version}`);
  for (const scenario of SCENARIOS) {
    ctx.log(`\n-- ${scenario.name}`);
    const contenders = [
      oursContender(mix, scenario, true),
      oursContender(mix, scenario, false),
      wsContender(mix, scenario),
    ].filter((c) => ctx.only === null || ctx.only.includes(c.id));
    if (contenders.length === 0) throw new Error('BENCH_ONLY matched no contender; ids are ours, ours-alone, ws');
    const outputs = [];
    for (const c of contenders) outputs.push(await c.verify());
    const ws = outputs.find((o) => o.id === 'ws');
    const ours = outputs.find((o) => o.id === 'ours');
    ctx.log(
      `verified: every output inflates back to the input (SHA-256)${ws && ours ? `; ours and ws output ${ws.hash === ours.hash ? 'identical, byte for byte' : 'not byte-identical (both inflate back)'}` : ''}`,
    );
    const results = await measureRoundsAsync(contenders, { runs: ctx.runs });
    report(ctx, mix, contenders, outputs, results);
  }
}

function report(ctx, mix, contenders, outputs, results) {
  const ws = results.get('ws');
  const rows = [
    [
      'compressor',
      'median s',
      'best s',
      'MiB/s in',
      'messages/s',
      'CPU s',
      'MiB/CPU-s',
      'out MiB',
      'ratio',
      'spread',
      'vs ws',
      'CPU vs ws',
    ],
  ];
  for (const c of contenders) {
    const r = results.get(c.id);
    const out = outputs.find((o) => o.id === c.id);
    const best = Math.min(...r.seconds);
    rows.push([
      c.label,
      r.median.toFixed(3),
      best.toFixed(3),
      (mix.bytes / MIB / r.median).toFixed(1),
      count(mix.messages.length / r.median),
      r.cpuMedian.toFixed(3),
      (mix.bytes / MIB / r.cpuMedian).toFixed(1),
      mib(out.compressedBytes),
      `${((100 * out.compressedBytes) / mix.bytes).toFixed(1)}%`,
      `±${(((Math.max(...r.seconds) - best) / r.median) * 50).toFixed(1)}%`,
      ws === undefined ? 'n/a' : ratio(pairedRatio(ws, r)),
      ws === undefined ? 'n/a' : ratio(pairedRatio({ seconds: ws.cpu }, { seconds: r.cpu })),
    ]);
  }
  ctx.log(`${ctx.runs} timed rounds after one warm-up, contenders rotated each round; rates from the median run;`);
  ctx.log(
    '"vs ws" = median over rounds of (ws time / this time) in the same round, "CPU vs ws" the same with CPU time',
  );
  ctx.log(
    "(user + system, all threads: ws compresses in libuv's thread pool); ratio = output / input; 1 MiB = 2^20 bytes",
  );
  ctx.log(formatTable(rows));
}

/** A contender compresses every message in order; run() returns { messages, compressedBytes }. */
function contender(id, label, mix, compressAll) {
  let expected = null;
  return {
    id,
    label,
    run: () => compressAll(null),
    check(t) {
      if (t.messages !== mix.messages.length || t.compressedBytes !== expected)
        throw new Error(`${label}: ${t.messages} messages, ${t.compressedBytes} bytes; expected ${expected}`);
    },
    /** Untimed: the output inflated by our (ws-tested) inflater must hash like the input. */
    async verify() {
      const outputs = [];
      const t = await compressAll(outputs);
      expected = t.compressedBytes;
      return { id, compressedBytes: t.compressedBytes, hash: inflateAndHash(outputs, mix, label) };
    },
  };
}

function inflateAndHash(outputs, mix, label) {
  const { windowBits, noContextTakeover } = outputs.settings;
  const inflater = new MessageInflater({ windowBits, noContextTakeover }, 64 * MIB, { fromStart: true });
  const inflated = createHash('sha256');
  const compressed = createHash('sha256');
  for (const out of outputs) {
    compressed.update(out);
    const r = inflater.inflate(out, true);
    if (r.diagnostics.length !== 0) throw new Error(`${label}: inflating the output gave ${r.diagnostics[0].code}`);
    inflated.update(r.data);
  }
  if (inflated.digest('hex') !== mix.hash) throw new Error(`${label}: the output does not inflate back to the input`);
  return compressed.digest('hex');
}

function oursContender(mix, settings, liveStream) {
  const id = liveStream ? 'ours' : 'ours-alone';
  const label = liveStream ? 'wsinspect MessageDeflater' : 'wsinspect, engine per message';
  return contender(id, label, mix, (outputs) => {
    const deflater = new MessageDeflater(settings, { liveStream });
    if (outputs !== null) outputs.settings = settings;
    let compressedBytes = 0;
    for (const m of mix.messages) {
      const out = deflater.deflate(m);
      compressedBytes += out.length;
      outputs?.push(out);
    }
    deflater.close();
    return { messages: mix.messages.length, compressedBytes };
  });
}

function wsContender(mix, settings) {
  // ws's Sender compresses one message at a time (it queues the next while one is in zlib)
  return contender('ws', `ws ${requireFromWs('./package.json').version} PerMessageDeflate`, mix, async (outputs) => {
    const pmd = new PerMessageDeflate({}, false, 0);
    pmd.params = {
      client_max_window_bits: settings.windowBits,
      ...(settings.noContextTakeover ? { client_no_context_takeover: true } : {}),
    };
    if (outputs !== null) outputs.settings = settings;
    let compressedBytes = 0;
    for (const m of mix.messages) {
      const out = await new Promise((resolve, reject) =>
        pmd.compress(m, true, (error, data) => (error ? reject(error) : resolve(data))),
      );
      compressedBytes += out.length;
      outputs?.push(out);
    }
    pmd.cleanup();
    return { messages: mix.messages.length, compressedBytes };
  });
}

const WORDS = [
  'user', 'message', 'status', 'online', 'typing', 'room', 'lobby', 'price', 'update', 'order',
  'ack', 'hello', 'Grüße', 'naïve', 'café', '東京', 'ping', 'event', 'value', 'data',
]; // prettier-ignore

/**
 * The message mix, by count: 70% chat-like JSON texts (30–400 B, compressible), 20% binary of
 * 1–16 KiB (half structured records, half noise that does not compress), 9% JSON of 4–32 KiB,
 * 1% log-like text of 64–256 KiB.
 */
function generateMessages(targetBytes, seed) {
  const rng = new Prng(seed);
  const messages = [];
  const kinds = {};
  const hash = createHash('sha256');
  let bytes = 0;
  const add = (kind, m) => {
    messages.push(m);
    hash.update(m);
    bytes += m.length;
    const k = (kinds[kind] ??= { messages: 0, bytes: 0 });
    k.messages++;
    k.bytes += m.length;
  };
  const json = (target) => {
    let s = '{';
    while (s.length < target) {
      s += `"${WORDS[rng.between(0, WORDS.length - 1)]}":${rng.between(0, 3) === 0 ? `"${WORDS[rng.between(0, WORDS.length - 1)]} ${rng.between(0, 99999)}"` : rng.between(0, 1e6)},`;
    }
    return Buffer.from(`${s}"end":true}`);
  };
  while (bytes < targetBytes) {
    const pick = rng.between(0, 99);
    if (pick < 70) {
      add('chat JSON 30-400 B', json(rng.between(30, 400)));
    } else if (pick < 90) {
      const size = rng.between(1024, 16384);
      const b = Buffer.allocUnsafe(size);
      if (rng.between(0, 1) === 0) {
        rng.fill(b, 0, size);
        add('binary noise 1-16 KiB', b);
      } else {
        // 16-byte records: a counter, two random bytes, padding
        const record = Buffer.alloc(16, 0x20);
        for (let at = 0; at < size; at += 16) {
          record.writeUInt32LE(at >>> 4, 0);
          record[4] = rng.u32();
          record[5] = rng.u32();
          record.copy(b, at, 0, Math.min(16, size - at));
        }
        add('binary records 1-16 KiB', b);
      }
    } else if (pick < 99) {
      add('JSON 4-32 KiB', json(rng.between(4096, 32768)));
    } else {
      const target = rng.between(65536, 262144);
      let s = '';
      while (s.length < target)
        s += `2026-12-02T10:${String(rng.between(0, 59)).padStart(2, '0')}:00Z INFO ${WORDS[rng.between(0, WORDS.length - 1)]} id=${rng.between(0, 1e9)}\n`;
      add('log text 64-256 KiB', Buffer.from(s));
    }
  }
  return { messages, kinds, bytes, hash: hash.digest('hex') };
}
