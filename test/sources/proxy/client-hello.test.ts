// The SNI of a ClientHello as Node's TLS client writes it (a real peer, not hand-made bytes),
// without an SNI (an IP address), cut short at every length, and random bytes: a name or
// null, never an exception.
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientHelloSni } from '../../../src/sources/proxy/client-hello.js';

/** The first bytes a TLS client sends: its ClientHello. */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const first = new Promise<Buffer>((resolve) =>
    server.once('connection', (s) =>
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
      }),
    ),
  );
  const tls = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername });
  tls.on('error', () => {});
  const bytes = await first;
  tls.destroy();
  server.close();
  return bytes;
}

describe('clientHelloSni', () => {
  it("reads the name of Node's ClientHello, and null without one", async () => {
    const named = await clientHello('ws.example.test');
    expect(clientHelloSni(named)).toBe('ws.example.test');
    // RFC 6066 §3: no SNI for an IP address (Node sends none for servername '')
    expect(clientHelloSni(await clientHello(''))).toBeNull();
    for (let cut = 0; cut < named.length; cut++) {
      const name = clientHelloSni(named.subarray(0, cut));
      expect(name === null || name === 'ws.example.test').toBe(true);
    }
    expect(clientHelloSni(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeNull();
  });

  it('never throws on random bytes, TLS-looking or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, tlsStart) => {
        const input = tlsStart ? Uint8Array.from([0x16, 0x03, 0x01, ...bytes]) : bytes;
        const name = clientHelloSni(input);
        expect(name === null || /^[A-Za-z0-9._-]+$/.test(name)).toBe(true);
      }),
    );
  });
});
