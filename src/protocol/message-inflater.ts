// permessage-deflate inflation of whole messages, one direction (RFC 7692 §7.2.2), keeping
// the sender's LZ77 context between messages and explaining failures in plain words.
// Layer rule: protocol/ — synchronous node:zlib only: the decoder must stay in step with the
// bytes (an async inflater would finish after later frames were decoded), and no I/O.
import { constants as bufferConstants } from 'node:buffer';
import { LiveInflate, Overflow } from './live-inflate.js';
import { diagnostic, type Diagnostic } from './diagnostic-catalogue.js';
import type { DeflateDirection } from './handshake-types.js';
import {
  bombDiagnostic,
  diagnoseInflateFailure,
  inflateBombHead,
  inflatedChecks,
  tryInflate,
  withEnding,
  type InflateSettings,
} from './inflate-diagnosis.js';

export interface InflateResult {
  /** Inflated bytes (derived data); partial when `partial` is true. */
  readonly data: Uint8Array;
  /** True when not all of the message could be inflated. */
  readonly partial: boolean;
  readonly diagnostics: Diagnostic[];
}

export interface MessageInflaterOptions {
  /** Which side sends these messages; names the negotiated parameters in diagnostics. */
  readonly sender?: 'client' | 'server';
  /**
   * True when the inflater starts at the first message of the connection (the handshake was
   * seen). Otherwise earlier messages may be missing and a reference before the first byte
   * seen is reported as deflate.context-missing rather than as a broken message.
   */
  readonly fromStart?: boolean;
  /** Start from this saved state (MessageInflater.checkpoint) instead of an empty context. */
  readonly checkpoint?: InflateCheckpoint;
}

/**
 * The sender's LZ77 context between two messages, saved so that a later message can be
 * inflated without inflating every message before it: zlib takes the window as the preset
 * dictionary of a raw inflate (`zlib.inflateRawSync(buf, { dictionary })`).
 */
export interface InflateCheckpoint {
  /** The last output, at most 32 KiB (DEFLATE's largest window): all a later message can refer to. */
  readonly window: Uint8Array;
  /** True when the window reaches back to the start of the context (nothing before it was missed). */
  readonly fromStart: boolean;
}

/** DEFLATE's largest window (RFC 1951 §2): all the history a message can refer to. */
const HISTORY = 32768;
/** Messages up to this size are framed in a reused buffer; bigger ones get their own. */
const SCRATCH = 65536;

/**
 * The last 32 KiB of output, kept in a buffer twice that size so appending small messages
 * copies only the new bytes, and sliding down happens once per 32 KiB of output.
 */
class OutputHistory {
  private readonly buf = new Uint8Array(2 * HISTORY);
  private len = 0;

  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  last(n: number): Uint8Array {
    return this.buf.subarray(Math.max(0, this.len - n), this.len);
  }

  append(out: Uint8Array): void {
    const n = out.length;
    if (n >= HISTORY) {
      this.buf.set(out.subarray(n - HISTORY), 0);
      this.len = HISTORY;
      return;
    }
    if (this.len + n > this.buf.length) {
      const keep = HISTORY - n;
      this.buf.copyWithin(0, this.len - keep, this.len);
      this.len = keep;
    }
    this.buf.set(out, this.len);
    this.len += n;
  }

  clear(): void {
    this.len = 0;
  }
}

/** Inflates the compressed messages of one direction of one connection, in order. */
export class MessageInflater {
  private readonly windowBits: number;
  private readonly noContextTakeover: boolean;
  private readonly maxOutput: number;
  private readonly windowParam: string;
  private readonly contextParam: string;
  private readonly history = new OutputHistory();
  /** True while `history` reaches back to the start of the sender's context. */
  private historyFromStart: boolean;
  private readonly scratch = new Uint8Array(SCRATCH);
  /** The sender's context in a live zlib stream while it matches `history`; null once out of step. */
  private live: LiveInflate | null = null;
  private liveUnusable = false;

