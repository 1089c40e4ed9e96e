// Per-connection statistics for --stats, accumulated from InspectEvents: duration, frames and
// messages by opcode and direction, bytes on the wire vs payload vs inflated, fragmentation,
// ping→pong round trips, and how the connection closed. Layer rule: session/ — pure.
import { AppStatsCollector, emptyAppStats, type AppStats } from './app-stats.js';
import { opcodeName } from '../protocol/frame.js';
import type { Diagnostic } from '../protocol/diagnostic-catalogue.js';
import type { Direction, InspectEvent, PerDirection, Timestamp } from './events.js';

export interface DirectionStats {
  framesByOpcode: Record<string, number>;
  messagesByOpcode: Record<string, number>;
  /** Frame headers plus payload, as on the wire. */
  wireBytes: number;
  /** Declared payload lengths (before inflation). */
  payloadBytes: number;
  /** Application data of the messages (after inflation). */
  messageBytes: number;
  /** Payload bytes of compressed messages, and what they inflated to. */
  compressedBytes: number;
  inflatedBytes: number;
  fragmentedMessages: number;
  fragmentFrames: number;
  diagnostics: { error: number; warning: number; note: number };
}

export interface ConnectionStats {
  readonly conn: number;
  client: string | null;
  server: string | null;
  firstTime: Timestamp;
  lastTime: Timestamp;
  readonly dirs: PerDirection<DirectionStats>;
  /** Seconds from each ping to the pong that echoed its payload. */
  readonly pingRtts: number[];
  unansweredPings: number;
  /** Who sent the first Close frame, its code, and whether the other side answered. */
  closedBy: Direction | null;
  closeCode: number | null;
  closeEchoed: boolean;
  endReason: string | null;
  /** The TCP connection ended (FIN or RST) without a Close handshake: applications see 1006. */
  abnormalClose: boolean;
  /** What application views understood: per method, event or operation. */
  readonly app: AppStats;
}

function emptyDirection(): DirectionStats {
  return {
    framesByOpcode: {},
    messagesByOpcode: {},
    wireBytes: 0,
    messageBytes: 0,
    payloadBytes: 0,
    compressedBytes: 0,
    inflatedBytes: 0,
    fragmentedMessages: 0,
    fragmentFrames: 0,
    diagnostics: { error: 0, warning: 0, note: 0 },
  };
}

export class StatsCollector {
  private readonly byConn = new Map<number, ConnectionStats>();
  private readonly pendingPings = new Map<string, Timestamp>();
  private readonly apps = new Map<number, AppStatsCollector>();
  /**
   * Diagnostics already counted from a frame: the session attaches the same object to the
   * message it ends (invalid UTF-8, a failed inflation), which must not count twice, while
   * a message's own (an application view's, a recording's) count once.
   */
  private readonly counted = new WeakSet<Diagnostic>();

  /** Stats of a connection, created on first sight. */
  private stats(conn: number): ConnectionStats {
    let s = this.byConn.get(conn);
    if (s === undefined) {
      s = {
        conn,
        client: null,
        server: null,
        firstTime: null,
        lastTime: null,
        dirs: { c2s: emptyDirection(), s2c: emptyDirection() },
        pingRtts: [],
        unansweredPings: 0,
        closedBy: null,
        closeCode: null,
        closeEchoed: false,
        endReason: null,
        abnormalClose: false,
        app: emptyAppStats(),
      };
      this.byConn.set(conn, s);
      this.apps.set(conn, new AppStatsCollector(s.app));
    }
    return s;
  }

