// WebSocket pieces for synthetic captures: frame encoding with client masking (RFC 6455 §5.2,
// §5.3), a permessage-deflate compressor with context takeover (RFC 7692 §7.2.1: raw DEFLATE,
// sync flush per message, the 00 00 ff ff tail removed), the opening handshake, and text
// bodies (JSON-like chat lines with 2-, 3- and 4-byte UTF-8). Layer rule: bench/ — tooling.
import { createHash } from 'node:crypto';
import { constants, createDeflateRaw, deflateRawSync } from 'node:zlib';

const MAGIC = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A growable byte buffer that frames are appended to before one TCP write. */
export class ByteSink {
  constructor(size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
    this.at = 0;
  }

  reserve(n) {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}

/**
 * Appends one frame carrying payload[off, off+len) to `sink`. A client frame is masked with a
 * random non-zero key (RFC 6455 §5.3: the client masks every frame; the server never does).
 */
export function appendFrame(sink, rng, { fin, rsv1, opcode, masked }, payload, off, len) {
  sink.reserve(len + 14);
  const b = sink.buf;
  let p = sink.at;
  b[p++] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const m = masked ? 0x80 : 0;
  if (len < 126) b[p++] = m | len;
  else if (len < 65536) {
    b[p++] = m | 126;
    b.writeUInt16BE(len, p);
    p += 2;
  } else {
    b[p++] = m | 127;
    b.writeUInt32BE(Math.floor(len / 2 ** 32), p);
    b.writeUInt32BE(len >>> 0, p + 4);
    p += 8;
  }
  if (!masked) {
    payload.copy(b, p, off, off + len);
    sink.at = p + len;
    return;
  }
  const key = rng.u32() | 1;
  b.writeUInt32BE(key >>> 0, p);
  const k = [key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff];
  p += 4;
  for (let i = 0; i < len; i++) b[p + i] = payload[off + i] ^ k[i & 3];
  sink.at = p + len;
}

/**
 * permessage-deflate sender with context takeover: one raw DEFLATE stream per direction,
 * flushed with Z_SYNC_FLUSH after each message. Node has no public synchronous streaming
 * deflate, so this drives the stream's zlib handle synchronously, as zlib's own *Sync
 * functions do (without closing it afterwards). Where that handle is not there, each message
 * is deflated alone with the last 32 KiB as preset dictionary: the same back-references into
 * the shared window, much slower (figure: bench/README.md).
 */
export class MessageDeflater {
  constructor() {
    this.stream = createDeflateRaw({ windowBits: 15, memLevel: 8 });
    this.fast = typeof this.stream._handle?.writeSync === 'function' && this.stream._writeState instanceof Uint32Array;
    this.window = Buffer.alloc(0);
  }

  /** The compressed payload of one message, tail 00 00 ff ff removed (RFC 7692 §7.2.1). */
  compress(data) {
    const out = this.fast ? this.flushSync(data) : this.withDictionary(data);
    // a sync flush always ends in an empty stored block: 00 00 ff ff
    return out.subarray(0, out.length - 4);
  }

  flushSync(data) {
    const handle = this.stream._handle;
    const state = this.stream._writeState;
    const parts = [];
    let total = 0;
    let inOff = 0;
    let availIn = data.length;
    for (;;) {
      const out = Buffer.allocUnsafe(availIn + (availIn >> 3) + 64);
      handle.writeSync(constants.Z_SYNC_FLUSH, data, inOff, availIn, out, 0, out.length);
      const [availOutAfter, availInAfter] = state;
      parts.push(out.subarray(0, out.length - availOutAfter));
      total += out.length - availOutAfter;
      if (availOutAfter !== 0) break; // output space left over: zlib has written everything
      inOff += availIn - availInAfter;
      availIn = availInAfter;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  }

  withDictionary(data) {
    const o = { windowBits: 15, memLevel: 8, finishFlush: constants.Z_SYNC_FLUSH };
    const out = deflateRawSync(data, this.window.length > 0 ? { ...o, dictionary: this.window } : o);
    this.window = Buffer.concat([this.window, data]).subarray(-32768);
    return out;
  }
}

export function acceptFor(key) {
  return createHash('sha1')
    .update(key + MAGIC)
    .digest('base64');
}

/** The client's Upgrade request and the server's 101 response (RFC 6455 §4.1, §4.2.2). */
export function handshake(rng, host, compressed) {
  const nonce = Buffer.allocUnsafe(16);
  rng.fill(nonce, 0, 16);
  const key = nonce.toString('base64');
  const offer = compressed ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '';
  const agreed = compressed ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '';
  return {
    request: Buffer.from(
      `GET /stream HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: bench/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${offer}\r\n`,
    ),
    response: Buffer.from(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n${agreed}\r\n`,
    ),
  };
}

const WORDS = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'épsilon',
  'zeta',
  'ηta',
  'theta',
  '✓',
  'ok',
  'price',
  'update',
  'naïve',
  'café',
  'Grüße',
  '日本語',
  'напр',
  '𝄞',
  '🙂',
  'order',
  'filled',
  'ack',
  'user',
  'room',
];

/**
 * `count` text bodies of 0–170 bytes, each valid UTF-8 and JSON-safe (no quotes or
 * backslashes); a message is `{"seq":N,"user":"uK","text":"<body>"}`, so seq keeps it unique.
 */
export function textBodies(rng, count) {
  const bodies = [];
  for (let i = 0; i < count; i++) {
    const want = rng.between(0, 170);
    let s = '';
    for (;;) {
      const word = WORDS[rng.u32() % WORDS.length];
      const next = s === '' ? word : `${s} ${word}`;
      if (Buffer.byteLength(next) > want) break;
      s = next;
    }
    bodies.push(Buffer.from(s));
  }
  return bodies;
}