  constructor(settings: DeflateDirection, maxInflatedBytes: number, options: MessageInflaterOptions = {}) {
    // Negotiation yields 8..15 (RFC 7692 §7.1.2.1); clamp anyway so bad input never throws.
    // zlib's raw inflate takes 8 as is; a zlib sender asked for 8 uses 9 but never reaches
    // more than 2^9 - 262 = 250 bytes back, so 8 checks it correctly.
    this.windowBits = Math.min(15, Math.max(8, Math.trunc(settings.windowBits) || 15));
    this.noContextTakeover = settings.noContextTakeover;
    this.maxOutput = Math.min(bufferConstants.MAX_LENGTH, Math.max(1, Math.trunc(maxInflatedBytes) || 1));
    const prefix = options.sender === undefined ? '' : `${options.sender}_`;
    this.windowParam = `${prefix}max_window_bits`;
    this.contextParam = `${prefix}no_context_takeover`;
    this.historyFromStart = options.fromStart ?? false;
    if (options.checkpoint !== undefined) {
      this.history.append(options.checkpoint.window);
      this.historyFromStart = options.checkpoint.fromStart;
    }
  }

  /** True when messages may refer to earlier ones (no no_context_takeover): checkpoints matter. */
  get contextTakeover(): boolean {
    return !this.noContextTakeover;
  }

  /** The context now, between messages: a copy (32 KiB at most) to resume from later. */
  checkpoint(): InflateCheckpoint {
    return { window: this.history.last(HISTORY).slice(), fromStart: this.historyFromStart };
  }

  /**
   * Inflates one whole message: the concatenated payloads of all its frames (RSV1 set on the
   * first). `complete` false means the input ended before the message did: what is there is
   * inflated and marked partial (deflate.partial).
   */
  inflate(compressed: Uint8Array, complete: boolean): InflateResult {
    if (compressed.length === 0) return this.empty(complete);
    if (complete) {
      const fast = this.inflateLive(compressed);
      if (fast !== null) return fast;
    } else {
      // cut off by the end of the input: what zlib makes of it in place (a bomb is cut to its
      // head without inflateRawSync buffering output up to the limit first); an error or a
      // final block goes the full way below, for its diagnosis
      const cut = LiveInflate.create(this.windowBits, this.dictionary())?.prefix(compressed, this.maxOutput);
      if (cut instanceof Overflow) return this.bomb(compressed, cut.head, false);
      if (cut instanceof Uint8Array) return this.inflated(compressed, compressed, false, cut, compressed.length);
    }
    const input = complete ? withEnding(compressed, this.scratch) : compressed;
    const settings: InflateSettings = {
      windowBits: this.windowBits,
      dictionary: this.dictionary(),
      maxOutput: this.maxOutput,
    };
    const attempt = tryInflate(input, settings, complete);
    if (attempt.ok) return this.inflated(compressed, input, complete, attempt.data, attempt.consumed);
    if (attempt.bomb) return this.bomb(compressed, inflateBombHead(compressed, settings), complete);
    return this.failed(compressed, input, complete, attempt.reason);
  }

  /**
   * The common case without a new zlib engine or a 32 KiB dictionary per message: the live
   * stream takes the message plus 00 00 ff ff (RFC 7692 §7.2.2). Anything unusual (a zlib
   * error, a final block, too much output) returns null and the full path below runs,
   * with its diagnosis; the live stream is rebuilt from `history` for the next message.
   */
  private inflateLive(compressed: Uint8Array): InflateResult | null {
    if (this.liveUnusable) return null;
    if (this.live === null) {
      this.live = LiveInflate.create(this.windowBits, this.dictionary());
      if (this.live === null) {
        this.liveUnusable = true;
        return null;
      }
    } else if (this.noContextTakeover) {
      this.live.reset();
    }
    const data = this.live.inflate(compressed, this.maxOutput);
    if (data === null) {
      this.live = null;
      return null;
    }
    if (data instanceof Overflow) return this.bomb(compressed, data.head, true);
    // the live stream took every byte: only a window below 15 bits leaves something to check
    const diagnostics =
      this.windowBits === 15
        ? []
        : inflatedChecks(
            {
              compressed,
              input: withEnding(compressed, this.scratch),
              complete: true,
              windowBits: this.windowBits,
              windowParam: this.windowParam,
            },
            compressed.length,
            true,
          );
    this.remember(data);
    return this.result(data, false, diagnostics, compressed.length, true);
  }

