// Headless Chromium as a real browser client through the proxy: reverse mode (ws://), and
// forward mode (--proxy-server) for ws:// and for wss:// intercepted with the local CA, which
// the browser trusts for this session through --ignore-certificate-errors-spki-list.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FrameEvent, InspectEvent, MessageEvent } from '../../src/session/events.js';
import { LeafCertificates } from '../../src/sources/ca/leaf-certificates.js';
import { openLocalCa } from '../../src/sources/ca/local-ca.js';
import {
  startEchoServer,
  startProxy,
  startTlsEchoServer,
  until,
  type EchoServer,
  type Harness,
  type TlsEchoServer,
} from '../sources/proxy/proxy-harness.js';
import { CHROMIUM_PATH, describeWithTool } from '../helpers/tools.js';

/** The flags every launch uses (no sandbox: CI runs as root in a container). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'wsinspect-browser-')), name);
const proxyCa = openLocalCa(tmp('proxy-ca'));
const proxyCerts = new LeafCertificates(proxyCa);
const upstreamCa = openLocalCa(tmp('upstream-ca'));
let echo: EchoServer;
let tlsEcho: TlsEchoServer;
const dirs: string[] = [];

beforeAll(async () => {
  echo = await startEchoServer(true);
  const leaves = new LeafCertificates(upstreamCa);
  tlsEcho = await startTlsEchoServer(upstreamCa, {
    certPem: leaves.certificateFor('localhost').certPem,
    keyPem: leaves.leafKey().privatePem,
  });
});
afterAll(async () => {
  await echo.close();
  await tlsEcho.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * Chromium with exactly our flags: Playwright's own defaults are switched off, so only the
 * DevTools pipe it talks over, a fresh profile and the test's extra flags are added.
 */
async function launch(extra: string[]): Promise<BrowserContext> {
  const profile = tmp('profile');
  dirs.push(profile);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', ...extra, 'about:blank'],
    timeout: 15_000,
  });
}

/**
 * In the page: open `url`, send a text and a binary message, await both echoes, close with
 * 1000 "bye". Written as page source (the test itself is compiled without the DOM library).
 */
const CONVERSE = `(url) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const got = [];
  ws.onopen = () => {
    ws.send('hello from chromium');
    ws.send(new Uint8Array([1, 2, 3, 250]).buffer);
  };
  ws.onmessage = (e) => {
    got.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data)).join(','));
    if (got.length === 2) ws.close(1000, 'bye');
  };
  ws.onclose = (e) => resolve([...got, 'close ' + e.code + ' ' + e.reason]);
  ws.onerror = () => reject(new Error('WebSocket to ' + url + ' failed'));
})`;

function converse(page: Page, url: string): Promise<string[]> {
  return page.evaluate(`(${CONVERSE})(${JSON.stringify(url)})`) as Promise<string[]>;
}

function summary(events: InspectEvent[]): string[] {
  const frames = events
    .filter((e): e is FrameEvent => e.type === 'frame')
    .map((f) => `${f.dir} ${f.frame.opcode}${f.compressed ? ' deflate' : ''} ${f.text ?? ''}`.trim());
  return frames;
}

/** The decoded messages, per direction (the echo of the first may overtake the second). */
function decodedMessages(h: Harness): string[] {
  const all = h.events
    .filter((e): e is MessageEvent => e.type === 'message')
    .map((m) => `${m.dir} ${m.text ?? Array.from(m.data).join(',')}`);
  return [...all.filter((m) => m.startsWith('c2s')), ...all.filter((m) => m.startsWith('s2c'))];
}

/** Only loopback upstreams: the browser's own background requests are refused, never looked up. */
const loopbackOnly = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1';

/** The browser's background requests, refused by loopbackOnly: events of their own, not of the test. */
const isBackgroundRefusal = (e: InspectEvent): boolean =>
  e.type === 'diagnostic' &&
  e.diagnostic.code === 'proxy.request-refused' &&
  e.diagnostic.message.includes('is not an allowed upstream');

