// TLS through the proxy: wss:// upstream (verified by default, --insecure to skip), TLS
// terminated on the listen side with certificates from the local CA, CONNECT tunnels
// intercepted (or relayed blind with --no-intercept), and the clear errors when trust fails.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connect as tlsConnect,
  createServer as createTlsServer,
  type ConnectionOptions,
  type TLSSocket,
} from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameEvent } from '../../../src/session/events.js';
import { LeafCertificates } from '../../../src/sources/ca/leaf-certificates.js';
import { openLocalCa } from '../../../src/sources/ca/local-ca.js';
import {
  closed,
  connectTunnel,
  nextMessage,
  openClient,
  startEchoServer,
  startProxy,
  startTlsEchoServer,
  until,
  type Harness,
  type TlsEchoServer,
} from './proxy-harness.js';

const caDir = () => join(mkdtempSync(join(tmpdir(), 'wsinspect-tls-')), 'ca');
/** The proxy's CA (interception) and, separately, the CA of the "real" upstream server. */
const proxyCa = openLocalCa(caDir());
const proxyCerts = new LeafCertificates(proxyCa);
const upstreamCa = openLocalCa(caDir());
const upstreamCerts = new LeafCertificates(upstreamCa);
let echo: TlsEchoServer;

beforeAll(async () => {
  echo = await startTlsEchoServer(upstreamCa, {
    certPem: upstreamCerts.certificateFor('localhost').certPem,
    keyPem: upstreamCerts.leafKey().privatePem,
  });
});
afterAll(() => echo.close());

const wssTarget = () => ({ tls: true, host: '127.0.0.1', port: echo.port, label: `127.0.0.1:${echo.port}` });

/** One round trip and a clean close; returns the decoded text frames. */
async function roundTrip(
  h: Harness,
  url: string,
  options: Parameters<typeof openClient>[1],
  text: string,
): Promise<string[]> {
  const ws = await openClient(url, options);
  ws.send(text);
  expect((await nextMessage(ws)).toString()).toBe(text);
  ws.close(1000);
  await closed(ws);
  await until(() => h.events.some((e) => e.type === 'end'), 'end event');
  return h.events
    .filter((e): e is FrameEvent => e.type === 'frame' && e.frame.opcode === 1)
    .map((f) => `${f.dir} ${f.text}`);
}

