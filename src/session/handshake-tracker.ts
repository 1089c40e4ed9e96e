// The opening handshake of one connection (RFC 6455 §4): finds the request head in the
// client stream and the response head in the server stream, parses and checks both, and
// reports whether the connection switched to WebSocket and with which deflate settings.
// Layer rule: session/ — pure.
import { diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { DeflateNegotiation, HandshakeRequest } from '../protocol/handshake-types.js';
import { parseHandshakeRequest } from '../protocol/handshake-request.js';
import { parseHandshakeResponse } from '../protocol/handshake-response.js';
import { HttpHeadParser } from '../protocol/http-head-parser.js';
import type { Limits } from '../protocol/limits.js';
import type { Direction, InspectEvent, Timestamp } from './events.js';

export interface HandshakeOutcome {
  readonly emit: (event: InspectEvent) => void;
  /** 101 seen: frames follow, with these deflate settings (null: no deflate). */
  readonly upgraded: (deflate: DeflateNegotiation | null) => void;
  /** The server refused (or the head could not be read): no frames follow. */
  readonly notUpgraded: () => void;
}

const EMPTY = new Uint8Array(0);

export class HandshakeTracker {
  request: HandshakeRequest | null = null;
  private requestDone = false;
  private responseDone = false;
  private readonly requestHead: HttpHeadParser;
  private readonly responseHead: HttpHeadParser;

  constructor(
    private readonly conn: number,
    limits: Limits,
    private readonly outcome: HandshakeOutcome,
  ) {
    this.requestHead = new HttpHeadParser(limits.maxHttpHead);
    this.responseHead = new HttpHeadParser(limits.maxHttpHead);
  }

  /** True while bytes of this direction belong to the handshake. */
  consumes(dir: Direction): boolean {
    return dir === 'c2s' ? !this.requestDone : !this.responseDone;
  }

  /** Feeds handshake bytes; returns the bytes after the head (frames), if the head ended here. */
  push(dir: Direction, bytes: Uint8Array, time: Timestamp): Uint8Array {
    const parser = dir === 'c2s' ? this.requestHead : this.responseHead;
    const result = parser.push(bytes);
    if (result === null) return EMPTY;
    if (result.tooLarge) {
      this.outcome.emit({ type: 'diagnostic', conn: this.conn, time, dir, diagnostic: result.diagnostic });
      this.requestDone = true;
      this.responseDone = true;
      this.outcome.notUpgraded();
      return EMPTY;
    }
    if (dir === 'c2s') this.onRequest(result.head, time);
    else this.onResponse(result.head, time);
    return result.rest;
  }

  private onRequest(head: Uint8Array, time: Timestamp): void {
    this.requestDone = true;
    this.request = parseHandshakeRequest(head);
    this.outcome.emit({ type: 'handshake', conn: this.conn, time, handshake: this.request });
  }

  private onResponse(head: Uint8Array, time: Timestamp): void {
    this.responseDone = true;
    // a response before any request: the capture missed the request; checks that need it are skipped
    if (!this.requestDone) {
      this.requestDone = true;
      this.outcome.emit({
        type: 'diagnostic',
        conn: this.conn,
        time,
        diagnostic: diagnostic(
          'handshake.missing',
          'the opening request was not seen; response checks that need the key and offers are skipped',
        ),
      });
    }
    const response = parseHandshakeResponse(head, this.request);
    this.outcome.emit({ type: 'handshake', conn: this.conn, time, handshake: response });
    if (response.upgraded) this.outcome.upgraded(response.deflate);
    else this.outcome.notUpgraded();
  }
}
