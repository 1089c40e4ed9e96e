// wsinspect's own `--json` output read back: connection, handshake, message, diagnostic and end
// events become events again (so a recording can be listed as text, filtered, summarised with
// --stats, and later replayed or written as HAR). Frame events are not rebuilt: frames are
// shown as the messages they made (one note says how many frame lines were read). Read line by
// line as the file streams; a line that is not JSON is a diagnostic with its byte offset, and
// reading goes on. Layer rule: sources/ — reading input.
import { diagnostic, type Diagnostic } from '../protocol/diagnostic-catalogue.js';
import { parseHandshakeRequest } from '../protocol/handshake-request.js';
import { parseHandshakeResponse } from '../protocol/handshake-response.js';
import type { HandshakeRequest } from '../protocol/handshake-types.js';
import type { Direction, EndReason, InspectEvent, Timestamp } from '../session/events.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;
const END_REASONS: readonly string[] = ['close-handshake', 'tcp-fin', 'tcp-rst', 'input-ended'];
const SEVERITIES: readonly string[] = ['error', 'warning', 'note'];

type Json = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const dirOf = (v: unknown): Direction | null => (v === 'c2s' || v === 's2c' ? v : null);
const pair = (v: unknown): { c2s: number; s2c: number } => {
  const p = v !== null && typeof v === 'object' ? (v as Json) : {};
  return { c2s: num(p.c2s) ?? 0, s2c: num(p.s2c) ?? 0 };
};

/** A recorded diagnostic as a Diagnostic (its code kept as written: a later version may have more). */
function diagnosticOf(v: unknown): Diagnostic | null {
  if (v === null || typeof v !== 'object') return null;
  const d = v as Json;
  const code = str(d.code);
  const severity = str(d.severity);
  const message = str(d.message);
  if (code === null || severity === null || !SEVERITIES.includes(severity) || message === null) return null;
  const out = { severity, code, message, ...(typeof d.rfc === 'string' ? { rfc: d.rfc } : {}) };
  return out as Diagnostic;
}