/** TLS from the client through a CONNECT tunnel, trusting `caPem` only. */
async function tlsThroughTunnel(port: number, target: string, caPem: string, servername?: string): Promise<TLSSocket> {
  const tunnel = await connectTunnel(port, target);
  expect(tunnel.status).toBe('HTTP/1.1 200 Connection Established');
  const socket = tlsConnect({ socket: tunnel.socket, ca: caPem, servername, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

describe('TLS', () => {
  it('reverse to wss:// verifies the upstream certificate by default: an unknown CA gets a 502 with the reason', async () => {
    const h = await startProxy({ target: wssTarget() });
    try {
      const error = await openClient(`ws://127.0.0.1:${h.port}/`).then(
        () => 'opened',
        (err: Error) => err.message,
      );
      expect(error).toBe('Unexpected server response: 502');
      expect(h.problems).toHaveLength(1);
      expect(h.problems[0]).toMatch(
        /^null: client 127\.0\.0\.1:\d+: wss upstream 127\.0\.0\.1:\d+: TLS certificate not accepted \(.+\); use --insecure to skip verification; answered 502 Bad Gateway$/,
      );
    } finally {
      await h.close();
    }
  });

  it('reverse to wss:// with --insecure relays and decodes the decrypted conversation', async () => {
    const h = await startProxy({ target: wssTarget(), insecure: true });
    try {
      expect(await roundTrip(h, `ws://127.0.0.1:${h.port}/`, {}, 'over TLS upstream')).toEqual([
        'c2s over TLS upstream',
        's2c over TLS upstream',
      ]);
      expect(echo.received.length).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });

  it("--tls terminates the client's TLS with a certificate from the local CA", async () => {
    const h = await startProxy({ target: wssTarget(), insecure: true, listenTls: true, certificates: proxyCerts });
    try {
      const frames = await roundTrip(
        h,
        `wss://localhost:${h.port}/`,
        { ca: proxyCa.certPem, lookup: loopbackLookup },
        'TLS on both sides',
      );
      expect(frames).toEqual(['c2s TLS on both sides', 's2c TLS on both sides']);
      // the connection names the client's TLS, which the proxy terminated
      const connection = h.events.find((e) => e.type === 'connection');
      expect(connection?.type === 'connection' && connection.tls).toMatchObject({
        version: 'TLS 1.3',
        decrypted: true,
        sni: 'localhost',
      });
    } finally {
      await h.close();
    }
  });

  it("--tls in front of a ws:// server: the connection names the client's TLS, the only TLS there is", async () => {
    const plain = await startEchoServer();
    const target = { tls: false, host: '127.0.0.1', port: plain.port, label: `127.0.0.1:${plain.port}` };
    const h = await startProxy({ target, listenTls: true, certificates: proxyCerts });
    try {
      const frames = await roundTrip(
        h,
        `wss://localhost:${h.port}/`,
        { ca: proxyCa.certPem, lookup: loopbackLookup },
        'TLS to the proxy only',
      );
      expect(frames).toEqual(['c2s TLS to the proxy only', 's2c TLS to the proxy only']);
      const connection = h.events.find((e) => e.type === 'connection');
      expect(connection?.type === 'connection' && [connection.url, connection.tls]).toEqual([
        `ws://127.0.0.1:${plain.port}/`,
        { version: 'TLS 1.3', cipher: expect.stringMatching(/^TLS_/), alpn: null, decrypted: true, sni: 'localhost' },
      ]);
    } finally {
      await h.close();
      await plain.close();
    }
  });

  it('forward mode intercepts a CONNECT tunnel carrying TLS, for an IP address and for an SNI name', async () => {
    const h = await startProxy({ target: null, insecure: true, certificates: proxyCerts });
    try {
      for (const servername of [undefined, 'localhost']) {
        const socket = await tlsThroughTunnel(h.port, `127.0.0.1:${echo.port}`, proxyCa.certPem, servername);
        const issuer = socket.getPeerCertificate().issuer.CN;
        expect(issuer).toBe(proxyCa.cert.subject.getField('CN').value);
        const ws = await openClient(`wss://127.0.0.1:${echo.port}/intercepted`, { createConnection: () => socket });
        ws.send(`intercepted ${servername ?? 'by IP'}`);
        expect((await nextMessage(ws)).toString()).toBe(`intercepted ${servername ?? 'by IP'}`);
        ws.close();
        await closed(ws);
      }
      await until(() => h.events.filter((e) => e.type === 'end').length === 2, 'two ends');
      // the host asked for: the CONNECT target, or the SNI name where the client sent one
      expect(
        h.events.flatMap((e) => (e.type === 'connection' ? [[e.host, e.url, e.tls?.sni, e.tls?.decrypted]] : [])),
      ).toEqual([
        [`127.0.0.1:${echo.port}`, `wss://127.0.0.1:${echo.port}/intercepted`, null, true],
        [`localhost:${echo.port}`, `wss://localhost:${echo.port}/intercepted`, 'localhost', true],
      ]);
      const texts = h.events
        .filter((e): e is FrameEvent => e.type === 'frame' && e.frame.opcode === 1)
        .map((f) => `${f.conn} ${f.dir} ${f.text}`);
      expect(texts).toEqual([
        '1 c2s intercepted by IP',
        '1 s2c intercepted by IP',
        '2 c2s intercepted localhost',
        '2 s2c intercepted localhost',
      ]);
    } finally {
      await h.close();
    }
  });

  it('--no-intercept relays a TLS tunnel blind: the client sees the real certificate, the output one note', async () => {
    const h = await startProxy({ target: null, intercept: false, certificates: null });
    try {
      const socket = await tlsThroughTunnel(h.port, `127.0.0.1:${echo.port}`, upstreamCa.certPem);
      expect(socket.getPeerCertificate().issuer.CN).toBe(upstreamCa.cert.subject.getField('CN').value);
      const ws = await openClient(`wss://127.0.0.1:${echo.port}/blind`, { createConnection: () => socket });
      ws.send('unseen');
      await nextMessage(ws);
      ws.close();
      await closed(ws);
      await until(() => h.events.length > 0, 'the note');
      // a blind tunnel carries no WebSocket the proxy can see: one note, no connection number
      expect(h.events.map((e) => [e.type, e.conn])).toEqual([['diagnostic', null]]);
      expect(h.events[0].type === 'diagnostic' && h.events[0].diagnostic.code).toBe('proxy.tls-not-intercepted');
    } finally {
      await h.close();
    }
  });

  it('says clearly when the client does not trust the local CA', async () => {
    const h = await startProxy({ target: null, insecure: true, certificates: proxyCerts });
    try {
      const err = await tlsThroughTunnel(h.port, `127.0.0.1:${echo.port}`, upstreamCa.certPem).then(
        () => 'connected',
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(err).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
      await until(() => h.problems.length === 1, 'the problem line');
      // TLS 1.3: the client verifies after its Finished and hangs up without an alert
      expect(h.problems[0]).toMatch(/^null: client 127\.0\.0\.1:\d+: /);
      expect(h.problems[0].replace(/^null: client 127\.0\.0\.1:\d+: /, '')).toBe(
        'TLS handshake with the client failed: the client closed the connection during the TLS handshake for 127.0.0.1 — if it does not trust wsinspect\'s certificates, make it trust the CA shown by "wsinspect ca"',
      );
    } finally {
      await h.close();
    }
  });

  it("passes a half-close through TLS on both sides: the server answers after the client's FIN", async () => {
    const server = createTlsServer(
      {
        key: upstreamCerts.leafKey().privatePem,
        cert: upstreamCerts.certificateFor('localhost').certPem,
        allowHalfOpen: true,
      },
      (s) => {
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString();
        });
        s.on('end', () => s.end(`answer after your FIN: ${got}`));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const h = await startProxy({
      target: { tls: true, host: '127.0.0.1', port, label: `127.0.0.1:${port}` },
      insecure: true,
      listenTls: true,
      certificates: proxyCerts,
    });
    try {
      const c = tlsConnect({
        host: '127.0.0.1',
        port: h.port,
        ca: proxyCa.certPem,
        servername: 'localhost',
        allowHalfOpen: true,
      } as ConnectionOptions);
      let back = '';
      c.on('data', (d: Buffer) => {
        back += d.toString();
      });
      const ended = new Promise((resolve) => c.on('end', resolve));
      c.on('secureConnect', () => c.end('question'));
      await ended;
      expect(back).toBe('answer after your FIN: question');
      await until(() => h.streamEvents.some((e) => e.kind === 'end' && e.dir === undefined), 'final end');
      expect(
        h.streamEvents.filter((e) => e.kind === 'end').map((e) => e.kind === 'end' && `${e.dir ?? 'both'} ${e.reason}`),
      ).toEqual(['c2s tcp-fin', 's2c tcp-fin', 'both tcp-fin']);
    } finally {
      await h.close();
      server.close();
    }
  });
});

/** localhost → 127.0.0.1 only: the tests never depend on how the machine resolves names. */
function loopbackLookup(_host: string, options: unknown, callback?: unknown): void {
  const cb = (typeof options === 'function' ? options : callback) as (
    err: Error | null,
    address: string | { address: string; family: number }[],
    family?: number,
  ) => void;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
  if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}
