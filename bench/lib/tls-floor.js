// A yardstick for the tls benchmark, not part of wsinspect: the least work a Node program can
// do to list the frames of the bench's TLS 1.3 AES-128-GCM capture (lib/wss-gen.js: Ethernet,
// IPv4, one server port, no loss, no reordering, the client's key log): read the file, follow
// TCP per direction, cut TLS records, decrypt each with node:crypto, walk the WebSocket frames,
// unmask, check UTF-8, write one short line per frame. No diagnostics, no events, no views, no
// checks beyond what this input needs — what any listing in Node must at least do, so its time
// bounds what wsinspect could reach on this machine (see bench/README.md "tls").
// Usage: node bench/lib/tls-floor.js FILE.pcap KEYS > /dev/null (stderr: the frame count).
// Layer rule: bench/ — tooling, imports nothing of ours.
import { createDecipheriv, createHmac } from 'node:crypto';
import { openSync, readSync, readFileSync, writeSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

const [file, keyFile] = process.argv.slice(2);
const SERVER_PORT = 8443;
const secrets = new Map();
for (const line of readFileSync(keyFile, 'utf8').split('\n')) {
  const [label, cr, secret] = line.trim().split(/\s+/);
  if (secret) secrets.set(`${label} ${cr.toLowerCase()}`, Buffer.from(secret, 'hex'));
}
/** HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256. */
function expandLabel(secret, label, length) {
  const full = Buffer.from('tls13 ' + label);
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([0])]);
  // HKDF-Expand only (secret is already a PRK)
  let t = Buffer.alloc(0);
  const out = [];
  let n = 0;
  for (let i = 1; n < length; i++) {
    t = createHmac('sha256', secret)
      .update(t)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    out.push(t);
    n += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}
const keyOf = (secret) => ({ key: expandLabel(secret, 'key', 16), iv: expandLabel(secret, 'iv', 12), seq: 0 });

const out = Buffer.alloc(1 << 20);
let o = 0;
const flush = () => {
  writeSync(1, out, 0, o);
  o = 0;
};
const putAscii = (s) => {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
};
const putNum = (n) => putAscii(String(n));
const HEX = '0123456789abcdef';

/** `bytes` copied in after the first `len` bytes of `buf`, which grows when it must; returns the buffer. */
function added(buf, len, bytes) {
  let b = buf;
  if (len + bytes.length > b.length) {
    b = Buffer.alloc(Math.max(buf.length * 2, len + bytes.length));
    buf.copy(b, 0, 0, len);
  }
  bytes.copy(b, len);
  return b;
}

