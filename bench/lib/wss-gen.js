// A wss capture for the TLS benchmark: real TLS from Node's OpenSSL (a client and a server
// TLSSocket joined by in-memory streams, no network), so every record is what a real peer
// writes, and the client's `keylog` events give the NSS key log. The bytes each side writes
// go into a synthetic pcap (PcapFileWriter/TcpFlow) as TCP segments, in the order they were
// written. Inside: the opening handshake, then rounds of masked chat text from the client
// answered by the server with text and, now and then, binary of 1–16 KiB and a 256 KiB frame.
// Layer rule: bench/ — tooling, imports nothing of ours.
import { readFileSync, writeFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Prng } from './prng.js';
import { PcapFileWriter, TcpFlow } from './pcap-gen-writer.js';
import { appendFrame, ByteSink, handshake, textBodies } from './pcap-gen-frames.js';

const LOCALHOST = 0x7f000001;
const OP = { text: 0x1, binary: 0x2, close: 0x8 };

/** One end of an in-memory connection: what it writes is read by its peer and recorded. */
class Wire extends Duplex {
  constructor(record) {
    super();
    this.peer = null;
    this.record = record;
  }

  _write(chunk, _encoding, done) {
    this.record(chunk);
    this.peer.push(chunk);
    done();
  }

  _read() {}

  _final(done) {
    this.peer.push(null);
    done();
  }
}

/**
 * Writes about `targetBytes` of capture to `path` and the key log to `keysPath`.
 * tls: { minVersion, maxVersion, ciphers } of the client; returns { frames, connections, cipher, version }.
 */
export async function generateWssCapture({ path, keysPath, targetBytes, seed, tls: tlsOptions, certDir }) {
  const rng = new Prng(seed);
  const w = new PcapFileWriter(path, rng, 1750000000);
  const keyLines = [];
  const key = readFileSync(`${certDir}/key.pem`);
  const cert = readFileSync(`${certDir}/cert.pem`);
  const bodies = textBodies(rng, 4096);
  const big = Buffer.alloc(256 * 1024);
  rng.fill(big, 0, big.length);
  let frames = 0;
  let info = null;
  const connections = 4;
  const perConnection = targetBytes / connections;
  for (let i = 0; i < connections; i++) {
    const flow = new TcpFlow(w, {
      clientIp: LOCALHOST,
      serverIp: LOCALHOST,
      clientPort: 41000 + i * 17,
      serverPort: 8443,
      mss: 65483,
    });
    flow.handshake();
    const clientWire = new Wire((b) => flow.send(0, b, 0, b.length));
    const serverWire = new Wire((b) => flow.send(1, b, 0, b.length));
    clientWire.peer = serverWire;
    serverWire.peer = clientWire;
    const server = new tls.TLSSocket(serverWire, { isServer: true, key, cert, ...tlsOptions });
    const client = tls.connect({
      socket: clientWire,
      servername: 'bench.example',
      rejectUnauthorized: false,
      ...tlsOptions,
    });
    client.on('keylog', (line) => keyLines.push(line.toString('latin1')));
    await new Promise((resolve, reject) => {
      client.once('secureConnect', resolve);
      client.once('error', reject);
      server.once('error', reject);
    });
    info ??= { version: client.getProtocol(), cipher: client.getCipher().standardName };
    const h = handshake(rng, 'bench.example:8443', false);
    await exchange(client, server, h.request, h.response);
    const start = w.bytes;
    const c2s = new ByteSink();
    const s2c = new ByteSink();
    let round = 0;
    while (w.bytes - start < perConnection) {
      c2s.at = s2c.at = 0;
      for (let k = 0; k < 16; k++) {
        const body = Buffer.from(`{"seq":${frames},"user":"u${k}","text":"${bodies[(frames + k) & 4095]}"}`);
        appendFrame(c2s, rng, { fin: true, rsv1: false, opcode: OP.text, masked: true }, body, 0, body.length);
        appendFrame(s2c, rng, { fin: true, rsv1: false, opcode: OP.text, masked: false }, body, 0, body.length);
        frames += 2;
      }
      if (round % 4 === 0) {
        const len = rng.between(1024, 16384);
        appendFrame(s2c, rng, { fin: true, rsv1: false, opcode: OP.binary, masked: false }, big, 0, len);
        frames++;
      }
      if (round % 64 === 63) {
        appendFrame(s2c, rng, { fin: true, rsv1: false, opcode: OP.binary, masked: false }, big, 0, big.length);
        frames++;
      }
      await exchange(client, server, c2s.buf.subarray(0, c2s.at), s2c.buf.subarray(0, s2c.at));
      round++;
    }
    const closeBody = Buffer.from([0x03, 0xe8]);
    c2s.at = s2c.at = 0;
    appendFrame(c2s, rng, { fin: true, rsv1: false, opcode: OP.close, masked: true }, closeBody, 0, 2);
    appendFrame(s2c, rng, { fin: true, rsv1: false, opcode: OP.close, masked: false }, closeBody, 0, 2);
    frames += 2;
    await exchange(client, server, c2s.buf.subarray(0, c2s.at), s2c.buf.subarray(0, s2c.at));
    client.destroy();
    server.destroy();
    flow.close();
  }
  w.close();
  writeFileSync(keysPath, keyLines.join(''));
  return { frames, connections, ...info, bytes: w.bytes };
}

/** The client writes `up`, the server reads all of it and answers `down`, the client reads that. */
async function exchange(client, server, up, down) {
  await Promise.all([writeAll(client, up), readBytes(server, up.length)]);
  await Promise.all([writeAll(server, down), readBytes(client, down.length)]);
}

function writeAll(socket, bytes) {
  return new Promise((resolve) => socket.write(bytes, () => resolve()));
}

function readBytes(socket, n) {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (chunk) => {
      got += chunk.length;
      if (got >= n) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
}
