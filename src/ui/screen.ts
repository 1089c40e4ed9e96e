// The interactive screen (ink + React, loaded only by runUi): the list of frames or messages,
// the detail pane (what -V prints for the selected row), the hex pane (the bytes of the detail
// line under the cursor highlighted), the status line, and the overlays (help, connections,
// conversation) and prompts (display filter, search, save, intercept, inject). Keys are in
// HELP below; the debugger's keys are in debug-keys.ts. Layer rule: ui/.
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { compileFilter } from '../filter/compile.js';
import { escapeForTerminal } from '../render/escape.js';
import { renderHexDump } from '../render/hex-dump.js';
import { createStyle } from '../render/style.js';
import { directionArrow } from '../render/summary-line.js';
import { handleDebugKey, type DebugPrompt } from './debug-keys.js';
import { containsBytes, detailView, payloadOf, prettyJson, searchBytes, type DetailView } from './detail-view.js';
import {
  createPaints,
  emptyListReason,
  heldLine,
  hexLines,
  hexPerRow,
  hexRowOf,
  relTime,
  rowLine,
  wrapPlain,
  wrapWords,
  type Paints,
} from './lines.js';
import type { HeldMessage, RowDetail, RowKind, RowList, UiLaunch } from './model.js';
import type { InspectEvent } from '../session/events.js';

const h = React.createElement;

export const HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move (in the list, the detail pane, the hex pane)'],
  ['PgUp PgDn', 'a page up / down'],
  ['g  G', 'first / last row'],
  ['Enter', 'detail: focus the detail pane (its cursor picks a field; the hex pane highlights its bytes)'],
  ['Tab', 'next pane (list → detail → hex)'],
  ['Esc', 'back to the list; close a prompt or a view'],
  ['/', 'display filter (-Y language; red while invalid; Enter applies, empty clears)'],
  ['ctrl-f', 'search payloads for text, or bytes as 0x… (n / N: next / previous match)'],
  ['f', 'follow: the newest row stays in view as rows arrive'],
  ['m', 'frames ↔ messages'],
  ['c', 'connections: pick one (or all)'],
  ['v', "conversation of the selected row's connection (client left, server right)"],
  ['s', 'save the selected payload (.hex: hex dump, .json: JSON, else raw bytes)'],
  ['?', 'this help'],
  ['q', 'quit'],
];

export const DEBUG_HELP: readonly (readonly [string, string])[] = [
  ['i', 'intercept filter: matching messages are held (empty: none)'],
  ['a  A', 'forward the held message / all held messages'],
  ['e', 'edit the held message in $EDITOR, then forward it'],
  ['x', 'drop the held message'],
  ['d', 'forward the held message twice'],
  ['I', 'inject a new message (pick the direction, then its text)'],
  ['r', 'resend the selected message on its connection'],
];

type Pane = 'list' | 'detail' | 'hex';
type Overlay = null | 'help' | 'conns' | 'conversation';

interface Prompt {
  readonly kind: 'filter' | 'search' | 'save' | DebugPrompt['kind'];
  readonly label: string;
  readonly value: string;
  /** Checked as typed (the filter language): the error, or null. */
  readonly error: string | null;
  readonly data?: DebugPrompt['data'];
}

export interface ScreenProps {
  readonly launch: UiLaunch;
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** Called once the screen has quit (ink unmounts after it). */
  readonly onQuit: () => void;
  /** Runs `fn` with the terminal handed back (the editor), then takes it again. */
  readonly suspend: <T>(fn: () => Promise<T>) => Promise<T>;
}

