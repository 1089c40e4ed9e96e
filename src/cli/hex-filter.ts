// hex -Y: the display filter of typed frames, loaded by hex only when -Y is given.
// Layer rule: cli/ — flags.
import { createDisplayFilter, type DisplayFilter } from '../filter/display-filter.js';
import { checkedExpression } from './stream-options.js';

/** The checked expression as a display filter (a bad one: WsinspectError, exit 2). */
export function hexDisplayFilter(expression: string): DisplayFilter {
  return createDisplayFilter({ expression: checkedExpression(expression) });
}