  /** Forgets the LZ77 context (after lost data or a TCP gap): it is now unknown. */
  reset(): void {
    this.forget();
  }

  /** `data` inflated from `input` (the message, with our ending when complete), which zlib took up to `consumed`. */
  private inflated(
    compressed: Uint8Array,
    input: Uint8Array,
    complete: boolean,
    data: Uint8Array,
    consumed: number,
  ): InflateResult {
    this.live = null; // the live stream did not take this message: rebuild it from history
    const m = { compressed, input, complete, windowBits: this.windowBits, windowParam: this.windowParam };
    const diagnostics = inflatedChecks(m, consumed, true);
    if (complete) this.remember(data);
    else this.forget();
    return this.result(data, !complete, diagnostics, compressed.length, complete);
  }

  /** Past the limit: `head` is the first maxOutput bytes. */
  private bomb(compressed: Uint8Array, head: Uint8Array, complete: boolean): InflateResult {
    // The rest of the message was never inflated, so the sender's context is unknown now.
    this.forget();
    return this.result(head, true, [bombDiagnostic(this.maxOutput, compressed.length)], compressed.length, complete);
  }

  /**
   * RFC 7692 §7.1.1: without no_context_takeover the sender's window still holds its previous
   * messages; a raw inflater preset with that output is in the same state.
   */
  private dictionary(): Uint8Array | undefined {
    return this.noContextTakeover ? undefined : this.history.last(1 << this.windowBits);
  }

  private failed(compressed: Uint8Array, input: Uint8Array, complete: boolean, reason: string): InflateResult {
    this.live = null;
    const d = diagnoseInflateFailure({
      compressed,
      input,
      complete,
      windowBits: this.windowBits,
      noContextTakeover: this.noContextTakeover,
      history: this.history.bytes,
      historyFromStart: this.historyFromStart,
      maxOutput: this.maxOutput,
      windowParam: this.windowParam,
      contextParam: this.contextParam,
      reason,
    });
    if (d.recovered) this.remember(d.data);
    else this.forget();
    return this.result(d.data, d.partial, d.diagnostics, compressed.length, complete);
  }

  private empty(complete: boolean): InflateResult {
    // A zero-length compressed payload inflates to nothing (RFC 7692 §7.2.3.6 sends one 00
    // octet instead, but receivers such as zlib with a sync flush accept both alike).
    if (!complete) this.forget();
    return this.result(new Uint8Array(0), !complete, [], 0, complete);
  }

  /** Adds deflate.partial to an incomplete message (RFC 7692 §7.2.2 needs the whole message). */
  private result(
    data: Uint8Array,
    partial: boolean,
    diagnostics: Diagnostic[],
    compressedLength: number,
    complete: boolean,
  ): InflateResult {
    if (!complete) {
      const text = `the message ended after ${compressedLength} compressed bytes, before its last frame; the ${data.length} bytes inflated from them are partial`;
      diagnostics.push(diagnostic('deflate.partial', text));
    }
    return { data, partial: partial || !complete, diagnostics };
  }

  private remember(out: Uint8Array): void {
    this.history.append(out);
    // A full 32 KiB of known output covers every distance DEFLATE can express, so whatever
    // was missed before it can no longer be referred to.
    if (this.history.bytes.length >= HISTORY) this.historyFromStart = true;
  }

  private forget(): void {
    this.live = null;
    this.history.clear();
    this.historyFromStart = false;
  }
}
