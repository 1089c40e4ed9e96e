// The local certificate authority that signs the proxy's on-the-fly certificates: made once,
// kept in the user's config directory (key file mode 0600), loaded on later runs. Whoever
// holds the key can impersonate any site to a machine that trusts the CA, so it is unique
// per user, never shipped, and its files are only readable by their owner.
// Layer rule: sources/ — file I/O and crypto.
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { WsinspectError } from '../../errors.js';
import { generateRsaKeyPair, keyPairFromPem, randomSerial, signCertificate, type KeyPair } from './native-signer.js';

export interface LocalCa {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly certPem: string;
  readonly cert: forge.pki.Certificate;
  readonly key: KeyPair;
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  readonly spkiSha256: string;
  /** SHA-256 fingerprint of the certificate, colon-separated hex (what browsers display). */
  readonly fingerprint: string;
  /** True when this call made the CA. */
  readonly created: boolean;
}

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';
const CA_YEARS = 10;

/** Where the CA lives: $WSINSPECT_CA_DIR, else the platform's per-user config directory. */
export function defaultCaDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = homedir(),
): string {
  if (env.WSINSPECT_CA_DIR) return env.WSINSPECT_CA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'wsinspect');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'wsinspect');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'wsinspect');
}

/** Loads the CA from `dir` (default: defaultCaDir()), creating it the first time. */
export function openLocalCa(dir = defaultCaDir()): LocalCa {
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) return loadCa(dir, certPath, keyPath);
  if (existsSync(certPath) !== existsSync(keyPath)) {
    throw new WsinspectError(
      'ca.incomplete',
      `the CA in ${dir} is incomplete (one of ${CA_CERT_FILE}, ${CA_KEY_FILE} is missing): remove the other file to make a new CA`,
    );
  }
  return createCa(dir, certPath, keyPath);
}

function loadCa(dir: string, certPath: string, keyPath: string): LocalCa {
  try {
    const certPem = readFileSync(certPath, 'utf8');
    const key = keyPairFromPem(readFileSync(keyPath, 'utf8'));
    return describe(dir, certPath, keyPath, certPem, key, false);
  } catch (err) {
    if (err instanceof WsinspectError) throw err;
    throw new WsinspectError('ca.unreadable', `cannot read the CA in ${dir}: ${(err as Error).message}`);
  }
}

function createCa(dir: string, certPath: string, keyPath: string): LocalCa {
  const key = generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = randomSerial();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now + CA_YEARS * 365 * 24 * 3600 * 1000);
  // the host name in the subject tells apart the CAs of different machines in a trust store
  const subject = [
    { name: 'commonName', value: `wsinspect local CA (${hostname().slice(0, 32)})` },
    { name: 'organizationName', value: 'wsinspect' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, key.privateKey);
  const certPem = forge.pki.certificateToPem(cert);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // written under temporary names and renamed, key first: a reader never sees half a CA
    writeFileSync(`${keyPath}.tmp`, key.privatePem, { mode: 0o600 });
    chmodSync(`${keyPath}.tmp`, 0o600);
    writeFileSync(`${certPath}.tmp`, certPem, { mode: 0o644 });
    renameSync(`${keyPath}.tmp`, keyPath);
    renameSync(`${certPath}.tmp`, certPath);
  } catch (err) {
    throw new WsinspectError(
      'ca.unwritable',
      `cannot create the CA in ${dir}: ${(err as Error).message} (choose another place with --ca-dir or WSINSPECT_CA_DIR)`,
    );
  }
  return describe(dir, certPath, keyPath, certPem, key, true);
}

function describe(
  dir: string,
  certPath: string,
  keyPath: string,
  certPem: string,
  key: KeyPair,
  created: boolean,
): LocalCa {
  const x509 = new X509Certificate(certPem);
  if (!x509.checkPrivateKey(key.privateKey)) {
    throw new WsinspectError(
      'ca.mismatch',
      `the CA in ${dir}: ${CA_KEY_FILE} is not the key of ${CA_CERT_FILE}; remove both to make a new CA`,
    );
  }
  return {
    dir,
    certPath,
    keyPath,
    certPem,
    key,
    created,
    cert: forge.pki.certificateFromPem(certPem),
    spkiSha256: createHash('sha256').update(key.spki).digest('base64'),
    fingerprint: x509.fingerprint256,
  };
}
