// A capture's index saved on disk, so that a later run reads one frame of a big file (--frame,
// the UI) without decoding the file again. One file per capture and indexing options, in a
// cache directory the caller names: a short header (what it was made from) and the index as
// one chunk in V8's serialization format (the structured clone the index worker already posts).
// It is used only while the capture is the same file with the same size, modification time
// and first and last 64 KiB, made by the same format and V8 version, with the same options;
// anything else (or a damaged file) reads as "no index", with the reason.
// Layer rule: index/ — reads and writes its own files.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import type { IndexChunk, IndexOptions } from './index-builder.js';
import { IndexState } from './index-state.js';
import { WIDE_FROM } from './index-run.js';

const MAGIC = 'wsinspect-index\n';
/** Bumped whenever the columns, flags or chunk shape change. */
const FORMAT = 1;
const SAMPLE = 64 * 1024;
const MAX_HEADER = 64 * 1024;
/** The cache keeps its most recently used files up to this many bytes. */
export const CACHE_LIMIT = 2 * 1024 ** 3;

/** What an index was made from: all of it must match for the index to be used. */
export interface IndexIdentity {
  readonly format: number;
  readonly v8: string;
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** sha256 of the file's first and last 64 KiB. */
  readonly sample: string;
  /** The indexing options (decode-as ports, key log, checkpoints), hashed. */
  readonly options: string;
}

export interface SavedIndexHeader extends IndexIdentity {
  readonly frames: number;
  readonly messages: number;
  readonly connections: number;
  readonly createdAt: string;
  /** CRC-32 of the serialized index: a damaged file is not read as an index. */
  readonly crc32: number;
}

export type LoadedIndex = { readonly state: IndexState; readonly header: SavedIndexHeader } | { readonly why: string };

/** The indexing options as a short hash: two runs with other options get other index files. */
export function optionsKey(options: IndexOptions): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([[...(options.decodeAs ?? [])].sort((a, b) => a - b), options.checkpointEvery ?? null]));
  h.update(JSON.stringify(options.checkpointSpacing ?? null));
  const keys: KeyLogSecrets | undefined = options.keyLog;
  if (keys !== undefined)
    for (const k of [...keys.keys()].sort()) {
      h.update(k);
      h.update(keys.get(k)!);
    }
  return h.digest('hex').slice(0, 32);
}

/** The identity of `file` as it is now, for these options. */
export async function identify(file: string, options: IndexOptions): Promise<IndexIdentity> {
  const path = resolve(file);
  const st = await stat(path);
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(SAMPLE, st.size));
    await fh.read(buf, 0, buf.length, 0);
    h.update(buf);
    if (st.size > SAMPLE) {
      const tail = Buffer.alloc(Math.min(SAMPLE, st.size - SAMPLE));
      await fh.read(tail, 0, tail.length, st.size - tail.length);
      h.update(tail);
    }
  } finally {
    await fh.close();
  }
  return {
    format: FORMAT,
    v8: process.versions.v8,
    file: path,
    size: st.size,
    mtimeMs: Math.round(st.mtimeMs),
    sample: h.digest('hex'),
    options: optionsKey(options),
  };
}

/** Where the index of this capture with these options lives in `dir`. */
export function indexPath(dir: string, id: IndexIdentity): string {
  const name = createHash('sha256').update(id.file).update('\0').update(id.options).digest('hex').slice(0, 32);
  return join(dir, `${name}.wsidx`);
}

/** Saves the whole index (written beside and renamed: never half a file), then trims the cache to CACHE_LIMIT. */
export async function saveIndex(dir: string, id: IndexIdentity, state: IndexState): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = indexPath(dir, id);
  const body = serialize(state.snapshot());
  const header: SavedIndexHeader = {
    ...id,
    frames: state.frames.length,
    messages: state.messages.length,
    connections: state.conns.size,
    createdAt: new Date().toISOString(),
    crc32: crc32(body),
  };
  const head = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, [Buffer.from(MAGIC), len, head, body]);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await trimCache(dir, path);
  return path;
}

