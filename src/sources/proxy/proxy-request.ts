// What a forward-proxy client asks for in its first request head (RFC 9110 §9.3.6 CONNECT,
// RFC 9112 §3.2.2 absolute-form): a tunnel to host:port, or a request for an absolute URI that
// is sent on to the origin in origin-form. Also reads that head from the socket.
// Layer rule: sources/ — the parse is pure; readRequestHead is the socket side.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import {
  HeadEndScanner,
  firstLine,
  isWebSocketUpgradeRequest,
  parseRequestLine,
} from '../../protocol/upgrade-detection.js';

export type ProxyRequest =
  | { readonly kind: 'connect'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'absolute';
      readonly host: string;
      readonly port: number;
      readonly upgrade: boolean;
      readonly forward: Buffer;
    }
  | { readonly kind: 'invalid'; readonly status: number; readonly reason: string };

export const MAX_PROXY_HEAD = 64 * 1024;

export type HeadRead = { readonly head: Buffer; readonly rest: Buffer } | { readonly error: 'closed' | 'too-large' };

/**
 * Reads up to the end of the first HTTP head (CRLFCRLF, or leniently a bare LFLF: the rule
 * every source uses); the socket is left paused with no listeners of ours.
 */
export function readRequestHead(socket: Socket, limit = MAX_PROXY_HEAD): Promise<HeadRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // its state carries over between chunks: the terminator may straddle two of them
    const scanner = new HeadEndScanner();
    const finish = (result: HeadRead): void => {
      socket.pause();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const at = scanner.scan(chunk, 0, chunk.length);
      const end = at < 0 ? -1 : size + at;
      size += chunk.length;
      if (end >= 0) {
        const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
        finish({ head: all.subarray(0, end), rest: all.subarray(end) });
      } else if (size > limit) finish({ error: 'too-large' });
    };
    const onEnd = (): void => finish({ error: 'closed' });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/**
 * Parses the first request a forward-proxy client sends (its head, as readRequestHead returns
 * it), with the request-line and upgrade rules of protocol/upgrade-detection.
 */
export function parseProxyRequest(head: Buffer): ProxyRequest {
  const text = firstLine(head);
  const line = text === null ? null : parseRequestLine(text);
  if (line === null)
    return { kind: 'invalid', status: 400, reason: 'the request line is not "METHOD TARGET HTTP/1.1"' };
  const { method, target, version } = line;
  if (method === 'CONNECT') return connectTarget(target);
  if (!/^http:\/\//i.test(target)) {
    const why = /^https:\/\//i.test(target)
      ? 'https:// requests must use CONNECT'
      : `${method} ${target} is not a proxy request (expected CONNECT host:port or an absolute http:// URI)`;
    return { kind: 'invalid', status: 400, reason: why };
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { kind: 'invalid', status: 400, reason: `${target} is not a valid URI` };
  }
  const host = bareHost(url.hostname);
  const port = url.port === '' ? 80 : Number(url.port);
  const upgrade = isWebSocketUpgradeRequest(head);
  const forward = originFormHead(`${method} ${url.pathname}${url.search} ${version}`, headerLines(head), upgrade);
  return { kind: 'absolute', host, port, upgrade, forward };
}

/**
 * The head sent upstream: the request line in origin-form (RFC 9112 §3.2.1) and the
 * proxy-only Proxy-Connection header dropped. A request that is not an upgrade gets
 * "Connection: close" so the connection carries one request: later requests on a kept-alive
 * proxy connection could name another host, which a byte relay cannot re-route.
 */
function originFormHead(requestLine: string, headers: readonly string[], upgrade: boolean): Buffer {
  let lines = headers.filter((l) => !/^proxy-connection[ \t]*:/i.test(l));
  if (!upgrade) lines = lines.filter((l) => !/^connection[ \t]*:/i.test(l)).concat('Connection: close');
  return Buffer.from(`${requestLine}\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** The header lines of a head, without their line ends (CRLF or LF), up to the blank line. */
function headerLines(head: Buffer): string[] {
  const lines = head.toString('latin1').split('\n').slice(1);
  const blank = lines.findIndex((l) => l === '' || l === '\r');
  return (blank < 0 ? lines : lines.slice(0, blank)).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function connectTarget(target: string): ProxyRequest {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(target);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535)
    return { kind: 'invalid', status: 400, reason: `CONNECT ${target}: expected host:port` };
  return { kind: 'connect', host: m[1] ?? m[2], port };
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && isIP(hostname.slice(1, -1)) === 6 ? hostname.slice(1, -1) : hostname;
}

/** A minimal HTTP/1.1 response the proxy itself sends (502, 400): one-line reason as the body. */
export function proxyResponse(status: number, statusText: string, reason: string): Buffer {
  const body = `${reason}\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
