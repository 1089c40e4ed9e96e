// Deterministic generator of a realistic WebSocket capture for the capture benchmark: several
// loopback connections (handshake, traffic both ways, Close, FIN), mostly small masked chat
// text, server pushes several frames per segment, binary of 1–16 KiB, one 1 MiB frame per
// 8 MiB split over MSS-sized segments, pings and pongs, fragmented text (with a ping inside);
// optionally permessage-deflate on every data message. Records per connection and direction
// what a correct decoder must report. Layer rule: bench/ — tooling, imports nothing of ours.
import { createHash } from 'node:crypto';
import { Prng } from './prng.js';
import { PcapFileWriter, TcpFlow } from './pcap-gen-writer.js';
import { appendFrame, ByteSink, handshake, MessageDeflater, textBodies } from './pcap-gen-frames.js';

const MIB = 1 << 20;
const LARGE_EVERY = 8 * MIB;
const LARGE_BYTES = MIB;
const LOCALHOST = 0x7f000001;
/** Segment payload sizes seen on loopback: Ethernet-sized, GSO-sized, and the lo MTU's. */
const SEGMENTS = [65483, 32768, 1448];
const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

/**
 * Writes about `targetBytes` of capture to `path` (the last exchange and the closes overshoot
 * a little) and returns what it holds. Same seed, same file, byte for byte.
 */
export function generateCapture({ path, targetBytes, seed, compressed = false, connections = 8 }) {
  const rng = new Prng(seed);
  const gen = new MixGenerator(new PcapFileWriter(path, rng, 1750000000), rng, compressed);
  for (let i = 0; i < connections; i++) gen.open(i);
  while (gen.w.bytes < targetBytes) gen.next();
  gen.closeAll();
  gen.w.close();
  return gen.summary(path);
}

function direction() {
  return {
    frames: 0,
    messages: 0,
    control: 0,
    dataBytes: 0,
    dataHash: createHash('sha256'),
    controlHash: createHash('sha256'),
  };
}

class MixGenerator {
  constructor(w, rng, compressed) {
    this.w = w;
    this.rng = rng;
    this.compressed = compressed;
    this.conns = [];
    this.sink = new ByteSink(4 * MIB);
    this.scratch = Buffer.allocUnsafe(64 * 1024);
    this.bodies = textBodies(rng, 4096);
    // binary payloads are slices of one pool of 6-bit random bytes: they compress a little, as real binary does
    this.pool = Buffer.allocUnsafe(4 * MIB);
    rng.fill(this.pool, 0, this.pool.length);
    for (let i = 0; i < this.pool.length; i++) this.pool[i] = 0x40 | (this.pool[i] & 0x3f);
    this.seq = 0;
    this.sinceLarge = 0;
    this.largeFrom = 1;
    this.kinds = {};
    this.fragmentedCompressed = 0;
  }

  open(i) {
    const clientPort = 40000 + i * 37;
    const serverPort = i % 2 === 0 ? 8080 : 9001;
    const flow = new TcpFlow(this.w, {
      clientIp: LOCALHOST,
      serverIp: LOCALHOST,
      clientPort,
      serverPort,
      mss: SEGMENTS[i % SEGMENTS.length],
    });
    const c = {
      flow,
      clientPort,
      serverPort,
      dirs: [direction(), direction()],
      deflate: this.compressed ? [new MessageDeflater(), new MessageDeflater()] : null,
    };
    this.conns.push(c);
    flow.handshake();
    const h = handshake(this.rng, `127.0.0.1:${serverPort}`, this.compressed);
    flow.send(0, h.request, 0, h.request.length);
    flow.send(1, h.response, 0, h.response.length);
  }

  /** One exchange on a random connection. */
  next() {
    const c = this.conns[this.rng.u32() % this.conns.length];
    const r = this.rng.float();
    const before = this.w.bytes;
    if (this.sinceLarge >= LARGE_EVERY) this.large(c);
    else if (r < 0.7) this.chat(c);
    else if (r < 0.78) this.push(c);
    else if (r < 0.92) this.binary(c, this.rng.u32() & 1);
    else if (r < 0.96) this.pingPong(c);
    else this.fragmented(c, this.rng.u32() & 1);
    this.sinceLarge += this.w.bytes - before;
  }

  /** The client sends one to three texts in one write (Nagle, batching); the server answers one. */
  chat(c) {
    const n = this.rng.float() < 0.8 ? 1 : this.rng.between(2, 3);
    for (let i = 0; i < n; i++) this.message(c, 0, OP.text, this.chatText(), 1, 'small text');
    this.write(c, 0);
    this.message(c, 1, OP.text, this.chatText(), 1, 'small text');
    this.write(c, 1);
  }

  /** The server pushes 3–8 texts in one write: several frames in one TCP segment. */
  push(c) {
    const n = this.rng.between(3, 8);
    for (let i = 0; i < n; i++) this.message(c, 1, OP.text, this.chatText(), 1, 'pushed text');
    this.write(c, 1);
    c.flow.ackIfOwed(0);
  }

  binary(c, from) {
    const len = this.rng.between(1024, 16 * 1024);
    const at = this.rng.u32() % (this.pool.length - len);
    this.message(c, from, OP.binary, this.pool.subarray(at, at + len), 1, 'binary 1-16 KiB');
    this.write(c, from);
    c.flow.ackIfOwed(1 - from);
  }

