// The debugger's keys (only with `proxy --ui`, where UiLaunch.debug is given): `i` intercept
// filter, on a held message `a` forward, `A` forward all, `e` edit, `x` drop, `d` send twice;
// `I` inject, `r` resend. Kept apart from the screen so the proxy's side can change it alone;
// the text ↔ bytes of editing are toEditable/fromEditable below (replaceable).
// Layer rule: ui/.
import { compileFilter } from '../filter/compile.js';
import type { Direction } from '../session/events.js';
import { payloadOf, prettyJson } from './detail-view.js';
import type { DebugActions, EditText, HeldMessage, RowDetail } from './model.js';

export interface DebugPrompt {
  readonly kind: 'intercept' | 'inject-dir' | 'inject-text';
  readonly value?: string;
  /** inject-text: where the message goes. */
  readonly data?: { readonly conn: number; readonly dir: Direction };
}

export interface DebugContext {
  readonly debug: DebugActions | undefined;
  readonly editor: EditText | undefined;
  /** The held message under the cursor, if any. */
  readonly held: HeldMessage | null;
  /** The selected row's detail, if loaded. */
  readonly detail: RowDetail | null;
  /** The selected row's connection (or the one picked with `c`). */
  readonly conn: number | null;
  say(text: string): void;
  ask(prompt: DebugPrompt & { readonly label: string }): void;
  suspend<T>(fn: () => Promise<T>): Promise<T>;
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** A message as text to edit, and the file extension that says how: JSON pretty-printed, other text, binary as hex. */
export function toEditable(opcode: number, data: Uint8Array): { text: string; ext: string } {
  if (opcode === 1) {
    const text = utf8.decode(data);
    const json = prettyJson(text);
    return json === null ? { text, ext: 'txt' } : { text: json + '\n', ext: 'json' };
  }
  const hex = Buffer.from(data)
    .toString('hex')
    .replace(/(.{2})/g, '$1 ')
    .trim();
  return { text: hex.replace(/((?:\S\S ){15}\S\S) /g, '$1\n') + '\n', ext: 'hex' };
}

/** The edited text back as the message's bytes (JSON compacted again, hex parsed); a string: why not. */
export function fromEditable(ext: string, text: string): Uint8Array | string {
  if (ext === 'json') {
    try {
      return encoder.encode(JSON.stringify(JSON.parse(text)));
    } catch (err) {
      return `not JSON any more: ${(err as Error).message}`;
    }
  }
  if (ext === 'hex') {
    const digits = text.replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(digits)) return 'not hex: pairs of hex digits, please';
    return Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16));
  }
  return encoder.encode(text.endsWith('\n') && !text.endsWith('\n\n') ? text.slice(0, -1) : text);
}

/** Typed on the inject prompt: `0x…` bytes (binary), else text. */
function typedMessage(value: string): { opcode: number; data: Uint8Array } | string {
  const m = /^0x\s*([0-9a-fA-F\s]*)$/.exec(value.trim());
  if (m === null) return { opcode: 1, data: encoder.encode(value) };
  const bytes = fromEditable('hex', m[1]);
  return typeof bytes === 'string' ? bytes : { opcode: 2, data: bytes };
}

