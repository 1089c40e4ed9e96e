// Deterministic generator of a client-to-server WebSocket byte stream for decoder benchmarks:
// small UTF-8 text (incl. multibyte), medium binary, a few 1 MiB frames, fragmented text with
// pings between fragments, pings and pongs. Every frame is masked (RFC 6455 §5.3) with a
// non-zero key so every decoder really unmasks. Layer rule: bench/ — no imports of ours.
import { createHash } from 'node:crypto';
import { Prng } from './prng.js';

const MIB = 1 << 20;
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** One 1 MiB binary frame after every this many bytes of other frames. */
const LARGE_EVERY = 8 * MIB;

/** Share of items (by count) of each kind; the rest is pongs. */
const P_SMALL_TEXT = 0.88;
const P_MEDIUM_BINARY = 0.05;
const P_FRAGMENTED = 0.03;
const P_PING = 0.02;

/**
 * Builds about `targetBytes` of frames (the last item may overshoot). `dataHash` is the
 * SHA-256 of every data message's plaintext in order, `controlHash` of every ping/pong
 * payload in order: what a correct decoder must reproduce.
 */
export function generateFrameMix({ targetBytes, seed }) {
  const w = new MixWriter(Buffer.allocUnsafe(targetBytes + 2 * MIB), new Prng(seed));
  while (w.at < targetBytes) w.next();
  const kinds = Object.values(w.kinds);
  const sum = (key) => kinds.reduce((n, k) => n + k[key], 0);
  return {
    bytes: w.buf.subarray(0, w.at),
    kinds,
    frames: sum('frames'),
    dataMessages: sum('messages'),
    dataPayloadBytes: w.dataPayloadBytes,
    pings: w.kinds.ping.frames,
    pongs: w.kinds.pong.frames,
    controlPayloadBytes: w.controlPayloadBytes,
    dataHash: w.dataHash.digest('hex'),
    controlHash: w.controlHash.digest('hex'),
  };
}

function kind(name) {
  return { name, messages: 0, frames: 0, payloadBytes: 0, wireBytes: 0 };
}

class MixWriter {
  constructor(buf, rng) {
    this.buf = buf;
    this.rng = rng;
    this.at = 0;
    this.sinceLarge = 0;
    this.scratch = Buffer.allocUnsafe(8192);
    this.dataHash = createHash('sha256');
    this.controlHash = createHash('sha256');
    this.dataPayloadBytes = 0;
    this.controlPayloadBytes = 0;
    this.kinds = {
      smallText: kind('small text 10–200 B'),
      mediumBinary: kind('medium binary 1–16 KiB'),
      largeBinary: kind('large binary 1 MiB'),
      fragmentedText: kind('fragmented text (2–4 frames)'),
      ping: kind('ping ≤125 B'),
      pong: kind('pong ≤125 B'),
    };
  }

  next() {
    const start = this.at;
    if (this.sinceLarge >= LARGE_EVERY) {
      this.sinceLarge = 0;
      this.randomFrame(this.kinds.largeBinary, OP_BINARY, MIB);
      return;
    }
    const r = this.rng.float();
    if (r < P_SMALL_TEXT) this.smallText();
    else if (r < P_SMALL_TEXT + P_MEDIUM_BINARY)
      this.randomFrame(this.kinds.mediumBinary, OP_BINARY, this.rng.between(1024, 16384));
    else if (r < P_SMALL_TEXT + P_MEDIUM_BINARY + P_FRAGMENTED) this.fragmentedText();
    else if (r < P_SMALL_TEXT + P_MEDIUM_BINARY + P_FRAGMENTED + P_PING)
      this.randomFrame(this.kinds.ping, OP_PING, this.rng.between(0, 125));
    else this.randomFrame(this.kinds.pong, OP_PONG, this.rng.between(0, 125));
    this.sinceLarge += this.at - start;
  }

  smallText() {
    const length = this.rng.between(10, 200);
    writeUtf8(this.scratch, 0, length, this.rng);
    this.frame(this.kinds.smallText, true, OP_TEXT, this.scratch.subarray(0, length));
    this.kinds.smallText.messages++;
  }

  /** A binary data frame or a control frame of random bytes. */
  randomFrame(k, opcode, length) {
    const payload = length <= this.scratch.length ? this.scratch.subarray(0, length) : Buffer.allocUnsafe(length);
    this.rng.fill(payload, 0, length);
    this.frame(k, true, opcode, payload);
    if (opcode === OP_BINARY) k.messages++;
  }