/** HTTP head lines from recorded [name, value] pairs; none with CR or LF (they would forge lines). */
function headerLines(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((h): h is [string, string] => Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string')
    .filter(([n, val]) => !/[\r\n]/.test(n + val))
    .map(([n, val]) => `${n}: ${val}`);
}

export class NdjsonEvents {
  private pending: Uint8Array[] = [];
  private lineStart = 0;
  private offset = 0;
  private readonly requests = new Map<number, HandshakeRequest>();
  private frames = 0;
  private others = 0;
  private saidFrames = false;
  /** The connections named by connection, handshake, message and end events. */
  private readonly named = new Set<number>();
  /**
   * WebSocket connections the recording held: a recording made with -Y has their messages
   * without their connection events, so every event that is shown counts.
   */
  get connections(): number {
    return this.named.size;
  }
  /** Lines that were events of ours (any type). */
  events = 0;

  constructor(private readonly emit: (event: InspectEvent) => void) {}

  push(chunk: Uint8Array): void {
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
      const part = chunk.subarray(from, nl);
      const line = this.pending.length === 0 ? part : Buffer.concat([...this.pending, part]);
      this.pending = [];
      this.line(line, this.lineStart);
      this.lineStart = this.offset + nl + 1;
      from = nl + 1;
    }
    if (from < chunk.length) this.pending.push(chunk.subarray(from));
    this.offset += chunk.length;
  }

  /** The input stopped early: the last unfinished line is not read. */
  stop(): void {
    this.pending = [];
    this.end();
  }

  end(): void {
    if (this.pending.length > 0) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.line(line, this.lineStart);
    }
    if (this.frames > 0 && !this.saidFrames) this.noteFrames();
  }

  private noteFrames(): void {
    this.saidFrames = true;
    this.emit({
      type: 'diagnostic',
      conn: null,
      time: null,
      diagnostic: diagnostic(
        'ndjson.messages-only',
        `frame events are not read back: their messages are shown (${this.frames} frame line${this.frames === 1 ? '' : 's'} read)`,
      ),
    });
  }

  private line(bytes: Uint8Array, at: number): void {
    const text = decoder.decode(bytes).trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.emit({
        type: 'diagnostic',
        conn: null,
        time: null,
        diagnostic: diagnostic('recording.malformed', `line at byte ${at} is not JSON; skipped`),
      });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.others += 1;
      return;
    }
    this.event(value as Json, at);
  }

  private event(e: Json, at: number): void {
    const conn = num(e.conn);
    const time: Timestamp = num(e.ts);
    switch (e.type) {
      case 'connection': {
        if (conn === null) return this.bad(at, 'a connection without conn');
        this.named.add(conn);
        this.events += 1;
        this.emit({
          type: 'connection',
          conn,
          time,
          client: str(e.client) ?? '?',
          server: str(e.server) ?? '?',
          detectedBy: e.detectedBy === 'heuristic' ? 'heuristic' : 'handshake',
          source: 'ndjson',
        });
        return;
      }
      case 'handshake':
        if (conn === null) return this.bad(at, 'a handshake without conn');
        this.named.add(conn);
        this.events += 1;
        return this.handshake(conn, time, e);
      case 'message':
        if (conn === null) return this.bad(at, 'a message without conn');
        this.events += 1;
        return this.message(conn, time, e, at);
      case 'diagnostic': {
        const d = diagnosticOf(e);
        if (d === null) return this.bad(at, 'a diagnostic without severity, code or message');
        this.events += 1;
        const dir = dirOf(e.dir);
        this.emit({ type: 'diagnostic', conn, time, diagnostic: d, ...(dir === null ? {} : { dir }) });
        return;
      }
      case 'end': {
        if (conn === null) return this.bad(at, 'an end without conn');
        this.named.add(conn);
        this.events += 1;
        const reason = str(e.reason);
        this.emit({
          type: 'end',
          conn,
          time,
          reason: (reason !== null && END_REASONS.includes(reason) ? reason : 'input-ended') as EndReason,
          frames: pair(e.frames),
          messages: pair(e.messages),
          bytes: pair(e.bytes),
        });
        return;
      }
      case 'frame':
        this.events += 1;
        this.frames += 1;
        return;
      default:
        this.others += 1;
    }
  }

  private handshake(conn: number, time: Timestamp, e: Json): void {
    const lines = headerLines(e.headers);
    if (e.side === 'request') {
      const method = str(e.method) ?? 'GET';
      const path = str(e.path) ?? '/';
      const version = str(e.httpVersion) ?? 'HTTP/1.1';
      if (/[\s]/.test(method + path + version)) return this.bad(null, 'a handshake request line with spaces or breaks');
      const request = parseHandshakeRequest(
        encoder.encode(`${method} ${path} ${version}\r\n${lines.join('\r\n')}\r\n\r\n`),
      );
      this.requests.set(conn, request);
      this.emit({ type: 'handshake', conn, time, handshake: request });
    } else if (e.side === 'response') {
      const status = num(e.status) ?? 0;
      const reason = (str(e.reason) ?? '').replace(/[\r\n]/g, ' ');
      const head = `HTTP/1.1 ${status} ${reason}\r\n${lines.join('\r\n')}\r\n\r\n`;
      this.emit({
        type: 'handshake',
        conn,
        time,
        handshake: parseHandshakeResponse(encoder.encode(head), this.requests.get(conn) ?? null),
      });
    }
  }

  private message(conn: number, time: Timestamp, e: Json, at: number): void {
    const dir = dirOf(e.dir);
    const opcode = e.opcode === 2 ? 2 : e.opcode === 1 ? 1 : null;
    if (dir === null || opcode === null) return this.bad(at, 'a message without dir or opcode 1/2');
    this.named.add(conn);
    const problems = Array.isArray(e.diagnostics)
      ? e.diagnostics.map(diagnosticOf).filter((d): d is Diagnostic => d !== null)
      : [];
    let data: Uint8Array = new Uint8Array(0);
    const text = str(e.text);
    const hex = str(e.data);
    if (opcode === 1 && text !== null) data = encoder.encode(text);
    else if (hex !== null && /^([0-9a-f]{2})*$/i.test(hex)) data = Buffer.from(hex, 'hex');
    else problems.push(diagnostic('recording.malformed', `message at byte ${at}: no text or hex data`));
    const length = Math.max(num(e.length) ?? data.length, data.length);
    const first = num(e.firstFrame) ?? 0;
    this.emit({
      type: 'message',
      conn,
      dir,
      time,
      opcode,
      frames: num(e.frames) ?? 0,
      firstFrame: first,
      lastFrame: num(e.lastFrame) ?? first,
      compressed: e.compressed === true,
      data,
      length,
      ...(opcode === 1 ? { text: text ?? decoder.decode(data) } : {}),
      complete: e.complete !== false,
      diagnostics: problems,
    });
  }

  private bad(at: number | null, what: string): void {
    this.emit({
      type: 'diagnostic',
      conn: null,
      time: null,
      diagnostic: diagnostic(
        'recording.malformed',
        at === null ? `${what}; skipped` : `line at byte ${at}: ${what}; skipped`,
      ),
    });
  }
}