function filterProblem(expr: string): string | null {
  try {
    compileFilter(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A key (or an answered prompt) for the debugger; true when it was one of its keys. Errors are
 * said on the status line, never thrown.
 */
export function handleDebugKey(
  ev: { readonly input: string; readonly shift?: boolean } | { readonly prompt: DebugPrompt },
  ctx: DebugContext,
): boolean {
  const debug = ctx.debug;
  if (debug === undefined) return false;
  if ('prompt' in ev) {
    answer(ev.prompt, ctx, debug);
    return true;
  }
  const held = ctx.held;
  switch (ev.input) {
    case 'i':
      ctx.ask({ kind: 'intercept', label: 'intercept filter (empty: none): ', value: debug.intercept ?? '' });
      return true;
    case 'A':
      if (debug.held().length === 0) ctx.say('nothing is held');
      else {
        const n = debug.held().length;
        debug.forwardAll();
        ctx.say(`forwarded ${n} held message${n === 1 ? '' : 's'}`);
      }
      return true;
    case 'a':
    case 'x':
    case 'd':
    case 'e':
      if (held === null) {
        ctx.say('select a held message first (they are listed last, marked HELD)');
        return true;
      }
      if (ev.input === 'a') {
        debug.forward(held.id);
        ctx.say(`forwarded message #${held.index}`);
      } else if (ev.input === 'x') {
        debug.drop(held.id);
        ctx.say(`dropped message #${held.index}`);
      } else if (ev.input === 'd') {
        debug.duplicate(held.id);
        ctx.say(`sent message #${held.index} twice`);
      } else void edit(held, ctx, debug);
      return true;
    case 'I':
      ctx.ask({ kind: 'inject-dir', label: 'inject toward the (s)erver or the (c)lient? ', value: '' });
      return true;
    case 'r': {
      const d = ctx.detail;
      const opcode = d === null ? 0 : d.event.type === 'message' ? d.event.opcode : d.event.frame.opcode;
      if (d === null || (opcode !== 1 && opcode !== 2)) {
        ctx.say('select a text or binary message (or its frame) to resend');
        return true;
      }
      const why = debug.resend(d.summary.conn, d.summary.dir, opcode, payloadOf(d));
      ctx.say(why ?? `resent on connection ${d.summary.conn} (${d.summary.dir})`);
      return true;
    }
  }
  return false;
}

async function edit(held: HeldMessage, ctx: DebugContext, debug: DebugActions): Promise<void> {
  if (ctx.editor === undefined) return ctx.say('no editor here: e needs $EDITOR (proxy --ui)');
  const { text, ext } = toEditable(held.opcode, held.data);
  const edited = await ctx.suspend(() => ctx.editor!(text, ext));
  if (edited === null) return ctx.say('edit cancelled: the message is still held');
  const bytes = fromEditable(ext, edited);
  if (typeof bytes === 'string') return ctx.say(`edit not sent: ${bytes}; the message is still held`);
  debug.edit(held.id, held.opcode, bytes);
  ctx.say(`sent the edited message #${held.index} (${bytes.length} bytes)`);
}

function answer(pr: DebugPrompt, ctx: DebugContext, debug: DebugActions): void {
  const value = pr.value ?? '';
  if (pr.kind === 'intercept') {
    const expr = value.trim() === '' ? null : value;
    if (expr !== null) {
      const bad = filterProblem(expr);
      if (bad !== null) return ctx.say(`intercept not set: ${bad}`);
    }
    const why = debug.setIntercept(expr);
    return ctx.say(why ?? (expr === null ? 'intercept off' : `intercepting ${expr}`));
  }
  if (pr.kind === 'inject-dir') {
    const v = value.trim().toLowerCase();
    const dir: Direction | null = v === 's' || v === 'c2s' ? 'c2s' : v === 'c' || v === 's2c' ? 's2c' : null;
    if (dir === null) return ctx.say('inject: answer s (toward the server) or c (toward the client)');
    if (ctx.conn === null) return ctx.say('inject: select a row of the connection first');
    const conn = ctx.conn;
    if (ctx.editor !== undefined) {
      void ctx
        .suspend(() => ctx.editor!('', 'txt'))
        .then((text) => {
          if (text === null || text === '') return ctx.say('inject cancelled');
          send(conn, dir, typedMessage(fromEditableText(text)), ctx, debug);
        });
      return;
    }
    return ctx.ask({
      kind: 'inject-text',
      label: 'message (text, or 0x… for binary): ',
      value: '',
      data: { conn, dir },
    });
  }
  if (pr.data === undefined) return;
  send(pr.data.conn, pr.data.dir, typedMessage(value), ctx, debug);
}

function fromEditableText(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function send(
  conn: number,
  dir: Direction,
  msg: { opcode: number; data: Uint8Array } | string,
  ctx: DebugContext,
  debug: DebugActions,
): void {
  if (typeof msg === 'string') return ctx.say(`inject: ${msg}`);
  const why = debug.inject(conn, dir, msg.opcode, msg.data);
  ctx.say(why ?? `injected ${msg.data.length} bytes on connection ${conn} (${dir})`);
}
