// A pipeline that also takes capture bytes (pcap, pcapng): the capture stage (link, IP, TCP)
// in front of the stream entry. A subclass in its own module so that commands without capture
// input (hex, accept) start without loading the capture layer (~25 modules).
// Layer rule: pipeline/ — wiring only.
import { CaptureDecoder, type CaptureDecoderOptions } from '../capture/capture-decoder.js';
import type { CaptureSummary } from '../capture/capture-tally.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';

export interface CapturePipelineOptions extends PipelineOptions {
  /** The capture stage's options. */
  readonly capture?: Omit<CaptureDecoderOptions, 'onFirstPacketTime'>;
}

export class CapturePipeline extends Pipeline {
  private capture: CaptureDecoder | null = null;

  constructor(private readonly captureOptions: CapturePipelineOptions) {
    super(captureOptions);
  }

  /** Capture bytes (pcap, pcapng), any chunk size: into the capture stage. */
  push(chunk: Uint8Array): void {
    (this.capture ??= this.captureStage()).push(chunk);
  }

  /** End of capture bytes: a cut record is reported and the capture's connections end (WsinspectError if it was no capture). */
  endCapture(): void {
    (this.capture ??= this.captureStage()).end();
  }

  /** What the capture held besides WebSocket (the hints of an empty result); null when no capture bytes came. */
  captureSummary(): CaptureSummary | null {
    return this.capture?.summary() ?? null;
  }

  private captureStage(): CaptureDecoder {
    const consumers = this.consumers;
    return new CaptureDecoder(this.enterStream, {
      ...this.captureOptions.capture,
      onFirstPacketTime: (t) => {
        for (const c of consumers) c.timeOrigin?.(t);
      },
    });
  }
}