function filterError(expr: string): string | null {
  if (expr.trim() === '') return null;
  try {
    compileFilter(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A message whose answers are still awaited: its detail may change as traffic arrives. */
function awaitsAnswer(ev: InspectEvent): boolean {
  return ev.type === 'message' && ev.answers?.until === 'pending';
}

function useTick(subscribe: (l: () => void) => () => void): number {
  const [tick, setTick] = useState(0);
  useEffect(() => subscribe(() => setTick((t) => t + 1)), [subscribe]);
  return tick;
}

function useSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const get = (): { columns: number; rows: number } => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [size, setSize] = useState(get);
  useEffect(() => {
    const on = (): void => setSize(get());
    stdout.on('resize', on);
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout]);
  return size;
}

interface Mouse {
  /** SGR button code: 0 left, 64/65 wheel up/down (+4 shift, +8 meta, +16 ctrl). */
  readonly button: number;
  /** 1-based column and line. */
  readonly x: number;
  readonly y: number;
}

type KeyFlags = Pick<
  Key,
  | 'upArrow'
  | 'downArrow'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'return'
  | 'escape'
  | 'ctrl'
  | 'shift'
  | 'tab'
  | 'backspace'
  | 'delete'
  | 'meta'
>;

const NO_KEY: KeyFlags = {
  upArrow: false,
  downArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
};

/** ink's input as single keys: a chunk of plain characters (typed fast, pasted) is split. */
function splitKeys(input: string, key: KeyFlags): { input: string; key: KeyFlags }[] {
  const special =
    key.upArrow ||
    key.downArrow ||
    key.pageUp ||
    key.pageDown ||
    key.home ||
    key.end ||
    key.ctrl ||
    key.meta ||
    key.escape;
  if (special || [...input].length <= 1) return [{ input, key }];
  return [...input].map((ch) => {
    const code = ch.charCodeAt(0);
    // a control character inside a chunk: ctrl-letter, as ink reports it alone
    if (code >= 1 && code <= 26 && ch !== '\r' && ch !== '\n' && ch !== '\t' && ch !== '\b')
      return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
    return {
      input: ch,
      key: {
        ...NO_KEY,
        return: ch === '\r' || ch === '\n',
        tab: ch === '\t',
        backspace: ch === '\x7f' || ch === '\b',
        shift: ch !== ch.toLowerCase(),
      },
    };
  });
}

const clamp = (n: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, n));

/** A pane: a title line (inverse when focused) and exactly `height - 1` lines under it, cut at its width. */
function pane(title: string, lines: readonly string[], width: number, height: number, focused: boolean, p: Paints) {
  const body = lines.slice(0, Math.max(0, height - 1));
  while (body.length < height - 1) body.push('');
  const head = focused ? p.inverse(p.bold(` ${title} `)) : p.bold(` ${title} `);
  const mark = !p.color && focused ? '▶' : '';
  return h(
    Box,
    { flexDirection: 'column', width, height, flexShrink: 0 },
    h(Text, { wrap: 'truncate-end' }, mark + head),
    ...body.map((l, i) => h(Text, { key: i, wrap: 'truncate-end' }, ' ' + l)),
  );
}

export function Screen({ launch, colorLevel, onQuit, suspend }: ScreenProps) {
  const { store, debug } = launch;
  const app = useApp();
  const p = useMemo(() => createPaints(colorLevel), [colorLevel]);
  const style = useMemo(
    () => createStyle({ color: colorLevel !== 0, level: colorLevel === 0 ? 1 : colorLevel }),
    [colorLevel],
  );
  const storeTick = useTick(useMemo(() => (l: () => void) => store.subscribe(l), [store]));
  useTick(useMemo(() => (l: () => void) => debug?.subscribe(l) ?? (() => {}), [debug]));
  const { columns, rows } = useSize();

  const [chosenKind, setKind] = useState<RowKind | null>(null);
  const [filter, setFilter] = useState<string | null>(launch.filter ?? null);
  const [conn, setConn] = useState<number | null>(null);
  const [cursor, setCursor] = useState(0);
  const [top, setTop] = useState(0);
  const [follow, setFollow] = useState(false);
  const [focus, setFocus] = useState<Pane>('list');
  const [overlay, setOverlay] = useState<Overlay>(null);
  const [overlayCursor, setOverlayCursor] = useState(0);
  const [convConn, setConvConn] = useState<number | null>(null);
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [detailCursor, setDetailCursor] = useState(0);
  const [detailTop, setDetailTop] = useState(0);
  const [hexTop, setHexTop] = useState(0);
  /** The selected row's detail: `row` names the row, `key` also the store's tick while it may still change. */
  const [detail, setDetail] = useState<{ key: string; row: string; d: RowDetail; view: DetailView } | null>(null);
  const [search, setSearch] = useState<{ typed: string; bytes: Uint8Array } | null>(null);
  const [searching, setSearching] = useState(false);

  const status = store.status();
  // a recording (HAR, NDJSON) has messages and no frames: its list starts with them
  const kind: RowKind = chosenKind ?? (status.frames === 0 && status.messages > 0 ? 'message' : 'frame');
  const list: RowList = store.rows(kind, filter, conn);
  const held: readonly HeldMessage[] = debug?.held() ?? [];
  const total = list.length + held.length;
  const origin = useRef<number | null>(null);
  if (origin.current === null && list.length > 0) {
    const first = store.rows(kind, null, null).row(0);
    origin.current = first?.time ?? null;
  }

  // layout
  const wide = columns >= 100;
  const bodyHeight = Math.max(6, rows - 3);
  const listWidth = wide ? Math.floor(columns * 0.5) : columns;
  const rightWidth = wide ? columns - listWidth : columns;
  const listHeight = wide ? bodyHeight : Math.max(3, Math.floor(bodyHeight * 0.4));
  const hexHeight = wide ? Math.max(4, Math.floor(bodyHeight * 0.35)) : Math.max(3, Math.floor(bodyHeight * 0.25));
  const detailHeight = wide ? bodyHeight - hexHeight : bodyHeight - listHeight - hexHeight;
  const listRows = listHeight - 1;

  const cur = clamp(follow ? total - 1 : cursor, 0, Math.max(0, total - 1));
  let listTop = top;
  if (cur < listTop) listTop = cur;
  if (cur >= listTop + listRows) listTop = cur - listRows + 1;
  listTop = clamp(listTop, 0, Math.max(0, total - listRows));
  useEffect(() => {
    if (listTop !== top) setTop(listTop);
    if (cur !== cursor && total > 0) setCursor(cur);
  });

  const selectedHeld: HeldMessage | null = cur >= list.length && cur < total ? held[cur - list.length] : null;
  const selectedRow = cur < list.length ? list.row(cur) : undefined;
  const rowKey =
    selectedRow === undefined
      ? ''
      : `${kind}|${filter}|${conn}|${cur}|${selectedRow.conn}:${selectedRow.index}:${selectedRow.dir}`;
  // a request whose answer has not come yet (a live proxy) is asked for again as traffic arrives
  const waiting = detail !== null && detail.row === rowKey && awaitsAnswer(detail.d.event);
  const detailKey = waiting ? `${rowKey}|${storeTick}` : rowKey;

  useEffect(() => {
    if (detailKey === '' || detail?.key === detailKey) return;
    let live = true;
    const again = detail?.row === rowKey;
    store.detail(list, cur).then(
      (d) => {
        if (!live) return;
        const view = detailView(d, style);
        setDetail({ key: detailKey, row: rowKey, d, view });
        // the same row again: where the reader was stays
        if (again) return;
        setDetailCursor(view.firstField);
        setDetailTop(0);
        setHexTop(0);
      },
      (err: unknown) => live && setFlash(`detail: ${(err as Error).message}`),
    );
    return () => {
      live = false;
    };
  }, [detailKey]);

  const view = detail !== null && detail.row === rowKey ? detail.view : null;
  const span = view?.lines[detailCursor]?.span ?? null;

  const say = (text: string): void => setFlash(text);

  async function runSearch(dir: 1 | -1, needle: Uint8Array): Promise<void> {
    setSearching(true);
    try {
      for (let i = cur + dir; i >= 0 && i < list.length; i += dir) {
        if (list.row(i) === undefined) continue;
        const d = await store.detail(list, i);
        if (containsBytes(payloadOf(d), needle)) {
          setFollow(false);
          setCursor(i);
          say(`match at row ${i + 1}`);
          return;
        }
      }
      say(`no ${dir === 1 ? 'further' : 'earlier'} match in this list`);
    } finally {
      setSearching(false);
    }
  }

  function save(path: string): void {
    if (detail === null || detail.row !== rowKey) return say('nothing selected to save');
    const data = payloadOf(detail.d);
    const full = resolvePath(path);
    const text = detail.d.summary.opcode === 1 ? new TextDecoder().decode(data) : null;
    let out: string | Uint8Array;
    let what: string;
    if (path.endsWith('.hex')) {
      out = renderHexDump(data, createStyle({ color: false }), { maxBytes: Infinity }) + '\n';
      what = 'hex dump';
    } else if (path.endsWith('.json')) {
      const json = text === null ? null : prettyJson(text);
      const s = detail.d.summary;
      out =
        json ??
        JSON.stringify(
          {
            conn: s.conn,
            dir: s.dir,
            index: s.index,
            opcode: s.opcode,
            length: s.length,
            ...(text === null ? { hex: Buffer.from(data).toString('hex') } : { text }),
          },
          null,
          2,
        );
      out += '\n';
      what = json === null ? 'JSON' : 'JSON, pretty-printed';
    } else {
      out = data;
      what = 'raw bytes';
    }
    try {
      writeFileSync(full, out);
      say(`wrote ${data.length} bytes (${what}) to ${full}`);
    } catch (err) {
      say(`cannot write ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  function applyPrompt(pr: Prompt): void {
    setPrompt(null);
    switch (pr.kind) {
      case 'filter': {
        if (pr.error !== null) return;
        const value = pr.value.trim() === '' ? null : pr.value;
        setFilter(value);
        setCursor(0);
        setTop(0);
        say(value === null ? 'filter cleared' : `filter: ${value}`);
        return;
      }
      case 'search': {
        const bytes = searchBytes(pr.value);
        if (typeof bytes === 'string') return say(bytes);
        setSearch({ typed: pr.value, bytes });
        void runSearch(1, bytes);
        return;
      }
      case 'save':
        if (pr.value.trim() !== '') save(pr.value.trim());
        return;
      default:
        handleDebugKey({ prompt: { kind: pr.kind, value: pr.value, data: pr.data } }, debugContext());
    }
  }

  function debugContext() {
    return {
      debug,
      editor: launch.editor,
      held: selectedHeld,
      detail: detail !== null && detail.row === rowKey ? detail.d : null,
      conn: selectedRow?.conn ?? conn,
      say,
      ask: (pr: DebugPrompt & { label: string }) =>
        setPrompt({ kind: pr.kind, label: pr.label, value: pr.value ?? '', error: null, data: pr.data }),
      suspend: async <T>(fn: () => Promise<T>): Promise<T> => {
        paused.current = true;
        try {
          return await suspend(fn);
        } finally {
          paused.current = false;
          queue.current.length = 0;
        }
      },
    };
  }

  function moveBy(n: number): void {
    setFollow(false);
    setCursor(clamp(cur + n, 0, Math.max(0, total - 1)));
  }

  // Keys are handled one per render, so keys that come in one chunk (typed fast, pasted, sent
  // by a test) each see the state the previous one left.
  const queue = useRef<{ input: string; key: KeyFlags; mouse?: Mouse }[]>([]);
  const [, bump] = useState(0);
  // while the editor has the terminal, what comes in is not for the UI
  const paused = useRef(false);
  useInput((input, key) => {
    if (paused.current) return;
    // SGR mouse reports (run.ts turns them on): ink hands them over as "[<b;x;y" + M or m
    const m = /^\[<(\d+);(\d+);(\d+)([Mm])$/.exec(input);
    if (m !== null) {
      if (m[4] === 'm') return;
      queue.current.push({ input: '', key: NO_KEY, mouse: { button: Number(m[1]), x: Number(m[2]), y: Number(m[3]) } });
    } else queue.current.push(...splitKeys(input, key));
    bump((n) => n + 1);
  });
  useEffect(() => {
    const next = queue.current.shift();
    if (next === undefined) return;
    // typing on the prompt line: a run of plain characters at once
    const plain = (k: { input: string; key: KeyFlags }): boolean =>
      !k.key.return && !k.key.escape && !k.key.tab && !k.key.backspace && !k.key.delete && !k.key.ctrl && !k.key.meta;
    if (next.mouse !== undefined) onMouse(next.mouse);
    else if (prompt !== null && plain(next)) {
      let text = next.input;
      while (queue.current.length > 0 && plain(queue.current[0])) text += queue.current.shift()!.input;
      onKey(text, NO_KEY);
    } else onKey(next.input, next.key);
    if (queue.current.length > 0) bump((n) => n + 1);
  });

  /** A wheel turn scrolls the pane under the pointer; a click picks the row (or detail line) under it. */
  function onMouse({ button, x, y }: Mouse): void {
    if (prompt !== null) return;
    const wheel = (button & 64) !== 0 ? ((button & 1) === 0 ? -3 : 3) : 0;
    if (wheel === 0 && (button & 3) !== 0) return;
    if (overlay !== null) {
      if (overlay === 'conns' && wheel === 0) {
        const picked = y - 2;
        const conns = store.connections();
        if (picked < 0 || picked > conns.length) return;
        setOverlayCursor(picked);
        return overlayKey('', { ...NO_KEY, return: true }, picked);
      }
      if (wheel !== 0) overlayKey(wheel < 0 ? 'k' : 'j', NO_KEY);
      return;
    }
    const where: Pane = wide
      ? x <= listWidth
        ? 'list'
        : y <= detailHeight
          ? 'detail'
          : 'hex'
      : y <= listHeight
        ? 'list'
        : y <= listHeight + detailHeight
          ? 'detail'
          : 'hex';
    const paneTop =
      where === 'list' || wide
        ? where === 'hex'
          ? detailHeight + 1
          : 1
        : where === 'detail'
          ? listHeight + 1
          : listHeight + detailHeight + 1;
    const line = y - paneTop - 1;
    if (where === 'list') {
      if (wheel !== 0) return moveBy(wheel);
      if (line < 0 || listTop + line >= total) return;
      setFollow(false);
      setFocus('list');
      return setCursor(listTop + line);
    }
    if (where === 'detail') {
      const n = view?.lines.length ?? 0;
      setFocus('detail');
      if (wheel !== 0) return setDetailCursor(clamp(detailCursor + wheel, 0, Math.max(0, n - 1)));
      if (line >= 0 && detailTop + line < n) setDetailCursor(detailTop + line);
      return;
    }
    if (wheel !== 0) {
      const hexRows = Math.ceil((view?.bytes.length ?? 0) / hexPerRow(rightWidth));
      setHexTop(clamp(hexTop + wheel, 0, Math.max(0, hexRows - 1)));
    }
  }

  function onKey(input: string, key: KeyFlags): void {
    setFlash(null);
    if (prompt !== null) {
      if (key.escape) return setPrompt(null);
      if (key.return) return applyPrompt(prompt);
      let value = prompt.value;
      if (key.backspace || key.delete) value = value.slice(0, -1);
      else if (key.ctrl && input === 'u') value = '';
      else if (!key.ctrl && !key.meta && input.length > 0 && !key.upArrow && !key.downArrow && !key.tab)
        value += input.replace(/[\x00-\x1f\x7f]/g, '');
      else return;
      const error = prompt.kind === 'filter' || prompt.kind === 'intercept' ? filterError(value) : null;
      return setPrompt({ ...prompt, value, error });
    }
    if (overlay !== null) return overlayKey(input, key);
    if (input === 'q' || (key.ctrl && input === 'c')) {
      onQuit();
      app.exit();
      return;
    }
    if (input === '?') return setOverlay('help');
    if (key.tab) return setFocus(focus === 'list' ? 'detail' : focus === 'detail' ? 'hex' : 'list');
    if (key.escape) return setFocus('list');
    if (key.return && focus === 'list') return setFocus('detail');
    if (key.ctrl && input === 'f')
      return setPrompt({
        kind: 'search',
        label: 'search (text, or 0x… bytes): ',
        value: search?.typed ?? '',
        error: null,
      });
    if (input === '/')
      return setPrompt({ kind: 'filter', label: 'display filter: ', value: filter ?? '', error: null });
    if (input === 'n' || input === 'N') {
      if (search === null) return say('no search yet: ctrl-f');
      if (!searching) void runSearch(input === 'n' ? 1 : -1, search.bytes);
      return;
    }
    if (input === 'f') {
      setFollow(!follow);
      return say(follow ? 'follow off' : 'follow on: the newest row stays in view');
    }
    if (input === 'm') {
      setKind(kind === 'frame' ? 'message' : 'frame');
      setCursor(0);
      setTop(0);
      return;
    }
    if (input === 'c') {
      setOverlayCursor(conn === null ? 0 : store.connections().findIndex((c) => c.connection.conn === conn) + 1);
      return setOverlay('conns');
    }
    if (input === 'v') {
      const which = selectedRow?.conn ?? conn ?? store.connections()[0]?.connection.conn ?? null;
      if (which === null) return say('no connection to show');
      setConvConn(which);
      setOverlayCursor(0);
      return setOverlay('conversation');
    }
    if (input === 's') {
      if (selectedRow === undefined) return say('nothing selected to save');
      const ext = selectedRow.opcode === 1 ? 'txt' : 'bin';
      return setPrompt({
        kind: 'save',
        label: 'save payload to (.hex: hex dump, .json: JSON, else raw): ',
        value: `wsinspect-${selectedRow.conn}-${selectedRow.kind}-${selectedRow.index}.${ext}`,
        error: null,
      });
    }
    if (debug !== undefined && handleDebugKey({ input, shift: key.shift }, debugContext())) return;
    const page = Math.max(1, (focus === 'list' ? listRows : focus === 'detail' ? detailHeight - 1 : hexHeight - 1) - 1);
    let step = 0;
    if (key.upArrow || input === 'k') step = -1;
    else if (key.downArrow || input === 'j') step = 1;
    else if (key.pageUp) step = -page;
    else if (key.pageDown || input === ' ') step = page;
    else if (input === 'g' || key.home) step = -Infinity;
    else if (input === 'G' || key.end) step = Infinity;
    if (step === 0) return;
    if (focus === 'list') {
      if (step === -Infinity) {
        setFollow(false);
        return setCursor(0);
      }
      if (step === Infinity) return setCursor(Math.max(0, total - 1));
      return moveBy(step);
    }
    if (focus === 'detail') {
      const n = view?.lines.length ?? 0;
      return setDetailCursor(
        clamp(Number.isFinite(step) ? detailCursor + step : step < 0 ? 0 : n - 1, 0, Math.max(0, n - 1)),
      );
    }
    const hexRows = Math.ceil((view?.bytes.length ?? 0) / hexPerRow(rightWidth));
    setHexTop(clamp(Number.isFinite(step) ? hexTop + step : step < 0 ? 0 : hexRows, 0, Math.max(0, hexRows - 1)));
  }

  function overlayKey(input: string, key: KeyFlags, at = overlayCursor): void {
    if (
      input === 'q' ||
      key.escape ||
      (overlay === 'help' && input === '?') ||
      (overlay === 'conversation' && input === 'v')
    )
      return setOverlay(null);
    const conns = store.connections();
    const max =
      overlay === 'conns'
        ? conns.length
        : overlay === 'conversation'
          ? Math.max(0, store.rows('message', null, convConn).length - 1)
          : 0;
    const page = Math.max(1, bodyHeight - 3);
    if (key.upArrow || input === 'k') setOverlayCursor(clamp(overlayCursor - 1, 0, max));
    else if (key.downArrow || input === 'j') setOverlayCursor(clamp(overlayCursor + 1, 0, max));
    else if (key.pageUp) setOverlayCursor(clamp(overlayCursor - page, 0, max));
    else if (key.pageDown) setOverlayCursor(clamp(overlayCursor + page, 0, max));
    else if (input === 'g') setOverlayCursor(0);
    else if (input === 'G') setOverlayCursor(max);
    else if (key.return && overlay === 'conns') {
      const picked = at === 0 ? null : (conns[at - 1]?.connection.conn ?? null);
      setConn(picked);
      setCursor(0);
      setTop(0);
      setOverlay(null);
      say(picked === null ? 'all connections' : `connection ${picked}`);
    }
  }

  // ---- drawing --------------------------------------------------------------------------

  const statusLine = (): string => {
    const parts = [
      p.bold(escapeForTerminal(launch.title)),
      conn === null ? 'all connections' : `connection ${conn}`,
      `${status.frames} frames, ${status.messages} messages, ${status.connections} conn${status.connections === 1 ? '' : 's'}`,
      `${kind === 'frame' ? 'frames' : 'messages'} ${total === 0 ? 0 : cur + 1}/${total}`,
    ];
    if (filter !== null) parts.push(`filter: ${escapeForTerminal(filter)}`);
    if (status.errors > 0) parts.push(p.red(`${status.errors} errors`));
    if (debug !== undefined) {
      parts.push(debug.intercept === null ? 'intercept: off' : `intercept: ${escapeForTerminal(debug.intercept)}`);
      parts.push(held.length > 0 ? p.yellow(`held ${held.length}`) : 'held 0');
    }
    if (status.indexing !== undefined)
      parts.push(
        `indexing ${status.indexing.total > 0 ? Math.floor((status.indexing.done / status.indexing.total) * 100) : 0}%`,
      );
    else if (!status.ended && debug === undefined) parts.push('reading…');
    if (follow) parts.push(p.green('follow'));
    if (searching) parts.push('searching…');
    parts.push('? help');
    return parts.join(' │ ');
  };

  const bottomLine = (): string => {
    if (prompt !== null) {
      const value = escapeForTerminal(prompt.value);
      const shown = prompt.error !== null ? p.red(value) : value;
      const err = prompt.error !== null ? '  ' + p.red(`✖ ${escapeForTerminal(prompt.error)}`) : '';
      return p.bold(prompt.label) + shown + '█' + err;
    }
    if (flash !== null) return escapeForTerminal(flash);
    if (status.note !== undefined) return escapeForTerminal(status.note);
    return '';
  };

  const listLines = (): string[] => {
    const out: string[] = [];
    if (total === 0) {
      const why = status.emptyReason ?? emptyListReason(kind, filter, status);
      for (const line of wrapWords(escapeForTerminal(why), listWidth - 4)) out.push(p.dim('  ' + line));
      return out;
    }
    for (let i = listTop; i < Math.min(total, listTop + listRows); i++) {
      let line: string;
      if (i < list.length) {
        const r = list.row(i);
        line = r === undefined ? p.dim(`${String(i + 1).padStart(5)} …`) : rowLine(i + 1, r, origin.current, p);
      } else line = heldLine(held[i - list.length], p);
      const selected = i === cur;
      out.push(selected ? (p.color ? p.inverse(line) : '>' + line.slice(1)) : line);
    }
    return out;
  };

  const detailLines = (): string[] => {
    if (selectedHeld !== null) {
      const data = selectedHeld.data;
      const lines = [
        p.yellow(
          `held message #${selectedHeld.index} on connection ${selectedHeld.conn}, ${directionArrow(selectedHeld.dir)} ${selectedHeld.dir}`,
        ),
        'a forward · A forward all · e edit · x drop · d send twice',
        '',
      ];
      const text = selectedHeld.opcode === 1 ? new TextDecoder().decode(data) : null;
      if (text !== null)
        for (const l of (prettyJson(text) ?? text).split('\n')) lines.push('  ' + escapeForTerminal(l));
      else lines.push(...renderHexDump(data, style).split('\n'));
      return lines;
    }
    if (view === null) return [p.dim(selectedRow === undefined ? '' : 'loading…')];
    const n = detailHeight - 1;
    let t = detailTop;
    if (focus === 'detail') {
      // a cursor that left the pane comes back to its middle, with what surrounds it
      if (detailCursor < t || detailCursor >= t + n) t = Math.max(0, detailCursor - Math.floor(n / 2));
    }
    if (t !== detailTop) queueMicrotask(() => setDetailTop(t));
    return view.lines.slice(t, t + n).map((l, k) => {
      const at = t + k;
      if (focus !== 'detail' || at !== detailCursor) return l.text === '' ? ' ' : l.text;
      return p.color ? p.inverse(l.text === '' ? ' ' : l.text) : '»' + l.text;
    });
  };

  const hexPaneLines = (): string[] => {
    if (view === null) return [];
    const perRow = hexPerRow(rightWidth - 1);
    const all = hexLines(view.bytes, span, perRow, p);
    const n = hexHeight - 1;
    let t = hexTop;
    if (focus !== 'hex' && span !== null) {
      const r = hexRowOf(span, perRow);
      if (r < t || r >= t + n) t = Math.max(0, r - 1);
    }
    return all.slice(t, t + n);
  };

  const conversationLines = (): string[] => {
    const msgs = store.rows('message', null, convConn);
    const half = Math.max(20, Math.floor(columns * 0.6));
    const out: string[] = [];
    for (let i = overlayCursor; i < msgs.length && out.length < bodyHeight; i++) {
      const r = msgs.row(i);
      if (r === undefined) continue;
      const head = `${relTime(r.time, origin.current)} ${r.opcode === 1 ? 'text' : 'binary'} ${r.length} B${r.change === undefined ? '' : ' ' + r.change}`;
      const body = wrapPlain(escapeForTerminal(r.preview), half - 4, 3);
      if (r.dir === 'c2s') {
        out.push(p.green(`┌ client  ${head}`));
        for (const l of body) out.push(p.green('│ ') + l);
      } else {
        const pad = ' '.repeat(Math.max(0, columns - half - 2));
        out.push(pad + p.blue(`server  ${head} ┐`.padStart(half)));
        for (const l of body) out.push(pad + l.padStart(half - 2) + p.blue(' │'));
      }
    }
    if (msgs.length === 0) out.push(p.dim('  no messages on this connection'));
    return out;
  };

  const overlayLines = (): { title: string; lines: string[] } => {
    if (overlay === 'help') {
      const keys = debug === undefined ? HELP : [...HELP, ...DEBUG_HELP];
      return {
        title: 'Keys (Esc closes)',
        lines: keys.map(([k, what]) => `  ${p.bold(k.padEnd(12))} ${what}`),
      };
    }
    if (overlay === 'conns') {
      const conns = store.connections();
      const lines = [
        'all connections',
        ...conns.map((c) => {
          const ev = c.connection;
          const end = c.end === undefined ? 'open' : `ended (${c.end.reason})`;
          return `[${ev.conn}] ${escapeForTerminal(ev.client)} → ${escapeForTerminal(ev.server)}${ev.url === undefined ? '' : ' ' + escapeForTerminal(ev.url)}  ${c.frames} frames, ${c.messages} messages, ${end}`;
        }),
      ].map((l, i) => (i === overlayCursor ? (p.color ? p.inverse(l) : '> ' + l) : '  ' + l));
      return { title: 'Connections (Enter picks, Esc closes)', lines };
    }
    return {
      title: `Conversation on connection ${convConn} (client left, server right; j/k scroll, Esc closes)`,
      lines: conversationLines(),
    };
  };

  let body;
  if (overlay !== null) {
    const o = overlayLines();
    body = pane(o.title, o.lines, columns, bodyHeight, true, p);
  } else {
    const listTitle = `${kind === 'frame' ? 'Frames' : 'Messages'}${conn === null ? '' : ` of connection ${conn}`}${filter === null ? '' : ' (filtered)'}`;
    const listPane = pane(listTitle, listLines(), listWidth, listHeight, focus === 'list', p);
    const detailTitle = span === null ? 'Detail' : `Detail — ${span.label}`;
    const detailPane = pane(detailTitle, detailLines(), rightWidth, detailHeight, focus === 'detail', p);
    const hexTitle = view === null ? 'Hex' : `Hex — ${view.bytesTitle}`;
    const hexPane = pane(hexTitle, hexPaneLines(), rightWidth, hexHeight, focus === 'hex', p);
    body = wide
      ? h(
          Box,
          { flexDirection: 'row', height: bodyHeight },
          listPane,
          h(Box, { flexDirection: 'column', width: rightWidth }, detailPane, hexPane),
        )
      : h(Box, { flexDirection: 'column', height: bodyHeight }, listPane, detailPane, hexPane);
  }
  return h(
    Box,
    { flexDirection: 'column', width: columns, height: rows - 1 },
    body,
    h(Text, { wrap: 'truncate-end' }, p.inverse(statusLine())),
    h(Text, { wrap: 'truncate-end' }, bottomLine() || ' '),
  );
}
