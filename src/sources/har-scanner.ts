// A HAR file read as a byte stream, one piece at a time: each entry of `log.entries` is parsed
// on its own (JSON.parse, V8's parser), and the elements of an entry's `_webSocketMessages`
// array are parsed one by one and handed on as they end, so a recording whose one connection
// holds a gigabyte of messages is never held whole, nor twice. The scanner only follows the
// structure (strings, brackets, keys); V8 checks the syntax of every piece it hands out, and
// what lies outside them (log.creator, log.pages) is followed for brackets and strings only.
// Layer rule: sources/ — reading input.

/** The scanner's report: an entry (without its messages) or one message of the current entry. */
export interface HarScanSink {
  /** One element of the current entry's `_webSocketMessages`, in file order; `entry` counts from 0. */
  message(value: unknown, entry: number, offset: number): void;
  /**
   * The entry as far as its `_webSocketMessages` array (closed there), before the messages:
   * what came first (Chrome writes request and response first), so messages can follow it.
   */
  entryHead(value: Record<string, unknown>, entry: number, offset: number): void;
  /** A piece (an entry or a message) that is not valid JSON: skipped, and the scan goes on after it. */
  broken(error: HarSyntaxError, entry: number): void;
  /**
   * An entry of log.entries, with `_webSocketMessages` replaced by the number of messages it had
   * when it was an array (`messages` is that number); when it was anything else it is left as it
   * was and `messages` is null.
   */
  entry(value: Record<string, unknown>, entry: number, offset: number, messages: number | null): void;
}

/** A piece of JSON that did not parse, or a structure that is not a HAR's: `offset` is the file byte. */
export class HarSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'HarSyntaxError';
  }
}

const enum C {
  quote = 0x22,
  backslash = 0x5c,
  open = 0x7b,
  close = 0x7d,
  openArr = 0x5b,
  closeArr = 0x5d,
  colon = 0x3a,
  comma = 0x2c,
}

interface Level {
  readonly array: boolean;
  /** The key this container is the value of (objects' members), or null. */
  readonly key: string | null;
}

/** Pieces of the file (subarrays of the chunks) that make up one value being captured. */
class Capture {
  parts: Uint8Array[] = [];
  start = 0;
  /** Where the current chunk's part begins (index into the chunk), or -1 when paused. */
  from = -1;
  constructor(readonly depth: number) {}
}

const MAX_KEY = 64;
const decoder = new TextDecoder();

export class HarScanner {
  private offset = 0;
  private readonly stack: Level[] = [];
  private inString = false;
  private escaped = false;
  /** Bytes of the string being read when it may be a key (short strings only). */
  private keyBytes: number[] | null = null;
  private lastString: string | null = null;
  /** After a string in key position: the next ':' makes it the pending key. */
  private pendingKey: string | null = null;
  private expectKey = false;
  private entryIndex = -1;
  private entry: Capture | null = null;
  private message: Capture | null = null;
  /** Inside the current entry's _webSocketMessages array (its depth), or -1. */
  private messagesDepth = -1;
  private messageCount = 0;
  /** The current entry's _webSocketMessages was an array (its elements went out one by one). */
  private messagesArray = false;
  private sawTop = false;
  private stringMessage = false;
  private sawEntries = false;

  constructor(private readonly sink: HarScanSink) {}

  /** True once `log.entries` was found (a JSON file without it is not a HAR). */
  get foundEntries(): boolean {
    return this.sawEntries;
  }

  /** Where inside the file the scanner is, for a message about a cut file. */
  get where(): string {
    if (this.message !== null) return `inside message ${this.messageCount + 1} of log.entries[${this.entryIndex}]`;
    if (this.entry !== null) return `inside log.entries[${this.entryIndex}]`;
    return this.stack.length === 0 ? 'at the top level' : `at depth ${this.stack.length}`;
  }