  large(c) {
    this.sinceLarge = 0;
    this.largeFrom = 1 - this.largeFrom;
    const at = this.rng.u32() % (this.pool.length - LARGE_BYTES);
    this.message(c, this.largeFrom, OP.binary, this.pool.subarray(at, at + LARGE_BYTES), 1, 'binary 1 MiB');
    this.write(c, this.largeFrom);
    c.flow.ackIfOwed(1 - this.largeFrom);
  }

  /** Mostly the server pings (keep-alive); the pong echoes the payload (RFC 6455 §5.5.3). */
  pingPong(c) {
    const from = this.rng.float() < 0.7 ? 1 : 0;
    const len = this.rng.between(0, 125);
    const at = this.rng.u32() % (this.pool.length - len);
    const payload = this.pool.subarray(at, at + len);
    this.control(c, from, OP.ping, payload);
    this.write(c, from);
    this.control(c, 1 - from, OP.pong, payload);
    this.write(c, 1 - from);
  }

  /** A 200 B–4 KiB text in 2–4 frames, sometimes with a ping between two of them (§5.4). */
  fragmented(c, from) {
    const want = this.rng.between(200, 4000);
    let len = 0;
    while (len < want) {
      const b = this.bodies[this.rng.u32() % this.bodies.length];
      b.copy(this.scratch, len);
      len += b.length;
      this.scratch[len++] = 0x0a;
    }
    this.message(c, from, OP.text, this.scratch.subarray(0, len), this.rng.between(2, 4), 'fragmented text');
    this.write(c, from);
    c.flow.ackIfOwed(1 - from);
  }

  chatText() {
    const body = this.bodies[this.rng.u32() % this.bodies.length];
    const s = this.scratch;
    let n = s.write(`{"seq":${this.seq++},"user":"u${this.rng.u32() % 1000}","text":"`, 0, 'latin1');
    n += body.copy(s, n);
    n += s.write('"}', n, 'latin1');
    return s.subarray(0, n);
  }

  /** Appends a data message's frames to the pending write; compressed as a whole, then split. */
  message(c, from, opcode, data, fragments, kindName) {
    const payload = c.deflate === null ? data : c.deflate[from].compress(data);
    const ping = fragments > 1 && this.rng.float() < 0.3 ? this.rng.between(1, fragments - 1) : 0;
    let off = 0;
    for (let k = 0; k < fragments; k++) {
      const last = k === fragments - 1;
      const len = last ? payload.length - off : this.rng.u32() % (Math.floor(payload.length / fragments) + 1);
      appendFrame(
        this.sink,
        this.rng,
        { fin: last, rsv1: c.deflate !== null && k === 0, opcode: k === 0 ? opcode : OP.cont, masked: from === 0 },
        payload,
        off,
        len,
      );
      off += len;
      if (k + 1 === ping) this.control(c, from, OP.ping, Buffer.from('in between'));
    }
    const d = c.dirs[from];
    d.frames += fragments;
    d.messages += 1;
    d.dataBytes += data.length;
    d.dataHash.update(data);
    if (c.deflate !== null && fragments > 1) this.fragmentedCompressed += 1;
    const kind = (this.kinds[kindName] ??= { name: kindName, messages: 0, frames: 0, payloadBytes: 0 });
    kind.messages += 1;
    kind.frames += fragments;
    kind.payloadBytes += data.length;
  }

  control(c, from, opcode, payload) {
    appendFrame(
      this.sink,
      this.rng,
      { fin: true, rsv1: false, opcode, masked: from === 0 },
      payload,
      0,
      payload.length,
    );
    const d = c.dirs[from];
    d.frames += 1;
    d.control += 1;
    if (opcode !== OP.close) d.controlHash.update(payload);
    const kind = (this.kinds[opcode === OP.close ? 'close' : 'ping/pong'] ??= {
      name: opcode === OP.close ? 'close' : 'ping/pong',
      messages: 0,
      frames: 0,
      payloadBytes: 0,
    });
    kind.frames += 1;
    kind.payloadBytes += payload.length;
  }

  write(c, from) {
    c.flow.send(from, this.sink.buf, 0, this.sink.at);
    this.sink.at = 0;
  }

  /** The client closes with 1000, the server echoes it (§5.5.1), then TCP closes. */
  closeAll() {
    const body = Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]); // 1000 "bye"
    for (const c of this.conns) {
      this.control(c, 0, OP.close, body);
      this.write(c, 0);
      this.control(c, 1, OP.close, body);
      this.write(c, 1);
      c.flow.close();
    }
  }

  summary(path) {
    const dirSummary = (d) => ({
      frames: d.frames,
      messages: d.messages,
      control: d.control,
      dataBytes: d.dataBytes,
      dataHash: d.dataHash.digest('hex'),
      controlHash: d.controlHash.digest('hex'),
    });
    const connections = this.conns.map((c) => ({
      clientPort: c.clientPort,
      serverPort: c.serverPort,
      c2s: dirSummary(c.dirs[0]),
      s2c: dirSummary(c.dirs[1]),
    }));
    const sum = (key) => connections.reduce((n, c) => n + c.c2s[key] + c.s2c[key], 0);
    return {
      path,
      compressed: this.compressed,
      fileBytes: this.w.bytes,
      packets: this.w.packets,
      frames: sum('frames'),
      messages: sum('messages'),
      dataBytes: sum('dataBytes'),
      fragmentedCompressed: this.fragmentedCompressed,
      kinds: Object.values(this.kinds),
      connections,
    };
  }
}
