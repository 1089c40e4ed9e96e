// The capture reader of the library: `for await (const ev of readCapture('x.pcapng'))` gives
// every decoded event (connection, handshake, frame, message, diagnostic, end) of a pcap or
// pcapng file, stdin ('-') or any byte stream, through the same pipeline as `wsinspect FILE`.
// Pull-based: the next chunk is read only when the events of the previous one were taken, so
// memory stays bounded by one chunk's events. Layer rule: pipeline/ — wiring a source.
import type { Readable } from 'node:stream';
import type { KeyLogSecrets } from '../capture/tls/key-log.js';
import { assumedDeflate } from '../protocol/deflate-params.js';
import type { InspectEvent } from '../session/events.js';
import { openCapture } from '../sources/capture-source.js';
import { CapturePipeline } from './capture-pipeline.js';

export interface ReadCaptureOptions {
  /** TCP ports whose connections are decoded as WebSocket even without a handshake. */
  readonly decodeAs?: readonly number[];
  /** Bytes kept of each uncompressed binary payload (default: all of them). */
  readonly keepPayload?: number;
  /** TLS secrets (parseKeyLog(text).secrets): wss connections are decrypted. */
  readonly keyLog?: KeyLogSecrets;
  /** Decrypted connections keep the log of their TLS records (TlsInfo.records). */
  readonly tlsDetail?: boolean;
}

/** Rejects (at the first iteration) with a WsinspectError for unreadable input or a file that is not a capture. */
export async function* readCapture(
  input: string | Readable,
  options: ReadCaptureOptions = {},
): AsyncGenerator<InspectEvent, void, undefined> {
  let batch: InspectEvent[] = [];
  const take = (): InspectEvent[] => {
    const out = batch;
    batch = [];
    return out;
  };
  const pipeline = new CapturePipeline({
    consumers: [{ keepPayload: options.keepPayload ?? Infinity, event: (ev) => batch.push(ev) }],
    assumeDeflate: assumedDeflate(),
    capture: { decodeAs: options.decodeAs ?? [], keyLog: options.keyLog, tlsDetail: options.tlsDetail },
  });
  const { chunks } = await openCapture(input);
  for await (const chunk of chunks) {
    pipeline.push(chunk);
    yield* take();
  }
  pipeline.endCapture();
  pipeline.finish();
  yield* take();
}