class Dir {
  constructor(conn, label) {
    this.conn = conn;
    this.label = label;
    this.buf = Buffer.alloc(1 << 16);
    this.len = 0;
    this.hs = null;
    this.app = null;
    this.useApp = false;
    this.ws = Buffer.alloc(1 << 16);
    this.wsLen = 0;
    this.http = true;
    this.frames = 0;
  }
  append(bytes) {
    this.buf = added(this.buf, this.len, bytes);
    this.len += bytes.length;
    let p = 0;
    while (this.len - p >= 5) {
      const n = this.buf.readUInt16BE(p + 3);
      if (this.len - p < 5 + n) break;
      this.record(this.buf[p], this.buf.subarray(p, p + 5), this.buf.subarray(p + 5, p + 5 + n));
      p += 5 + n;
    }
    this.buf.copy(this.buf, 0, p, this.len);
    this.len -= p;
  }
  record(type, header, body) {
    if (type === 22 && body[0] === 1) this.conn.cr = body.subarray(6, 38).toString('hex');
    if (type !== 23) return;
    if (this.hs === null) {
      const side = this.label === 'c2s' ? 'CLIENT' : 'SERVER';
      this.hs = keyOf(secrets.get(`${side}_HANDSHAKE_TRAFFIC_SECRET ${this.conn.cr}`));
      this.app = keyOf(secrets.get(`${side}_TRAFFIC_SECRET_0 ${this.conn.cr}`));
    }
    let plain = this.useApp ? null : open(this.hs, header, body);
    if (plain === null) {
      this.useApp = true;
      plain = open(this.app, header, body);
    }
    if (plain === null) throw new Error('decrypt failed');
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (plain[end] === 23) this.data(plain.subarray(0, end));
  }
  data(bytes) {
    this.ws = added(this.ws, this.wsLen, bytes);
    this.wsLen += bytes.length;
    let p = 0;
    const w = this.ws;
    if (this.http) {
      const e = w.subarray(0, this.wsLen).indexOf('\r\n\r\n');
      if (e < 0) return;
      p = e + 4;
      this.http = false;
    }
    for (;;) {
      if (this.wsLen - p < 2) break;
      const b0 = w[p];
      const b1 = w[p + 1];
      let len = b1 & 127;
      let h = 2;
      if (len === 126) {
        if (this.wsLen - p < 4) break;
        len = w.readUInt16BE(p + 2);
        h = 4;
      } else if (len === 127) {
        if (this.wsLen - p < 10) break;
        len = Number(w.readBigUInt64BE(p + 2));
        h = 10;
      }
      const masked = (b1 & 128) !== 0;
      const k = masked ? p + h : -1;
      if (masked) h += 4;
      if (this.wsLen - p < h + len) break;
      const payload = w.subarray(p + h, p + h + len);
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= w[k + (i & 3)];
      this.line(b0, len, masked ? w.subarray(k, k + 4) : null, payload);
      p += h + len;
    }
    w.copy(w, 0, p, this.wsLen);
    this.wsLen -= p;
  }
  line(b0, len, key, payload) {
    if (o > out.length - 4096) flush();
    const op = b0 & 15;
    putAscii(`   0.000000 [${this.conn.n}] ${this.label === 'c2s' ? this.conn.a : this.conn.b} #`);
    putNum(++this.conn.frames);
    putAscii(op === 1 ? ' text' : op === 2 ? ' binary' : ' other');
    if (b0 & 128) putAscii(' FIN');
    out[o++] = 32;
    putNum(len);
    putAscii(' bytes');
    if (key) {
      putAscii(' masked ');
      for (let i = 0; i < 4; i++) {
        out[o++] = HEX.charCodeAt(key[i] >> 4);
        out[o++] = HEX.charCodeAt(key[i] & 15);
      }
    }
    if (op === 1) {
      if (!isUtf8(payload)) putAscii(' (invalid)');
      out[o++] = 32;
      out[o++] = 34;
      const n = Math.min(40, len);
      for (let i = 0; i < n; i++) out[o++] = payload[i] < 32 ? 46 : payload[i];
      out[o++] = 34;
    } else {
      for (let i = 0; i < Math.min(16, len); i++) {
        out[o++] = 32;
        out[o++] = HEX.charCodeAt(payload[i] >> 4);
        out[o++] = HEX.charCodeAt(payload[i] & 15);
      }
    }
    out[o++] = 10;
  }
}

const NONCE = Buffer.alloc(12);
function open(k, header, body) {
  for (let i = 0; i < 12; i++) NONCE[i] = k.iv[i];
  let s = k.seq;
  for (let i = 11; i >= 4 && s > 0; i--) {
    NONCE[i] ^= s & 255;
    s = Math.floor(s / 256);
  }
  try {
    const d = createDecipheriv('aes-128-gcm', k.key, NONCE, { authTagLength: 16 });
    d.setAAD(header);
    d.setAuthTag(body.subarray(body.length - 16));
    const p = d.update(body.subarray(0, body.length - 16));
    d.final();
    k.seq++;
    return p;
  } catch {
    return null;
  }
}

const conns = new Map();
const fd = openSync(file, 'r');
const chunk = Buffer.alloc(1 << 20);
let have = 0;
let first = true;
for (;;) {
  const n = readSync(fd, chunk, have, chunk.length - have, null);
  have += n;
  let p = first ? 24 : 0;
  first = false;
  while (have - p >= 16) {
    const incl = chunk.readUInt32LE(p + 8);
    if (have - p < 16 + incl) break;
    const f = chunk.subarray(p + 16, p + 16 + incl);
    const ip = 14;
    const ihl = (f[ip] & 15) * 4;
    const tcp = ip + ihl;
    const sport = f.readUInt16BE(tcp);
    const dport = f.readUInt16BE(tcp + 2);
    const off = (f[tcp + 12] >> 4) * 4;
    const payload = f.subarray(tcp + off, ip + f.readUInt16BE(ip + 2));
    if (payload.length > 0) {
      const client = dport === SERVER_PORT ? sport : dport;
      let c = conns.get(client);
      if (c === undefined) {
        c = {
          n: conns.size + 1,
          cr: '',
          frames: 0,
          a: `127.0.0.1:${client} -> 127.0.0.1:${SERVER_PORT}`,
          b: `127.0.0.1:${SERVER_PORT} -> 127.0.0.1:${client}`,
        };
        c.c2s = new Dir(c, 'c2s');
        c.s2c = new Dir(c, 's2c');
        conns.set(client, c);
      }
      (sport === client ? c.c2s : c.s2c).append(payload);
    }
    p += 16 + incl;
  }
  chunk.copy(chunk, 0, p, have);
  have -= p;
  if (n === 0) break;
}
flush();
let frames = 0;
for (const c of conns.values()) frames += c.frames;
process.stderr.write(`frames ${frames}\n`);
