// Follows a kept-alive HTTP/1.1 connection whose first request was plain HTTP, message by
// message both ways, pairing each response with its request (pipelining allowed, RFC 9112
// §9.3.2), until a request asks to Upgrade to websocket (RFC 6455 §4.1). From that request,
// and from the response to it, the connection's bytes are a WebSocket conversation.
// Layer rule: capture/ — pure; bounded: two skippers (a head each) and a short queue.
import type { DetectionBudget } from './detection-window.js';
import { readHeadFacts, requestFraming, responseFraming } from './http-body-framing.js';
import { HttpMessageSkipper, SkipStop } from './http-message-skipper.js';
import { StreamStart } from '../protocol/upgrade-detection.js';

/** `feed` results that are not an offset. */
export const FOLLOWING = -1;
export const GIVE_UP = -2;

/** Requests sent ahead of their responses followed at most (pipelining is rarely deeper). */
const MAX_PIPELINED = 64;
/** Longest head followed: Node's default --max-http-header-size; servers refuse longer. */
export const MAX_FOLLOWED_HEAD = 16 * 1024;

const EMPTY = new Uint8Array(0);

export class HttpKeepAliveFollower {
  /** The Upgrade request was found: the client's WebSocket stream has started. */
  upgraded = false;
  /**
   * Bytes of a side's WebSocket stream seen before the offset `feed` returned (the Upgrade
   * request's head, or the part of the response head already taken): emit them first.
   */
  held: Uint8Array = EMPTY;
  private readonly skippers: readonly [HttpMessageSkipper, HttpMessageSkipper];
  /** Methods of the requests not yet answered, oldest first. */
  private readonly unanswered: string[] = [];
  /** Responses due to requests sent before the capture began (0 or 1). */
  private unseen: number;
  /** Responses that ended before their request was read (the capture put them first). */
  private early = 0;
  /** The response being skipped is final (not 1xx), so it answers a request. */
  private finalResponse = false;

  constructor(
    readonly clientSide: number,
    requestSeen: boolean,
    budget: DetectionBudget,
  ) {
    const client = new HttpMessageSkipper(StreamStart.httpRequest, MAX_FOLLOWED_HEAD, budget);
    const server = new HttpMessageSkipper(StreamStart.httpResponse, MAX_FOLLOWED_HEAD, budget);
    this.skippers = clientSide === 0 ? [client, server] : [server, client];
    this.unseen = requestSeen ? 0 : 1;
  }

  /**
   * Follows one side's next bytes. Returns FOLLOWING, GIVE_UP (the connection cannot be
   * followed: ignore it), or the offset in `bytes` where that side's WebSocket stream goes
   * on after `held`: for the client, just past the Upgrade request; for the server, where
   * the response to it starts. Not called for a side whose stream has started.
   */
  feed(side: number, bytes: Uint8Array): number {
    if (!this.upgraded && (this.skippers[0].failed() || this.skippers[1].failed())) return GIVE_UP;
    return side === this.clientSide ? this.feedClient(bytes) : this.feedServer(bytes);
  }

  /**
   * Right after the Upgrade request: whether the server's stream starts with its next byte
   * (every earlier request answered), with `held` the part of the response already seen.
   */
  serverReady(): boolean {
    const server = this.skippers[1 - this.clientSide];
    if (this.due() > 0 || !server.inHead() || server.failed()) return false;
    this.held = server.copyHead();
    return true;
  }

  /** Bytes missing in one direction: false when they make the messages impossible to follow. */
  gap(side: number, length: number): boolean {
    return this.skippers[side].gap(length);
  }

  release(): void {
    this.skippers[0].release();
    this.skippers[1].release();
  }

  private feedClient(bytes: Uint8Array): number {
    const skipper = this.skippers[this.clientSide];
    for (let at = 0; at < bytes.length;) {
      at = skipper.advance(bytes, at);
      if (skipper.stop === SkipStop.failed) return GIVE_UP;
      if (skipper.stop !== SkipStop.head) continue;
      const facts = readHeadFacts(skipper.head.subarray(0, skipper.headLength), false);
      if (facts === null) return GIVE_UP;
      if (facts.upgradeWebSocket) {
        this.upgraded = true;
        this.held = skipper.copyHead();
        return at;
      }
      if (this.unanswered.length >= MAX_PIPELINED) return GIVE_UP;
      if (this.early > 0) this.early -= 1;
      else this.unanswered.push(facts.method);
      skipper.startBody(requestFraming(facts));
    }
    return skipper.failed() ? GIVE_UP : FOLLOWING;
  }

  private feedServer(bytes: Uint8Array): number {
    const skipper = this.skippers[1 - this.clientSide];
    for (let at = 0; at < bytes.length;) {
      if (this.upgraded && this.due() === 0 && skipper.atMessageStart()) {
        this.held = EMPTY;
        return at; // the response to the Upgrade request starts here
      }
      at = skipper.advance(bytes, at);
      if (skipper.stop === SkipStop.failed) return GIVE_UP;
      if (skipper.stop === SkipStop.message) this.answered();
      else if (skipper.stop === SkipStop.head && !this.onResponseHead(skipper)) return GIVE_UP;
    }
    return skipper.failed() ? GIVE_UP : FOLLOWING;
  }

  private onResponseHead(skipper: HttpMessageSkipper): boolean {
    const facts = readHeadFacts(skipper.head.subarray(0, skipper.headLength), true);
    // 101 to anything but the websocket Upgrade (whose response is never parsed here):
    // the connection now speaks a protocol this does not follow.
    if (facts === null || facts.status === 101) return false;
    this.finalResponse = facts.status >= 200;
    const method = this.unseen > 0 ? '' : (this.unanswered[0] ?? '');
    skipper.startBody(responseFraming(facts, method));
    return !skipper.failed();
  }

  /** A response ended; a final one answers the oldest request (RFC 9112 §9.3.2). */
  private answered(): void {
    if (!this.finalResponse) return;
    this.finalResponse = false;
    if (this.unseen > 0) this.unseen -= 1;
    else if (this.unanswered.length > 0) this.unanswered.shift();
    else this.early += 1;
  }

  /** Final responses still due before the one to the Upgrade request. */
  private due(): number {
    return this.unseen + this.unanswered.length;
  }
}
