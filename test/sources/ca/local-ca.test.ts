// The local CA and the leaf certificates it signs: created once with a private key only its
// owner can read, loaded unchanged later, and leaves that Node's TLS (OpenSSL) verifies for
// DNS names and IP addresses.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LeafCertificates } from '../../../src/sources/ca/leaf-certificates.js';
import { CA_CERT_FILE, CA_KEY_FILE, defaultCaDir, openLocalCa } from '../../../src/sources/ca/local-ca.js';
import { WsinspectError } from '../../../src/errors.js';
import { terminateTls } from '../../../src/sources/proxy/tls-terminator.js';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'wsinspect-ca-')), 'ca');

/** Connects with only `caPem` trusted, asking for `servername`; resolves with the verification result. */
async function handshake(
  leaves: LeafCertificates,
  host: string,
  servername: string | undefined,
  caPem: string,
): Promise<string> {
  // the proxy's own TLS termination: SNI picks the certificate, `host` names it without SNI
  const server = createServer(
    (socket) => void terminateTls(socket, host, leaves).then((r) => (r.ok ? r.socket.end() : socket.destroy())),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername, ca: caPem });
      s.once('secureConnect', () => {
        resolve('ok');
        s.destroy();
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  } finally {
    server.close();
  }
}

describe('local CA', () => {
  it('is created once, with a private key readable by its owner only, and loaded unchanged later', () => {
    const dir = freshDir();
    const first = openLocalCa(dir);
    expect(first.created).toBe(true);
    expect(statSync(join(dir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    const again = openLocalCa(dir);
    expect(again.created).toBe(false);
    expect(again.certPem).toBe(first.certPem);
    expect(again.spkiSha256).toBe(first.spkiSha256);
    const x509 = new X509Certificate(first.certPem);
    expect(x509.ca).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(first.spkiSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses a half-present CA with a clear error', () => {
    const dir = freshDir();
    openLocalCa(dir);
    rmSync(join(dir, CA_KEY_FILE));
    expect(() => openLocalCa(dir)).toThrow(WsinspectError);
    expect(() => openLocalCa(dir)).toThrow(/incomplete/);
  });

  it('refuses a key that does not belong to the certificate', () => {
    const a = freshDir();
    const b = freshDir();
    openLocalCa(a);
    const other = openLocalCa(b);
    writeFileSync(join(a, CA_KEY_FILE), other.key.privatePem);
    expect(() => openLocalCa(a)).toThrow(/is not the key of/);
    expect(existsSync(join(a, CA_CERT_FILE))).toBe(true);
  });

  it('lives in the per-user config directory by default', () => {
    expect(defaultCaDir({}, 'linux', '/home/u')).toBe('/home/u/.config/wsinspect');
    expect(defaultCaDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/wsinspect');
    expect(defaultCaDir({ WSINSPECT_CA_DIR: '/y' }, 'linux', '/home/u')).toBe('/y');
    expect(defaultCaDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/wsinspect');
    expect(defaultCaDir({ APPDATA: 'C:\\AppData' }, 'win32', 'C:\\Users\\u')).toMatch(/^C:\\AppData.wsinspect$/);
  });
});

describe('leaf certificates', () => {
  const ca = openLocalCa(freshDir());
  const leaves = new LeafCertificates(ca);

  it('are verified by OpenSSL for a DNS name, localhost and IP addresses', async () => {
    expect(await handshake(leaves, 'ws.example.test', 'ws.example.test', ca.certPem)).toBe('ok');
    expect(await handshake(leaves, 'localhost', 'localhost', ca.certPem)).toBe('ok');
    expect(await handshake(leaves, '127.0.0.1', undefined, ca.certPem)).toBe('ok');
  });

  it('are not trusted by a client that does not trust the CA', async () => {
    const stranger = openLocalCa(freshDir());
    expect(await handshake(leaves, 'localhost', 'localhost', stranger.certPem)).toMatch(
      /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
    );
  });

  it('name the host in subjectAltName, are not CAs, and are signed by the CA', () => {
    const pem = leaves.certificateFor('::1').certPem;
    const x509 = new X509Certificate(pem);
    expect(x509.subjectAltName).toBe('IP Address:0:0:0:0:0:0:0:1');
    expect(x509.ca).toBe(false);
    expect(x509.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x509.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(new X509Certificate(leaves.certificateFor('localhost').certPem).subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
  });

  it('reuse one TLS context per host', () => {
    expect(leaves.contextFor('a.test')).toBe(leaves.contextFor('A.TEST'));
  });
});