/** What the proxy showed of the page's own connection. */
const ownEvents = (h: Harness): InspectEvent[] => h.events.filter((e) => !isBackgroundRefusal(e));

function checkDecoded(h: Harness): void {
  expect(decodedMessages(h)).toEqual([
    'c2s hello from chromium',
    'c2s 1,2,3,250',
    's2c hello from chromium',
    's2c 1,2,3,250',
  ]);
  const frames = summary(h.events);
  expect(frames.slice(-2)).toEqual(['c2s 8', 's2c 8']);
  expect(frames.filter((f) => f.includes('deflate'))).toHaveLength(4);
  expect(ownEvents(h).filter((e) => e.type === 'diagnostic')).toEqual([]);
  expect(h.events.filter((e): e is FrameEvent => e.type === 'frame').flatMap((f) => f.diagnostics)).toEqual([]);
  expect(ownEvents(h).at(-1)).toMatchObject({ type: 'end', reason: 'close-handshake' });
}

describeWithTool('chromium', 'headless Chromium through the proxy', () => {
  it('reverse mode: ws:// to the proxy, decoded (permessage-deflate as Chromium negotiates it)', async () => {
    const h = await startProxy({
      target: { tls: false, host: '127.0.0.1', port: echo.port, label: `127.0.0.1:${echo.port}` },
    });
    const browser = await launch([]);
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      expect(await converse(page, `ws://127.0.0.1:${h.port}/from-browser`)).toEqual([
        'hello from chromium',
        '1,2,3,250',
        'close 1000 bye',
      ]);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      checkDecoded(h);
      const request = h.events.find((e) => e.type === 'handshake');
      expect(
        request?.type === 'handshake' &&
          request.handshake.side === 'request' &&
          request.handshake.headers.some(([n]) => n.toLowerCase() === 'user-agent'),
      ).toBe(true);
    } finally {
      await browser.close();
      await h.close();
    }
  }, 20_000);

  it('forward mode: ws:// through a CONNECT tunnel (--proxy-server)', async () => {
    const h = await startProxy({ target: null, certificates: proxyCerts, allowUpstream: loopbackOnly });
    // Chromium never proxies loopback unless told to: <-loopback> removes that implicit bypass
    const browser = await launch([`--proxy-server=http://127.0.0.1:${h.port}`, '--proxy-bypass-list=<-loopback>']);
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      expect(await converse(page, `ws://127.0.0.1:${echo.port}/via-proxy`)).toEqual([
        'hello from chromium',
        '1,2,3,250',
        'close 1000 bye',
      ]);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      checkDecoded(h);
    } finally {
      await browser.close();
      await h.close();
    }
  }, 20_000);

  it('forward mode: wss:// intercepted with the local CA, trusted by its SPKI hash', async () => {
    const h = await startProxy({ target: null, certificates: proxyCerts, insecure: true, allowUpstream: loopbackOnly });
    const browser = await launch([
      `--proxy-server=http://127.0.0.1:${h.port}`,
      '--proxy-bypass-list=<-loopback>',
      `--ignore-certificate-errors-spki-list=${proxyCa.spkiSha256}`,
    ]);
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      expect(await converse(page, `wss://localhost:${tlsEcho.port}/intercepted`)).toEqual([
        'hello from chromium',
        '1,2,3,250',
        'close 1000 bye',
      ]);
      await until(() => h.events.some((e) => e.type === 'end'), 'end event');
      expect(h.problems.filter((p) => !p.includes('is not an allowed upstream'))).toEqual([]);
      expect(decodedMessages(h)).toEqual([
        'c2s hello from chromium',
        'c2s 1,2,3,250',
        's2c hello from chromium',
        's2c 1,2,3,250',
      ]);
      expect(ownEvents(h).at(-1)).toMatchObject({ type: 'end', reason: 'close-handshake' });
    } finally {
      await browser.close();
      await h.close();
    }
  }, 20_000);
});
