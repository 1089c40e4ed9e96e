// Keys and signatures through Node's own crypto (OpenSSL) while node-forge assembles the X.509
// structures: a JavaScript RSA signature is slow enough to block the event loop — and with
// it every relayed connection — each time a new host is intercepted; OpenSSL's is far faster
// (figures: bench/README.md). Layer rule: sources/ — crypto for the proxy's TLS.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import forge from 'node-forge';

/** DER prefix of a DigestInfo for SHA-256 (RFC 8017 §9.2, note 1); the 32-byte digest follows. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export interface KeyPair {
  readonly privatePem: string;
  readonly privateKey: KeyObject;
  /** The public key as node-forge wants it in a certificate. */
  readonly publicKey: forge.pki.PublicKey;
  /** DER SubjectPublicKeyInfo (for key identifiers and SPKI pins). */
  readonly spki: Buffer;
}

/** A new RSA 2048 key pair, made by OpenSSL. */
export function generateRsaKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyPairFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

export function keyPairFromPem(privatePem: string): KeyPair {
  const privateKey = createPrivateKey(privatePem);
  const pub = createPublicKey(privateKey);
  return {
    privatePem,
    privateKey,
    publicKey: forge.pki.publicKeyFromPem(pub.export({ type: 'spki', format: 'pem' }).toString()),
    spki: pub.export({ type: 'spki', format: 'der' }),
  };
}

/** Signs `cert` with sha256WithRSAEncryption, the signature computed by OpenSSL. */
export function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
  const signer = {
    // RSASSA-PKCS1-v1_5 (RFC 8017 §8.2): the DigestInfo, padded and encrypted with the private key
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      return privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, digest]),
      ).toString('binary');
    },
  };
  // node-forge calls key.sign(md) with the digest of the to-be-signed certificate
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

/** A random positive serial number (RFC 5280 §4.1.2.2: up to 20 octets, positive). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x10; // positive, and no leading zero octet to strip
  return bytes.toString('hex');
}
