// The debugger's keys (only with `proxy --ui`, where UiLaunch.debug is given): `i` intercept
// filter, on a held message `a` forward, `A` forward all, `e` edit, `x` drop, `d` send twice;
// `I` inject, `r` resend. Kept apart from the screen so the proxy's side can change it alone;
// the text ↔ bytes of editing and of the inject composer are editable.ts's.
// Layer rule: ui/.
import { compileFilter } from '../filter/compile.js';
import type { Direction } from '../session/events.js';
import { payloadOf } from './detail-view.js';
import { composeInline, composerTemplate, fromEditable, parseComposed, toEditable, type Composed } from './editable.js';
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
  const e = toEditable(held.opcode, held.data);
  const edited = await ctx.suspend(() => ctx.editor!(e.text, e.ext));
  if (!debug.held().some((h) => h.id === held.id))
    return ctx.say(
      `message #${held.index} is no longer held (its connection closed, or --hold-timeout): edit not sent`,
    );
  if (edited === null) return ctx.say('edit cancelled (nothing saved): the message is still held');
  const m = fromEditable(held, e.kind, edited);
  if (!m.ok) return ctx.say(`edit not sent: ${m.error}; the message is still held`);
  debug.edit(held.id, m.opcode, m.data);
  ctx.say(
    `sent the edited message #${held.index} (${m.data.length} bytes)${m.note === undefined ? '' : `: ${m.note}`}`,
  );
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
      // composed in $EDITOR: "DIR KIND" on the first line (the direction can still be changed there), the message below
      void ctx
        .suspend(() => ctx.editor!(composerTemplate(dir), 'txt'))
        .then((text) => {
          if (text === null) return ctx.say('inject cancelled (nothing saved)');
          send(conn, parseComposed(text), ctx, debug);
        });
      return;
    }
    return ctx.ask({
      kind: 'inject-text',
      label: 'message (text; json {…}; hex 01 02 or 0x0102 for binary): ',
      value: '',
      data: { conn, dir },
    });
  }
  if (pr.data === undefined) return;
  send(pr.data.conn, composeInline(pr.data.dir, value), ctx, debug);
}

function send(conn: number, msg: Composed, ctx: DebugContext, debug: DebugActions): void {
  if (!msg.ok) return ctx.say(`inject: ${msg.error}`);
  const why = debug.inject(conn, msg.dir, msg.opcode, msg.data);
  ctx.say(why ?? `injected ${msg.data.length} bytes on connection ${conn} (${msg.dir})`);
}
