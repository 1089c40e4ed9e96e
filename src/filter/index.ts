// The display-filter language (-Y/--filter, proxy rules, the UI): compile an expression once,
// match frames and messages. Layer rule: filter/ — pure; may import protocol/ and session/.
export { compileFilter, type CompiledFilter } from './compile.js';
export { FilterSyntaxError } from './filter-error.js';
export type { FilterConnection, FilterEndpoint, FilterSubject } from './subject.js';
export { subjectFromFrame, subjectFromMessage, SubjectTracker, type SubjectContext } from './adapters.js';
export {
  FIELDS as FILTER_FIELDS,
  ALIASES as FILTER_ALIASES,
  type FilterField,
  type FilterValueType,
} from './fields.js';
export { createDisplayFilter, type DisplayFilter } from './display-filter.js';
