// --stats output: one block per connection (text) or one {"type":"stats"} line (JSON).
// Layer rule: render/ — pure string building.
import { percentile, type AppStats } from '../session/app-stats.js';
import type { ConnectionStats, DirectionStats } from '../session/connection-stats.js';
import { escapeForTerminal } from './escape.js';
import { jsonString } from './json-encoder.js';
import type { Style } from './style.js';

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map);
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${v} ${k}`).join(', ');
}

function sum(map: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(map)) n += v;
  return n;
}

/** `1 error`, `2 errors`, `0 errors`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function ms(seconds: number): string {
  return `${(seconds * 1000).toFixed(3)} ms`;
}

function directionLines(label: string, d: DirectionStats): string[] {
  const ratio =
    d.inflatedBytes > 0
      ? ` (compressed ${d.compressedBytes} B → inflated ${d.inflatedBytes} B, ratio ${(d.inflatedBytes / Math.max(1, d.compressedBytes)).toFixed(2)}:1)`
      : '';
  return [
    `${label}`,
    `    frames     ${sum(d.framesByOpcode)}: ${counts(d.framesByOpcode)}`,
    `    messages   ${sum(d.messagesByOpcode)}: ${counts(d.messagesByOpcode)}; ${d.fragmentedMessages} fragmented (${d.fragmentFrames} frames)`,
    sum(d.framesByOpcode) === 0 && sum(d.messagesByOpcode) > 0
      ? `    bytes      ${d.messageBytes} in messages (a recording: no wire bytes)`
      : `    bytes      ${d.wireBytes} on the wire, ${d.payloadBytes} payload${ratio}`,
    `    problems   ${count(d.diagnostics.error, 'error')}, ${count(d.diagnostics.warning, 'warning')}, ${count(d.diagnostics.note, 'note')}`,
  ];
}

function closeLine(s: ConnectionStats): string {
  if (s.closedBy === null) {
    return s.abnormalClose
      ? `no Close frame: TCP ${s.endReason === 'tcp-rst' ? 'RST' : 'FIN'} without a closing handshake (applications report 1006)`
      : `no Close frame (${s.endReason ?? 'still open at end of input'})`;
  }
  const who = s.closedBy === 'c2s' ? 'client' : 'server';
  return `closed by the ${who}${s.closeCode === null ? '' : ` with ${s.closeCode}`}, ${s.closeEchoed ? 'echoed by the peer' : 'not echoed by the peer'}`;
}

export function renderStats(s: ConnectionStats, style: Style): string {
  const duration =
    s.firstTime !== null && s.lastTime !== null
      ? `${(s.lastTime - s.firstTime).toFixed(6)} s`
      : 'unknown (no timestamps)';
  const rtts = s.pingRtts;
  const rttLine =
    rtts.length === 0
      ? `none${s.unansweredPings > 0 ? ` (${s.unansweredPings} pings unanswered)` : ''}`
      : `${rtts.length} ping→pong: min ${ms(Math.min(...rtts))}, avg ${ms(rtts.reduce((a, b) => a + b, 0) / rtts.length)}, max ${ms(Math.max(...rtts))}${s.unansweredPings > 0 ? `, ${s.unansweredPings} unanswered` : ''}`;
  const lines = [
    style.heading(`Connection ${s.conn}`) +
      (s.client === null ? '' : ` ${escapeForTerminal(s.client)} → ${escapeForTerminal(s.server ?? '?')}`),
    `  duration     ${duration}`,
    ...directionLines('  client → server', s.dirs.c2s),
    ...directionLines('  server → client', s.dirs.s2c),
    `  round trips  ${rttLine}`,
    `  close        ${closeLine(s)}`,
    ...appLines(s.app),
  ];
  return lines.join('\n');
}

function latencyMs(v: number | null): string {
  return v === null ? '—' : `${v} ms`;
}

/** Per method, event or operation a view saw: a table under the connection's figures. */
function appLines(app: AppStats): string[] {
  if (app.methods.length === 0) return [];
  const rows = app.methods.map((m) => {
    const sorted = [...m.latencies].sort((a, b) => a - b);
    return [
      escapeForTerminal(m.name),
      String(m.count),
      String(m.errors),
      latencyMs(percentile(sorted, 0.5)),
      latencyMs(percentile(sorted, 0.9)),
      latencyMs(sorted.at(-1) ?? null),
      String(Math.max(0, m.awaiting - m.answered)),
    ];
  });
  const head = ['method/event', 'count', 'errors', 'p50', 'p90', 'max', 'unanswered'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    '    ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`  application  ${app.protocols.join(', ')}`, line(head), ...rows.map(line)];
}

function appJson(app: AppStats): string {
  if (app.methods.length === 0) return '';
  const methods = app.methods.map((m) => {
    const sorted = [...m.latencies].sort((a, b) => a - b);
    return (
      `{"name":${jsonString(m.name)},"count":${m.count},"errors":${m.errors},"answered":${m.answered}` +
      `,"unanswered":${Math.max(0, m.awaiting - m.answered)},"latencyMs":{"p50":${percentile(sorted, 0.5)},"p90":${percentile(sorted, 0.9)},"max":${sorted.at(-1) ?? null}}}`
    );
  });
  return `,"app":{"protocols":${JSON.stringify(app.protocols)},"methods":[${methods.join(',')}]}`;
}

function dirJson(d: DirectionStats): string {
  return JSON.stringify(d);
}

export function statsJson(s: ConnectionStats): string {
  const duration =
    s.firstTime !== null && s.lastTime !== null ? Math.round((s.lastTime - s.firstTime) * 1e6) / 1e6 : null;
  return (
    `{"type":"stats","conn":${s.conn},"client":${s.client === null ? 'null' : jsonString(s.client)},"server":${s.server === null ? 'null' : jsonString(s.server)}` +
    `,"duration":${duration},"c2s":${dirJson(s.dirs.c2s)},"s2c":${dirJson(s.dirs.s2c)}` +
    `,"pingRtts":${JSON.stringify(s.pingRtts.map((r) => Math.round(r * 1e6) / 1e6))},"unansweredPings":${s.unansweredPings}` +
    `,"closedBy":${s.closedBy === null ? 'null' : `"${s.closedBy}"`},"closeCode":${s.closeCode},"closeEchoed":${s.closeEchoed}` +
    `,"endReason":${s.endReason === null ? 'null' : `"${s.endReason}"`},"abnormalClose":${s.abnormalClose}` +
    appJson(s.app) +
    '}'
  );
}
