// Reads a capture file or stdin as a stream and feeds it, chunk by chunk, to the pure
// CaptureDecoder, so memory stays bounded whatever the file size. The only I/O of the
// capture path; errors of the environment become WsinspectError with a stable code.
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureDecoder, type CaptureDecoderOptions } from '../capture/capture-decoder.js';
import { WsinspectError } from '../errors.js';
import type { StreamEvent } from '../session/events.js';
import { createPcapParserReader } from './pcap-parser-reader.js';

/** Which classic pcap reader to use: our in-place reader, or pcap-parser (the choice). */
export type PcapReaderChoice = 'builtin' | 'pcap-parser';

export interface CaptureSourceOptions extends Omit<CaptureDecoderOptions, 'pcapReader'> {
  /** Called after each chunk: bytes read so far and the file size (null for stdin). */
  readonly onProgress?: (bytesRead: number, totalBytes: number | null) => void;
  /** Awaited after each chunk, so a slow consumer of the events slows the reading (bounded memory). */
  readonly backpressure?: () => Promise<void>;
  /** Default 'builtin': both give the same events (tested); ours is faster on small packets (bench/README.md). */
  readonly pcapReader?: PcapReaderChoice;
  /** Asked after each chunk: true stops reading there (the rest of the file is not read; no end is decoded). */
  readonly stop?: () => boolean;
}

/** Read size: large enough that few records straddle chunks, small for memory. */
const CHUNK_BYTES = 1024 * 1024;

/** A CaptureDecoder for pcap (our reader unless pcap-parser is asked for) and pcapng. */
export function createCaptureDecoder(
  onEvent: (event: StreamEvent) => void,
  options: CaptureSourceOptions = {},
): CaptureDecoder {
  return new CaptureDecoder(onEvent, captureDecoderOptions(options));
}

/** The capture stage's options, with the pcap reader chosen. */
export function captureDecoderOptions(options: CaptureSourceOptions): CaptureDecoderOptions {
  const { pcapReader = 'builtin', onProgress: _p, backpressure: _b, stop: _s, ...rest } = options;
  return pcapReader === 'pcap-parser' ? { ...rest, pcapReader: createPcapParserReader } : rest;
}

/** What feedCapture does between chunks. */
export interface FeedHooks {
  /** Called after each chunk: bytes read so far and the file size (null for stdin). */
  readonly onProgress?: (bytesRead: number, totalBytes: number | null) => void;
  /** Awaited after each chunk, so a slow consumer of the events slows the reading (bounded memory). */
  readonly backpressure?: () => Promise<void>;
  /** Asked after each chunk: true stops reading there (the rest of the file is not read). */
  readonly stop?: () => boolean;
  /**
   * A stream input (stdin) is live: awaited after a chunk has been decoded when no more input
   * is waiting, so a consumer shows what it holds now (the printer flushes its block) instead
   * of when its block fills. Never called for a file, which keeps its big blocks.
   */
  readonly idle?: () => Promise<void> | void;
  /** Aborted: reading stops at once, also while waiting for input (Ctrl-C on a live stdin). */
  readonly signal?: AbortSignal;
}

/** A capture input opened for reading: its name in messages, its size (null for a stream), its chunks. */
export interface CaptureInput {
  readonly name: string;
  readonly total: number | null;
  /** The bytes in chunks; environment errors become WsinspectError('input.unreadable'). */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Bytes already read and waiting to be taken (a stream); null for a file. */
  readonly waiting: (() => number) | null;
}

/** Opens a file path, '-' for stdin, or any readable stream of bytes (WsinspectError when it cannot be read). */
export async function openCapture(input: string | Readable, signal?: AbortSignal): Promise<CaptureInput> {
  const name = typeof input === 'string' ? (input === '-' ? 'stdin' : input) : 'input stream';
  const total = typeof input === 'string' && input !== '-' ? await fileSize(input) : null;
  const readable: Readable | null = typeof input !== 'string' ? input : input === '-' ? process.stdin : null;
  if (readable === null)
    return { name, total, chunks: checkedChunks(fileChunks(input as string), name), waiting: null };
  return {
    name,
    total,
    chunks: checkedChunks(readable as AsyncIterable<Uint8Array | string>, name, readable, signal),
    waiting: () => readable.readableLength,
  };
}

async function* checkedChunks(
  stream: AsyncIterable<Uint8Array | string>,
  name: string,
  readable?: Readable,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  // an abort destroys the stream, which ends a read that is waiting for input (as a premature close)
  const abort = (): void => {
    readable?.destroy();
  };
  if (signal?.aborted === true) return;
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of stream) {
      if (isAborted(signal)) return;
      if (typeof chunk === 'string') throw new WsinspectError('input.unreadable', `${name}: stream is in text mode`);
      yield chunk;
    }
  } catch (error) {
    if (isAborted(signal)) return;
    throw asInputError(error, name);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Reads capture bytes from a file path, '-' for stdin, or any readable stream of bytes, and
 * hands each chunk to `push` (the pipeline's capture stage). Resolves when the input ended;
 * rejects with a WsinspectError for unreadable input (and passes on what `push` throws).
 * True when hooks.stop or hooks.signal ended the reading early.
 */
export async function feedCapture(
  input: string | Readable,
  push: (chunk: Uint8Array) => void,
  hooks: FeedHooks = {},
): Promise<boolean> {
  const { total, chunks, waiting } = await openCapture(input, hooks.signal);
  const idle = waiting === null ? undefined : hooks.idle;
  let read = 0;
  for await (const chunk of chunks) {
    push(chunk);
    read += chunk.length;
    hooks.onProgress?.(read, total);
    if (hooks.stop?.() === true) return true;
    if (hooks.backpressure !== undefined) await hooks.backpressure();
    if (idle !== undefined && waiting!() === 0) await idle();
  }
  return hooks.signal?.aborted === true;
}

/**
 * Decodes a capture from a file path, '-' for stdin, or any readable stream of bytes.
 * Resolves when the input ended and every event was emitted; rejects with a
 * WsinspectError for unreadable input or a file that is not a capture.
 */
export async function readCapture(
  input: string | Readable,
  onEvent: (event: StreamEvent) => void,
  options: CaptureSourceOptions = {},
): Promise<void> {
  const decoder = createCaptureDecoder(onEvent, options);
  const stopped = await feedCapture(input, (chunk) => decoder.push(chunk), options);
  if (!stopped) decoder.end();
}

/**
 * A file in CHUNK_BYTES chunks, with the next read always under way while the caller decodes
 * the current chunk. (fs.ReadStream asks for the next chunk only after the current one has
 * been handed over and the caller has yielded, so decoding waited for every read: a
 * noticeable share of a listing that prints little, such as --stats or --conn N; figures in
 * bench/README.md.) At most two chunks are held.
 */
async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  const readNext = () => file.read(Buffer.allocUnsafe(CHUNK_BYTES), 0, CHUNK_BYTES, null);
  let next = readNext();
  try {
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) return;
      next = readNext();
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // the read under way (the caller may have stopped early) must end before the file closes
    await next.catch(() => undefined);
    await file.close();
  }
}

/** A function, not `signal.aborted` inline: TypeScript would keep that narrowed across the awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new WsinspectError('input.unreadable', `cannot read ${path}: it is a directory`);
    return info.size;
  } catch (error) {
    throw asInputError(error, path);
  }
}

function asInputError(error: unknown, name: string): unknown {
  if (error instanceof WsinspectError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new WsinspectError('input.unreadable', `cannot read ${name}: ${(error as Error).message}`);
  }
  return error; // a bug: never swallowed
}
