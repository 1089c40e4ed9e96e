// A recording (pcap, pcapng, HAR, wsinspect's NDJSON) as conversations: per connection, the
// client's handshake request, the server's response, and every data message in order with its
// direction and time — what `replay` sends and compares, and what `serve` plays back. The
// source goes through the same pipeline as a listing, with a consumer that keeps whole messages.
// Layer rule: pipeline/ — wiring a source to a consumer.
import { assumedDeflate } from '../protocol/deflate-params.js';
import type { HandshakeRequest, HandshakeResponse } from '../protocol/handshake-types.js';
import type { Direction, InspectEvent, Timestamp } from '../session/events.js';
import { sniffRecording } from '../sources/recording-sniff.js';
import { runCapture } from './capture-run.js';
import { CapturePipeline } from './capture-pipeline.js';
import type { EventConsumer } from './consumer.js';
import { Pipeline } from './pipeline.js';
import { runHar, runNdjson } from './recording-run.js';

export interface RecordedMessage {
  readonly dir: Direction;
  readonly opcode: 1 | 2;
  readonly data: Uint8Array;
  /** Text messages: the text. */
  readonly text?: string;
  readonly time: Timestamp;
  /** The recording held only part of it (cut at a limit, or the input ended inside it). */
  readonly partial: boolean;
}

export interface Conversation {
  readonly conn: number;
  readonly client: string;
  readonly server: string;
  request: HandshakeRequest | null;
  response: HandshakeResponse | null;
  readonly messages: RecordedMessage[];
}

class Collector implements EventConsumer {
  readonly keepPayload = Infinity;
  readonly conversations = new Map<number, Conversation>();

  event(ev: InspectEvent): void {
    if (ev.type === 'connection') {
      this.conversations.set(ev.conn, {
        conn: ev.conn,
        client: ev.client,
        server: ev.server,
        request: null,
        response: null,
        messages: [],
      });
      return;
    }
    const c = ev.conn === null ? undefined : this.conversations.get(ev.conn);
    if (c === undefined) return;
    if (ev.type === 'handshake') {
      if (ev.handshake.side === 'request') c.request ??= ev.handshake;
      else c.response ??= ev.handshake;
    } else if (ev.type === 'message' && (ev.opcode === 1 || ev.opcode === 2)) {
      c.messages.push({
        dir: ev.dir,
        opcode: ev.opcode,
        data: ev.data,
        ...(ev.opcode === 1 && ev.text !== undefined ? { text: ev.text } : {}),
        time: ev.time,
        partial: !ev.complete || ev.data.length < ev.length,
      });
    }
  }
}

/** Every WebSocket conversation of the file, in connection order (WsinspectError for unreadable input). */
export async function loadConversations(path: string): Promise<Conversation[]> {
  const collector = new Collector();
  const kind = sniffRecording(path);
  if (kind === null) {
    const pipeline = new CapturePipeline({ consumers: [collector], assumeDeflate: assumedDeflate() });
    await runCapture(pipeline, path);
    pipeline.finish();
    await pipeline.close();
  } else {
    const pipeline = new Pipeline({ consumers: [collector] });
    await (kind === 'har' ? runHar : runNdjson)(pipeline, path);
    pipeline.finish();
    await pipeline.close();
  }
  return [...collector.conversations.values()].sort((a, b) => a.conn - b.conn);
}