  push(chunk: Uint8Array): void {
    const base = this.offset;
    if (this.message !== null) this.message.from = 0;
    else if (this.entry !== null && this.messagesDepth < 0) this.entry.from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.inString) {
        // the body of a string that is not a key: a tight loop to its next quote or backslash
        if (!this.escaped && this.keyBytes === null && b !== C.quote && b !== C.backslash) {
          let j = i + 1;
          while (j < chunk.length && chunk[j] !== C.quote && chunk[j] !== C.backslash) j++;
          i = j - 1;
          continue;
        }
        if (this.escaped) this.escaped = false;
        else if (b === C.backslash) this.escaped = true;
        else if (b === C.quote) {
          this.inString = false;
          if (this.stringMessage) {
            this.stringMessage = false;
            this.endMessage(chunk, i);
            continue;
          }
          if (this.keyBytes !== null) {
            this.lastString = decoder.decode(Uint8Array.from(this.keyBytes));
            this.keyBytes = null;
          }
          continue;
        }
        if (this.keyBytes !== null) {
          if (this.keyBytes.length < MAX_KEY) this.keyBytes.push(b);
          else this.keyBytes = null;
        }
        continue;
      }
      switch (b) {
        case C.quote:
          this.inString = true;
          // a message that is a string, not an object: handed on as it is (the reader says what is wrong)
          if (this.messagesDepth >= 0 && this.message === null && this.stack.length === this.messagesDepth + 1) {
            this.message = new Capture(this.stack.length);
            this.message.start = base + i;
            this.message.from = i;
            this.stringMessage = true;
          }
          this.keyBytes = this.expectKey ? [] : null;
          this.lastString = null;
          break;
        case C.colon:
          this.pendingKey = this.expectKey ? this.lastString : null;
          this.expectKey = false;
          break;
        case C.comma: {
          const top = this.stack[this.stack.length - 1];
          this.expectKey = top !== undefined && !top.array;
          this.pendingKey = null;
          break;
        }
        case C.open:
        case C.openArr:
          this.openContainer(b === C.openArr, chunk, i, base);
          break;
        case C.close:
        case C.closeArr:
          this.closeContainer(b === C.closeArr, chunk, i, base);
          break;
        default:
          if (this.stack.length === 0 && !isSpace(b) && !isBom(b, base + i))
            throw new HarSyntaxError(
              this.sawTop ? 'text after the end of the JSON document' : 'not JSON: a HAR file starts with "{"',
              base + i,
            );
      }
    }
    // keep the unfinished part of this chunk
    if (this.message !== null && this.message.from >= 0) this.message.parts.push(chunk.subarray(this.message.from));
    else if (this.entry !== null && this.entry.from >= 0) this.entry.parts.push(chunk.subarray(this.entry.from));
    this.offset += chunk.length;
  }

  /** The end of the file: HarSyntaxError when it ends inside the document. */
  end(): void {
    if (this.inString || this.stack.length > 0)
      throw new HarSyntaxError(`the file ends early, ${this.where}`, this.offset);
    if (!this.sawTop) throw new HarSyntaxError('the file is empty', this.offset);
  }

  private openContainer(array: boolean, chunk: Uint8Array, i: number, base: number): void {
    const parent = this.stack[this.stack.length - 1];
    const key = parent !== undefined && !parent.array ? this.pendingKey : null;
    const depth = this.stack.length;
    if (depth === 0) {
      if (array) throw new HarSyntaxError('a JSON array, not a HAR (a HAR is an object with "log")', base + i);
      this.sawTop = true;
    }
    if (depth === 2 && key === 'entries' && this.stack[1].key === 'log') {
      if (!array) throw new HarSyntaxError('log.entries is not an array', base + i);
      this.sawEntries = true;
    }
    const entryElement = depth === 3 && this.inEntries();
    this.stack.push({ array, key });
    this.expectKey = !array;
    this.pendingKey = null;
    // an element of log.entries: capture it
    if (entryElement) {
      if (array) throw new HarSyntaxError(`log.entries[${this.entryIndex + 1}] is not an object`, base + i);
      this.entryIndex++;
      this.messageCount = 0;
      this.messagesArray = false;
      this.entry = new Capture(depth);
      this.entry.start = base + i;
      this.entry.from = i;
      return;
    }
    // the entry's _webSocketMessages: pause the entry, capture each element on its own
    if (this.entry !== null && depth === 4 && key === '_webSocketMessages' && array) {
      const e = this.entry;
      e.parts.push(chunk.subarray(e.from, i), ARRAY_PLACEHOLDER);
      e.from = -1;
      this.messagesDepth = depth;
      this.messagesArray = true;
      const head = this.parseOrReport(
        { parts: [...e.parts, OBJECT_END], start: e.start },
        `log.entries[${this.entryIndex}]`,
      );
      if (head !== BROKEN && head !== null && typeof head === 'object' && !Array.isArray(head))
        this.sink.entryHead(head as Record<string, unknown>, this.entryIndex, e.start);
      return;
    }
    if (this.messagesDepth >= 0 && depth === this.messagesDepth + 1 && this.message === null) {
      this.message = new Capture(depth);
      this.message.start = base + i;
      this.message.from = i;
    }
  }

  private closeContainer(array: boolean, chunk: Uint8Array, i: number, base: number): void {
    const top = this.stack.pop();
    if (top === undefined || top.array !== array)
      throw new HarSyntaxError(`unexpected "${array ? ']' : '}'}"`, base + i);
    const depth = this.stack.length;
    this.expectKey = false;
    if (this.message !== null && depth === this.message.depth) {
      this.endMessage(chunk, i);
      return;
    }
    if (this.messagesDepth >= 0 && depth === this.messagesDepth) {
      this.messagesDepth = -1;
      if (this.entry !== null) this.entry.from = i + 1;
      return;
    }
    if (this.entry !== null && depth === this.entry.depth) {
      const e = this.entry;
      e.parts.push(chunk.subarray(e.from, i + 1));
      this.entry = null;
      const value = this.parseOrReport(e, `log.entries[${this.entryIndex}]`);
      if (value === BROKEN) return;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new HarSyntaxError(`log.entries[${this.entryIndex}] is not an object`, e.start);
      const entry = value as Record<string, unknown>;
      if (this.messagesArray) entry._webSocketMessages = this.messageCount;
      this.sink.entry(entry, this.entryIndex, e.start, this.messagesArray ? this.messageCount : null);
      return;
    }
  }

  /** The message being captured ends at chunk[i]. */
  private endMessage(chunk: Uint8Array, i: number): void {
    const m = this.message!;
    m.parts.push(chunk.subarray(m.from, i + 1));
    this.message = null;
    this.messageCount++;
    const what = `message ${this.messageCount} of log.entries[${this.entryIndex}]`;
    const value = this.parseOrReport(m, what);
    if (value !== BROKEN) this.sink.message(value, this.entryIndex, m.start);
  }

  private parseOrReport(c: { readonly parts: readonly Uint8Array[]; readonly start: number }, what: string): unknown {
    try {
      return parsePiece(c, what);
    } catch (err) {
      if (!(err instanceof HarSyntaxError)) throw err;
      this.sink.broken(err, this.entryIndex);
      return BROKEN;
    }
  }

  private inEntries(): boolean {
    const s = this.stack;
    return s.length === 3 && s[2].array && s[2].key === 'entries' && s[1].key === 'log';
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** The UTF-8 byte order mark (EF BB BF) some Windows tools write first. */
function isBom(b: number, offset: number): boolean {
  return (offset === 0 && b === 0xef) || (offset === 1 && b === 0xbb) || (offset === 2 && b === 0xbf);
}

/** What stands in an entry for its _webSocketMessages array (the messages went out one by one). */
const ARRAY_PLACEHOLDER = new TextEncoder().encode('-1');
const BROKEN = Symbol('broken');
const OBJECT_END = new TextEncoder().encode('}');

function parsePiece(c: { readonly parts: readonly Uint8Array[]; readonly start: number }, what: string): unknown {
  const bytes = c.parts.length === 1 ? c.parts[0] : Buffer.concat(c.parts);
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(String((err as Error).message));
    // the position counts UTF-16 units of the piece: as a byte offset it is exact for ASCII
    const at = m === null ? c.start : c.start + Buffer.byteLength(text.slice(0, Number(m[1])));
    throw new HarSyntaxError(`malformed JSON in ${what}`, at);
  }
}
