// Server certificates made on the fly for each host a client asks for, signed by the local CA:
// the subjectAltName names the host (a DNS name or an IP address, RFC 5280 §4.2.1.6), one key
// pair serves every host (as in other intercepting proxies: key generation is the slow part),
// and the TLS contexts are cached per host for the life of the process.
// Layer rule: sources/ — crypto for the proxy's TLS.
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import forge from 'node-forge';
import type { CertificateSource } from '../proxy/tls-terminator.js';
import type { LocalCa } from './local-ca.js';
import { generateRsaKeyPair, randomSerial, signCertificate, type KeyPair } from './native-signer.js';

const LEAF_DAYS = 90;
const MAX_CACHED = 1000;

export class LeafCertificates implements CertificateSource {
  private key: KeyPair | null = null;
  private readonly contexts = new Map<string, SecureContext>();

  constructor(readonly ca: LocalCa) {}

  /** The TLS context with a certificate for `host` (cached). */
  contextFor(host: string): SecureContext {
    const name = host.toLowerCase();
    const cached = this.contexts.get(name);
    if (cached !== undefined) return cached;
    const { certPem } = this.certificateFor(name);
    // the CA goes along in the chain: clients that pin it (Chromium's SPKI list) find it there
    const context = createSecureContext({
      key: this.leafKey().privatePem,
      cert: certPem + this.ca.certPem,
      minVersion: 'TLSv1.2',
    });
    if (this.contexts.size >= MAX_CACHED) this.contexts.delete(this.contexts.keys().next().value as string);
    this.contexts.set(name, context);
    return context;
  }

  /** A certificate for `host`, PEM. */
  certificateFor(host: string): { certPem: string } {
    const key = this.leafKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    cert.serialNumber = randomSerial();
    const now = Date.now();
    cert.validity.notBefore = new Date(now - 24 * 3600 * 1000);
    cert.validity.notAfter = new Date(now + LEAF_DAYS * 24 * 3600 * 1000);
    cert.setSubject([
      { name: 'commonName', value: host.slice(0, 64) },
      { name: 'organizationName', value: 'wsinspect proxy' },
    ]);
    cert.setIssuer(this.ca.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(host) },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    signCertificate(cert, this.ca.key.privateKey);
    return { certPem: forge.pki.certificateToPem(cert) };
  }

  /** The leaf key pair, made at first use. */
  leafKey(): KeyPair {
    this.key ??= generateRsaKeyPair();
    return this.key;
  }
}

/** DNS name or IP address; "localhost" also covers the loopback addresses clients may dial. */
function altNames(host: string): { type: number; value?: string; ip?: string }[] {
  if (isIP(host) !== 0) return [{ type: 7, ip: host }];
  const names: { type: number; value?: string; ip?: string }[] = [{ type: 2, value: host }];
  if (host === 'localhost') names.push({ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' });
  return names;
}