  /** One text message split at random points (possibly inside a code point, as senders may), with pings between fragments. */
  fragmentedText() {
    const k = this.kinds.fragmentedText;
    const length = this.rng.between(64, 4096);
    const text = Buffer.allocUnsafe(length);
    writeUtf8(text, 0, length, this.rng);
    const cuts = new Set();
    const pieces = this.rng.between(2, 4);
    while (cuts.size < pieces - 1) cuts.add(this.rng.between(1, length - 1));
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const last = i + 2 === bounds.length;
      this.frame(k, last, i === 0 ? OP_TEXT : OP_CONT, text.subarray(bounds[i], bounds[i + 1]));
      // RFC 6455 §5.4: control frames may be injected between the fragments of a message
      if (!last && this.rng.float() < 0.3) this.randomFrame(this.kinds.ping, OP_PING, this.rng.between(0, 125));
    }
    k.messages++;
  }

  /** Writes header, masking key and masked payload; counts and hashes the plaintext. */
  frame(k, fin, opcode, payload) {
    const start = this.at;
    const key = this.header(fin, opcode, payload.length);
    const buf = this.buf;
    const at = this.at;
    buf.set(payload, at);
    for (let i = 0; i < payload.length; i++) buf[at + i] ^= key[i & 3];
    this.at = at + payload.length;
    if (opcode >= 0x8) {
      this.controlHash.update(payload);
      this.controlPayloadBytes += payload.length;
    } else {
      this.dataHash.update(payload);
      this.dataPayloadBytes += payload.length;
    }
    k.frames++;
    k.payloadBytes += payload.length;
    k.wireBytes += this.at - start;
  }

  /** RFC 6455 §5.2 header with the minimal length encoding and a non-zero masking key. */
  header(fin, opcode, length) {
    const b = this.buf;
    let at = this.at;
    b[at++] = (fin ? 0x80 : 0) | opcode;
    if (length < 126) {
      b[at++] = 0x80 | length;
    } else if (length < 65536) {
      b[at++] = 0x80 | 126;
      b.writeUInt16BE(length, at);
      at += 2;
    } else {
      b[at++] = 0x80 | 127;
      b.writeUInt32BE(Math.floor(length / 4294967296), at);
      b.writeUInt32BE(length >>> 0, at + 4);
      at += 8;
    }
    let k;
    // ws skips unmasking for an all-zero key; a zero key would make the comparison unfair
    do k = this.rng.u32();
    while (k === 0);
    b.writeUInt32BE(k, at);
    const key = b.subarray(at, at + 4);
    this.at = at + 4;
    return key;
  }
}

/** Writes exactly `length` bytes of valid UTF-8: mostly ASCII, some 2-, 3- and 4-byte sequences. */
export function writeUtf8(buf, start, length, rng) {
  const end = start + length;
  let i = start;
  while (i < end) {
    const room = end - i;
    const r = rng.u32();
    const cls = r % 100;
    if (cls < 6 && room >= 4) {
      const cp = 0x10000 + (rng.u32() % 0x100000);
      buf[i++] = 0xf0 | (cp >>> 18);
      buf[i++] = 0x80 | ((cp >>> 12) & 0x3f);
      buf[i++] = 0x80 | ((cp >>> 6) & 0x3f);
      buf[i++] = 0x80 | (cp & 0x3f);
    } else if (cls < 16 && room >= 3) {
      let cp = 0x800 + (rng.u32() % (0x10000 - 0x800 - 0x800));
      if (cp >= 0xd800) cp += 0x800; // skip the surrogates, which UTF-8 must not encode (RFC 3629 §3)
      buf[i++] = 0xe0 | (cp >>> 12);
      buf[i++] = 0x80 | ((cp >>> 6) & 0x3f);
      buf[i++] = 0x80 | (cp & 0x3f);
    } else if (cls < 26 && room >= 2) {
      const cp = 0x80 + (rng.u32() % 0x780);
      buf[i++] = 0xc0 | (cp >>> 6);
      buf[i++] = 0x80 | (cp & 0x3f);
    } else {
      buf[i++] = 0x20 + ((r >>> 8) % 95);
    }
  }
}
