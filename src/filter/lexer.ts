// Tokens of the filter language. Words are runs of letters, digits and `_ . : - /` (field
// names, numbers, byte strings 0a:0b, addresses 10.0.0.0/8, bare values such as text or
// c2s); strings are "…" or '…' with backslash escapes; /…/flags is a regular expression
// where `matches` expects one. Layer rule: filter/ — pure.
import { FilterSyntaxError } from './filter-error.js';

export type TokenKind = 'word' | 'string' | 'regex' | 'op' | '(' | ')' | '{' | '}' | '[' | ']' | ',' | 'end';

export interface FilterToken {
  readonly kind: TokenKind;
  /** Word or string contents (escapes resolved), operator spelling, regex source. */
  readonly text: string;
  /** Regex flags. */
  readonly flags?: string;
  /** 0-based offsets in the expression. */
  readonly start: number;
  readonly end: number;
}

const WORD_CHAR = /[A-Za-z0-9_.:\-/]/;
const OPERATORS = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '~', '='];

export function tokenize(source: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    const previous = tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
    const regexExpected =
      previous !== undefined &&
      ((previous.kind === 'word' && previous.text.toLowerCase() === 'matches') ||
        (previous.kind === 'op' && previous.text === '~'));
    if (c === '/' && regexExpected) {
      i++;
      let body = '';
      let closed = false;
      while (i < n) {
        const d = source[i];
        if (d === '\\' && i + 1 < n) {
          body += d + source[i + 1];
          i += 2;
        } else if (d === '/') {
          closed = true;
          i++;
          break;
        } else {
          body += d;
          i++;
        }
      }
      if (!closed) throw new FilterSyntaxError('unterminated regular expression (no closing /)', start + 1);
      let flags = '';
      while (i < n && /[A-Za-z]/.test(source[i])) flags += source[i++];
      tokens.push({ kind: 'regex', text: body, flags, start, end: i });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let text = '';
      let closed = false;
      while (i < n) {
        const d = source[i];
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        if (d === '\\') {
          if (i + 1 >= n) break;
          const e = source[i + 1];
          i += 2;
          switch (e) {
            case 'n':
              text += '\n';
              break;
            case 't':
              text += '\t';
              break;
            case 'r':
              text += '\r';
              break;
            case '0':
              text += '\0';
              break;
            case 'x': {
              const hex = source.slice(i, i + 2);
              if (!/^[0-9A-Fa-f]{2}$/.test(hex))
                throw new FilterSyntaxError('\\x in a string needs two hex digits', i - 1);
              text += String.fromCharCode(parseInt(hex, 16));
              i += 2;
              break;
            }
            case 'u': {
              const hex = source.slice(i, i + 4);
              if (!/^[0-9A-Fa-f]{4}$/.test(hex))
                throw new FilterSyntaxError('\\u in a string needs four hex digits', i - 1);
              text += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default:
              text += e;
          }
          continue;
        }
        text += d;
        i++;
      }
      if (!closed) throw new FilterSyntaxError(`unterminated string (no closing ${c})`, start + 1);
      tokens.push({ kind: 'string', text, start, end: i });
      continue;
    }
    if ('(){}[],'.includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, start, end: i + 1 });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, start, end: i + op.length });
      i += op.length;
      continue;
    }
    if (WORD_CHAR.test(c)) {
      while (i < n && WORD_CHAR.test(source[i])) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), start, end: i });
      continue;
    }
    const shown =
      c.codePointAt(0)! < 0x20 || c.codePointAt(0) === 0x7f ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c;
    throw new FilterSyntaxError(`unexpected character "${shown}"`, start + 1);
  }
  tokens.push({ kind: 'end', text: '', start: n, end: n });
  return tokens;
}