/** The saved index of `id` as one chunk (IndexState.apply takes it), or why there is none to use. */
export async function readSavedIndex(
  dir: string,
  id: IndexIdentity,
): Promise<{ readonly chunk: IndexChunk; readonly header: SavedIndexHeader } | { readonly why: string }> {
  const path = indexPath(dir, id);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { why: code === 'ENOENT' ? 'none saved' : `cannot read ${path}: ${code ?? String(error)}` };
  }
  const header = parseHeader(bytes);
  if (typeof header === 'string') return { why: `${path}: ${header}` };
  const stale = mismatch(header, id);
  if (stale !== null) return { why: `the saved index is stale (${stale})` };
  const body = bytes.subarray(MAGIC.length + 4 + header.headerLength);
  if (crc32(body) !== header.crc32) return { why: `${path}: damaged (its checksum does not match)` };
  let chunk: IndexChunk;
  try {
    chunk = deserialize(body) as IndexChunk;
  } catch (error) {
    return { why: `${path}: damaged (${error instanceof Error ? error.message : String(error)})` };
  }
  if (chunk?.frames?.count !== header.frames || chunk.messages?.count !== header.messages)
    return { why: `${path}: damaged (row counts differ from its header)` };
  // the cache keeps what is used: the file's time is its last use
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
  return { chunk, header };
}

/** The saved index of `id`, or why there is none to use. */
export async function loadIndex(dir: string, id: IndexIdentity): Promise<LoadedIndex> {
  const saved = await readSavedIndex(dir, id);
  if ('why' in saved) return saved;
  const state = new IndexState(id.size >= WIDE_FROM);
  try {
    state.apply(saved.chunk, { done: id.size, total: id.size }, true);
  } catch (error) {
    return { why: `${indexPath(dir, id)}: damaged (${error instanceof Error ? error.message : String(error)})` };
  }
  return { state, header: saved.header };
}

function parseHeader(bytes: Buffer): (SavedIndexHeader & { headerLength: number }) | string {
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC)
    return 'not a wsinspect index';
  const n = bytes.readUInt32BE(MAGIC.length);
  if (n > MAX_HEADER || MAGIC.length + 4 + n > bytes.length) return 'damaged (header length)';
  try {
    const header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + n)) as SavedIndexHeader;
    if (typeof header !== 'object' || header === null || typeof header.frames !== 'number') return 'damaged (header)';
    return { ...header, headerLength: n };
  } catch {
    return 'damaged (header is not JSON)';
  }
}

function mismatch(saved: IndexIdentity, now: IndexIdentity): string | null {
  if (saved.format !== now.format) return `index format ${saved.format}, this version reads ${now.format}`;
  if (saved.v8 !== now.v8) return `made by V8 ${saved.v8}, this is ${now.v8}`;
  if (saved.file !== now.file) return 'made for another file';
  if (saved.options !== now.options) return 'made with other options';
  if (saved.size !== now.size) return `the capture was ${saved.size} bytes, now ${now.size}`;
  if (saved.mtimeMs !== now.mtimeMs) return 'the capture was modified since';
  if (saved.sample !== now.sample) return 'the capture’s first or last 64 KiB changed';
  return null;
}

/** Deletes the least recently used index files until the cache is at most CACHE_LIMIT (keeping `keep`). */
async function trimCache(dir: string, keep: string): Promise<void> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.wsidx'));
  const files: { path: string; size: number; used: number }[] = [];
  for (const n of names) {
    const path = join(dir, n);
    const st = await stat(path).catch(() => null);
    if (st !== null) files.push({ path, size: st.size, used: st.mtimeMs });
  }
  let total = files.reduce((s, f) => s + f.size, 0);
  for (const f of files.sort((a, b) => a.used - b.used)) {
    if (total <= CACHE_LIMIT) break;
    if (f.path === keep) continue;
    await unlink(f.path).catch(() => undefined);
    total -= f.size;
  }
}
