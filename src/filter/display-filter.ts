// The display filter of a listing or the live view: the flags' filters (--conn, --dir,
// --opcode, --grep, --errors: session/event-filter.ts) AND the -Y expression, as one
// predicate over InspectEvents. Under -Y only frames and messages are shown, each matched on
// its own fields (a message on message fields); connection, handshake, diagnostic and end
// lines are not, as --dir and --opcode already hide them. Every event must pass through
// show(), shown or not: the connection context (addresses, handshake) is learnt from them.
// Layer rule: filter/ — pure.
import { createEventFilter, type FilterSpec } from '../session/event-filter.js';
import type { InspectEvent } from '../session/events.js';
import { SubjectTracker } from './adapters.js';
import { compileFilter, type CompiledFilter } from './compile.js';

export interface DisplayFilter {
  /** True when the event is shown. */
  show(event: InspectEvent): boolean;
  /** The first packet's time: `time` counts from it (else from the first event with a time). */
  setTimeOrigin(time: number): void;
  /** The compiled -Y expression, or null. */
  readonly expression: CompiledFilter | null;
  /** True when show() is true for every event (no flag filter, no -Y): a caller may skip it. */
  readonly showsAll: boolean;
}

/** Throws FilterSyntaxError for a bad spec.expression (cli/ checked it before: workers rebuild it). */
export function createDisplayFilter(spec: FilterSpec): DisplayFilter {
  const flags = createEventFilter(spec);
  if (spec.expression === undefined)
    return { show: flags, setTimeOrigin: () => {}, expression: null, showsAll: showsEverything(spec) };
  const expression = compileFilter(spec.expression);
  const tracker = new SubjectTracker();
  return {
    expression,
    showsAll: false,
    setTimeOrigin: (time) => tracker.setTimeOrigin(time),
    show(ev) {
      if (ev.type !== 'frame' && ev.type !== 'message') {
        tracker.subject(ev);
        return false;
      }
      if (!flags(ev)) {
        tracker.subject(ev);
        return false;
      }
      return expression.match(tracker.subject(ev)!);
    },
  };
}

/** The flags that hide nothing: createEventFilter's predicate is then true for every event. */
function showsEverything(spec: FilterSpec): boolean {
  return (
    (spec.conns === undefined || spec.conns.length === 0) &&
    spec.dir === undefined &&
    spec.opcodes === undefined &&
    spec.grep === undefined &&
    spec.errorsOnly !== true
  );
}