  /** Feeds one event; returns the finished stats when the event ends its connection. */
  add(ev: InspectEvent): ConnectionStats | null {
    if (ev.conn === null) return null;
    const s = this.stats(ev.conn);
    if (ev.time !== null) {
      s.firstTime ??= ev.time;
      s.lastTime = ev.time;
    }
    switch (ev.type) {
      case 'connection':
        s.client = ev.client;
        s.server = ev.server;
        break;
      case 'frame': {
        const d = s.dirs[ev.dir];
        const f = ev.frame;
        const name = opcodeName(f.opcode);
        d.framesByOpcode[name] = (d.framesByOpcode[name] ?? 0) + 1;
        d.wireBytes += f.headerLength + f.payloadLength;
        d.payloadBytes += f.payloadLength;
        this.countDiagnostics(d, ev.diagnostics);
        for (const x of ev.diagnostics) this.counted.add(x);
        if (f.opcode === 0x9) this.pendingPings.set(`${ev.conn}/${ev.dir}/${hexKey(f.payload)}`, ev.time);
        if (f.opcode === 0xa) this.matchPong(s, ev.dir, f.payload, ev.time);
        if (f.opcode === 0x8) this.onClose(s, ev.dir, ev.close?.code ?? null);
        break;
      }
      case 'message': {
        const d = s.dirs[ev.dir];
        const name = opcodeName(ev.opcode);
        d.messagesByOpcode[name] = (d.messagesByOpcode[name] ?? 0) + 1;
        d.messageBytes += ev.length;
        if (ev.frames > 1) {
          d.fragmentedMessages++;
          d.fragmentFrames += ev.frames;
        }
        if (ev.inflate !== undefined) {
          d.compressedBytes += ev.inflate.compressedLength;
          d.inflatedBytes += ev.inflate.inflatedLength;
        }
        if (ev.app !== undefined) this.apps.get(ev.conn)?.add(ev);
        // those its frames counted already (the same objects) are skipped: no array made per message
        for (const x of ev.diagnostics) if (!this.counted.has(x)) d.diagnostics[x.severity]++;
        break;
      }
      case 'handshake':
        this.countDiagnostics(s.dirs[ev.handshake.side === 'request' ? 'c2s' : 's2c'], ev.handshake.diagnostics);
        break;
      case 'diagnostic':
        this.countDiagnostics(s.dirs[ev.dir ?? 'c2s'], [ev.diagnostic]);
        break;
      case 'end':
        return this.finish(s, ev.reason);
    }
    return null;
  }

  /**
   * Connections that never ended (input stopped first), by connection number: sorted
   * explicitly, never the Map's insertion order (a connection's first event may come after a
   * later-numbered one's).
   */
  remaining(): ConnectionStats[] {
    const out = [...this.byConn.values()].sort((a, b) => a.conn - b.conn);
    this.byConn.clear();
    return out;
  }

  private finish(s: ConnectionStats, reason: string): ConnectionStats {
    s.endReason = reason;
    s.abnormalClose = (reason === 'tcp-fin' || reason === 'tcp-rst') && !s.closeEchoed;
    for (const key of [...this.pendingPings.keys()]) {
      if (key.startsWith(`${s.conn}/`)) {
        s.unansweredPings++;
        this.pendingPings.delete(key);
      }
    }
    this.byConn.delete(s.conn);
    this.apps.delete(s.conn);
    return s;
  }

  private matchPong(s: ConnectionStats, dir: Direction, payload: Uint8Array, time: Timestamp): void {
    // RFC 6455 §5.5.3: a Pong answering a Ping carries the Ping's application data
    const key = `${s.conn}/${dir === 'c2s' ? 's2c' : 'c2s'}/${hexKey(payload)}`;
    if (!this.pendingPings.has(key)) return;
    const sent = this.pendingPings.get(key)!;
    this.pendingPings.delete(key);
    if (sent !== null && time !== null) s.pingRtts.push(time - sent);
  }

  private onClose(s: ConnectionStats, dir: Direction, code: number | null): void {
    if (s.closedBy === null) {
      s.closedBy = dir;
      s.closeCode = code;
    } else if (s.closedBy !== dir) {
      s.closeEchoed = true;
    }
  }

  private countDiagnostics(d: DirectionStats, list: readonly { severity: 'error' | 'warning' | 'note' }[]): void {
    for (const x of list) d.diagnostics[x.severity]++;
  }
}

function hexKey(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}
