// What a forward-proxy client asks for in its first request head (RFC 9110 §9.3.6 CONNECT,
// RFC 9112 §3.2.2 absolute-form): a tunnel to host:port, or a request for an absolute URI that
// is sent on to the origin in origin-form. Also reads that head from the socket.
// Layer rule: sources/ — the parse is pure; readRequestHead is the socket side.
import type { Socket } from 'node:net';
import { isIP } from 'node:net';

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

const HEAD_END = Buffer.from('\r\n\r\n');
export const MAX_PROXY_HEAD = 64 * 1024;

export type HeadRead = { readonly head: Buffer; readonly rest: Buffer } | { readonly error: 'closed' | 'too-large' };

/** Reads up to the end of the first HTTP head; the socket is left paused with no listeners of ours. */
export function readRequestHead(socket: Socket, limit = MAX_PROXY_HEAD): Promise<HeadRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: HeadRead): void => {
      socket.pause();
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      // search from just before the new chunk: the terminator may straddle two chunks
      const from = Math.max(0, size - 3);
      size += chunk.length;
      const all = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
      const end = all.indexOf(HEAD_END, from);
      if (end >= 0) finish({ head: all.subarray(0, end + 4), rest: all.subarray(end + 4) });
      else if (size > limit) finish({ error: 'too-large' });
    };
    const onEnd = (): void => finish({ error: 'closed' });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** Parses the first request a forward-proxy client sends. */
export function parseProxyRequest(head: Buffer): ProxyRequest {
  const text = head.toString('latin1');
  const lineEnd = text.indexOf('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/\d\.\d)$/.exec(text.slice(0, lineEnd));
  if (m === null) return { kind: 'invalid', status: 400, reason: 'the request line is not "METHOD TARGET HTTP/1.1"' };
  const [, method, target, version] = m;
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
  const headers = text.slice(lineEnd + 2, text.length - 2);
  const upgrade = /^upgrade[ \t]*:[ \t]*websocket[ \t]*$/im.test(headers);
  const forward = originFormHead(`${method} ${url.pathname}${url.search} ${version}`, headers, upgrade);
  return { kind: 'absolute', host, port, upgrade, forward };
}

/**
 * The head sent upstream: the request line in origin-form (RFC 9112 §3.2.1) and the
 * proxy-only Proxy-Connection header dropped. A request that is not an upgrade gets
 * "Connection: close" so the connection carries one request: later requests on a kept-alive
 * proxy connection could name another host, which a byte relay cannot re-route.
 */
function originFormHead(requestLine: string, headers: string, upgrade: boolean): Buffer {
  let lines = headers.split('\r\n').filter((l) => l !== '' && !/^proxy-connection[ \t]*:/i.test(l));
  if (!upgrade) lines = lines.filter((l) => !/^connection[ \t]*:/i.test(l)).concat('Connection: close');
  return Buffer.from(`${requestLine}\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
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
