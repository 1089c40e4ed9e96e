// The NSS key log format (SSLKEYLOGFILE): one secret per line, `LABEL <client random hex>
// <secret hex>`, as browsers, curl, OpenSSL, Node's `keylog` event and Python's ssl write it.
// Parsed into a map keyed by label and client random; comments (#), blank lines, CRLF and
// either hex case are accepted, duplicates keep the first, anything else is counted as junk.
// Layer rule: capture/ — pure (the file is read in cli/).

/** The labels wsinspect uses (TLS ≤ 1.2: the master secret; TLS 1.3: the traffic secrets). */
export const KEY_LOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
] as const;
export type KeyLogLabel = (typeof KEY_LOG_LABELS)[number];

/** Labels that are valid NSS lines but not needed for decryption (skipped, not junk). */
const OTHER_LABELS = new Set(['EXPORTER_SECRET', 'EARLY_EXPORTER_SECRET', 'RSA', 'CLIENT_RANDOM_RSA']);
/** Secrets after a KeyUpdate, as OpenSSL logs them (`_N`) or others number them: derived here instead. */
const LATER_TRAFFIC_SECRET = /^(CLIENT|SERVER)_TRAFFIC_SECRET_(N|[1-9]\d*)$/;

/**
 * Secrets by `LABEL:clientrandomhex` (lower case). A plain Map of bytes: the parallel reader
 * sends it to its workers as is (structured clone).
 */
export type KeyLogSecrets = Map<string, Uint8Array>;

export interface ParsedKeyLog {
  readonly secrets: KeyLogSecrets;
  /** Lines with a secret wsinspect uses (duplicates not counted). */
  readonly used: number;
  /** Lines that repeated a label and client random already seen (the first one is kept). */
  readonly duplicates: number;
  /** Lines that are not key log lines (not comments, not blank): skipped. */
  readonly junk: number;
}

const HEX = /^[0-9a-fA-F]+$/;

export function keyLogKey(label: KeyLogLabel, clientRandom: Uint8Array): string {
  return `${label}:${Buffer.from(clientRandom.buffer, clientRandom.byteOffset, clientRandom.byteLength).toString('hex')}`;
}

export function parseKeyLog(text: string, into: KeyLogSecrets = new Map()): ParsedKeyLog {
  let used = 0;
  let duplicates = 0;
  let junk = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim(); // CRLF and stray spaces
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    if (parts.length === 3 && (OTHER_LABELS.has(parts[0]) || LATER_TRAFFIC_SECRET.test(parts[0]))) continue;
    const entry = parseLine(parts);
    if (entry === null) {
      junk += 1;
      continue;
    }
    if (into.has(entry.key)) {
      duplicates += 1;
      continue;
    }
    into.set(entry.key, entry.secret);
    used += 1;
  }
  return { secrets: into, used, duplicates, junk };
}

function parseLine(parts: readonly string[]): { key: string; secret: Uint8Array } | null {
  if (parts.length !== 3) return null;
  const [label, random, secret] = parts;
  if (!(KEY_LOG_LABELS as readonly string[]).includes(label)) return null;
  // client random: 32 bytes; secret: 48 (master secret) or a hash length (32, 48)
  if (random.length !== 64 || !HEX.test(random)) return null;
  if (secret.length % 2 !== 0 || secret.length < 32 || secret.length > 128 || !HEX.test(secret)) return null;
  if (label === 'CLIENT_RANDOM' && secret.length !== 96) return null;
  return { key: `${label}:${random.toLowerCase()}`, secret: new Uint8Array(Buffer.from(secret, 'hex')) };
}
