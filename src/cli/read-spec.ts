// `wsinspect FILE`'s flags as the listing pipeline's plain spec, checked in the order one
// thread always checked them (--decode-as, --max-payload, --explain, --stats, the display filter), each
// failure a WsinspectError. The parallel reader sends the same spec to every worker.
// Layer rule: cli/ — flags.
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
  /** 'auto' (or '0'), or a number of worker threads; see read-threads.ts. */
  threads?: string;
}

export function listingSpec(flags: ReadFlags, colorLevel: 0 | 1 | 2 | 3): ListingSpec {
  const decodeAs = wholeNumbers('--decode-as', flags.decodeAs ?? [], 1, 65535, 'a TCP port (1-65535)');
  const printer = printerOptions(flags);
  // the one-line listing has no rules to show: --explain alone would change nothing
  checkExplain(flags);
  const stats = flags.stats ? { conns: statsConnections(flags) } : undefined;
  const filter = streamFilterSpec(flags);
  const keyLog = loadKeyLog(flags.keylog);
  if (keyLog === null) return { printer, colorLevel, filter, stats, decodeAs };
  return { printer, colorLevel, filter, stats, decodeAs, keyLog: keyLog.secrets, keyLogNote: keyLog.note };
}
