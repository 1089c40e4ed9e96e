// `wsinspect FILE`'s flags as the listing pipeline's plain spec, checked in the order one
// thread always checked them (--decode-as, --max-payload, --explain, --stats, the display filter), each
// failure a WsinspectError. The parallel reader sends the same spec to every worker.
// Layer rule: cli/ — flags.
import { WsinspectError } from '../errors.js';
import type { PrinterOptions } from '../pipeline/consumers/event-printer.js';
import type { ListingSpec } from '../pipeline/listing.js';
import { loadKeyLog } from './key-log-option.js';
import { checkExplain, printerOptions } from './output-options.js';
import { statsConnections, streamFilterSpec, wholeNumbers, type StreamFlags } from './stream-options.js';

export interface ReadFlags extends StreamFlags {
  file?: string;
  /** Ports as typed (checked by listingSpec). */
  decodeAs?: string[];
  /** --keylog FILE (else $SSLKEYLOGFILE). */
  keylog?: string;
  /** 'auto', or a number of worker threads (1 to 64); see read-threads.ts. */
  threads?: string;
  /** --tls-detail: -V shows the TLS records under decrypted frames. */
  tlsDetail?: boolean;
}

export function listingSpec(flags: ReadFlags, colorLevel: 0 | 1 | 2 | 3): ListingSpec {
  const decodeAs = wholeNumbers('--decode-as', flags.decodeAs ?? [], 1, 65535, 'a TCP port (1-65535)');
  const printer = tlsDetailOption(flags, printerOptions(flags));
  // the one-line listing has no rules to show: --explain alone would change nothing
  checkExplain(flags);
  const stats = flags.stats ? { conns: statsConnections(flags) } : undefined;
  const filter = streamFilterSpec(flags);
  const keyLog = loadKeyLog(flags.keylog);
  if (keyLog === null) return { printer, colorLevel, filter, stats, decodeAs };
  return { printer, colorLevel, filter, stats, decodeAs, keyLog: keyLog.secrets, keyLogNote: keyLog.note };
}

/** --tls-detail adds to -V's frame view: alone it would change nothing. */
function tlsDetailOption(flags: ReadFlags, printer: PrinterOptions): PrinterOptions {
  if (flags.tlsDetail !== true) return printer;
  if (flags.verbose !== true || flags.json === true)
    throw new WsinspectError(
      'input.bad-option',
      '--tls-detail adds the TLS records to the -V frame view: give -V too (and not --json)',
    );
  return { ...printer, tlsDetail: true };
}
