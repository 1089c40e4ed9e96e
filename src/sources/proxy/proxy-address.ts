// Parsing of the proxy's addresses: `--listen HOST:PORT` and `--target ws[s]://HOST:PORT/`.
// Bad values become a WsinspectError (one line, exit 2) naming what was expected.
// Layer rule: sources/ — no I/O here, but it belongs to the proxy's socket side.
import { isIP } from 'node:net';
import { WsinspectError } from '../../errors.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ProxyTarget {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  /** "host:port" as a person would write it (IPv6 in brackets). */
  readonly label: string;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 8080 };

/** "8080", ":8080", "127.0.0.1:8080", "[::1]:8080", "localhost:0". */
export function parseListen(text: string): ListenAddress {
  const t = text.trim();
  const m = /^(?:\[([^\]]+)\]:|([^:[\]]*):)?(\d+)$/.exec(t);
  if (m === null)
    throw new WsinspectError(
      'input.bad-listen',
      `--listen ${JSON.stringify(text)} is not HOST:PORT (for example 127.0.0.1:8080 or [::1]:8080)`,
    );
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? DEFAULT_LISTEN.host : m[2]);
  return { host, port: portNumber(m[3], '--listen') };
}

/** ws://host[:port][/path] or wss://…; the path is ignored (the client's request line is relayed as sent). */
export function parseTarget(text: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WsinspectError(
      'input.bad-target',
      `--target ${JSON.stringify(text)} is not a URL (expected ws://HOST:PORT or wss://HOST:PORT)`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WsinspectError(
      'input.bad-target',
      `--target ${JSON.stringify(text)} must start with ws:// or wss://, not ${url.protocol}//`,
    );
  }
  if (url.hostname === '') throw new WsinspectError('input.bad-target', `--target ${JSON.stringify(text)} has no host`);
  const tls = url.protocol === 'wss:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  return { tls, host, port, label: hostPort(host, port) };
}

export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}

function portNumber(text: string, option: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new WsinspectError('input.bad-listen', `${option}: port ${text} is not between 0 and 65535`);
  return port;
}
