// Why a listing is empty: `wsinspect FILE` that printed nothing says so on stderr, one line
// each (stdout stays clean for pipes; the exit status stays 0, an empty result is no error):
// a capture without WebSocket (its TCP connections and packets, the busiest server port to
// try with --decode-as, its TLS connections), a display filter that matched nothing, --conn
// past the last connection, --stats of a capture whose only connections are TLS.
// Layer rule: pipeline/ — wiring (the figures come from the capture stage and the consumers).
import type { CaptureSummary } from '../capture/capture-tally.js';
import type { FilterSpec } from '../session/event-filter.js';

export interface ListingCounts {
  /** WebSocket connections found. */
  readonly connections: number;
  /** Frames decoded (listing only). */
  readonly frames: number;
  /** Messages decoded (listing only). */
  readonly messages: number;
  /** Events shown by the listing (null under --stats). */
  readonly shown: number | null;
}

/** What of the listing's spec the hints name (a ListingSpec). */
export interface NotesSpec {
  readonly filter: FilterSpec;
  /** --stats of these connections (null: all); undefined: the listing. */
  readonly stats?: { readonly conns: readonly number[] | null };
  /** --messages: the listing shows messages, so an empty one counts messages. */
  readonly printer?: { readonly messages?: boolean };
  /** 'messages': a recording (HAR), which has messages and no frames. */
  readonly source?: 'wire' | 'messages';
}

/** The counts of several shards of one listing (the parallel reader's workers) as one. */
export function sumCounts(all: readonly ListingCounts[]): ListingCounts {
  let connections = 0;
  let frames = 0;
  let messages = 0;
  let shown: number | null = null;
  for (const c of all) {
    connections += c.connections;
    frames += c.frames;
    messages += c.messages;
    if (c.shown !== null) shown = (shown ?? 0) + c.shown;
  }
  return { connections, frames, messages, shown };
}

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;

/** The hint lines (without "wsinspect: " or newline); [] when the result was not empty. */
export function listingNotes(spec: NotesSpec, capture: CaptureSummary | null, counts: ListingCounts): string[] {
  const { filter, stats } = spec;
  const notes: string[] = [];
  if (counts.connections === 0) {
    if (capture === null) return notes;
    const tcp =
      capture.tcpConnections === 0
        ? `no WebSocket connection found: no TCP connection among ${plural(capture.packets, 'packet')}`
        : `no WebSocket connection found among ${plural(capture.tcpConnections, 'TCP connection')} (${plural(capture.packets, 'packet')})`;
    const port = capture.busiestServerPort;
    notes.push(port === null ? tcp : `${tcp}; if WebSocket runs without a visible handshake, try --decode-as ${port}`);
    if (capture.tlsCount > 0) {
      const named = capture.tls.map((t) => `${t.client} → ${t.server}`).join(', ');
      const more = capture.tlsCount > capture.tls.length ? ` and ${capture.tlsCount - capture.tls.length} more` : '';
      notes.push(`TLS: encrypted, not decodable without its keys: ${named}${more}`);
    }
    return notes;
  }
  const asked = stats !== undefined ? (stats.conns ?? []) : (filter.conns ?? []);
  const missing = [...new Set(asked)].filter((c) => c > counts.connections).sort((a, b) => a - b);
  if (missing.length > 0) {
    const has = `the capture has ${plural(counts.connections, 'WebSocket connection')}`;
    notes.push(`no connection${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: ${has}`);
  }
  // a filter that matched nothing, unless every connection it asked for was missing
  const someAsked = asked.length === 0 || missing.length < new Set(asked).size;
  if (stats === undefined && counts.shown === 0 && someAsked) {
    const flags = filterFlags(filter);
    const unit = spec.printer?.messages === true || spec.source === 'messages' ? 'message' : 'frame';
    const n = unit === 'message' ? counts.messages : counts.frames;
    const read = n === 1 ? `1 ${unit} was read` : `${n} ${unit}s were read`;
    if (flags !== '') notes.push(`no ${unit} matched the filters (${flags}); ${read}`);
  }
  return notes;
}

/** The display filter as the flags that set it. */
function filterFlags(f: FilterSpec): string {
  const parts: string[] = [];
  if (f.conns !== undefined && f.conns.length > 0) parts.push(`--conn ${f.conns.join(',')}`);
  if (f.dir !== undefined) parts.push(`--dir ${f.dir}`);
  if (f.opcodes !== undefined) parts.push(`--opcode ${f.opcodes.join(',')}`);
  if (f.grep !== undefined) parts.push(`--grep ${JSON.stringify(f.grep.source)}`);
  if (f.errorsOnly === true) parts.push('--errors');
  if (f.expression !== undefined) parts.push(`-Y ${JSON.stringify(f.expression)}`);
  return parts.join(' ');
}
