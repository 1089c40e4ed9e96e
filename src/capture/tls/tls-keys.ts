// The secrets a capture's TLS connections are decrypted with: the key log (--keylog, pcapng
// secrets blocks) and what the capture itself taught — TLS 1.2 master secrets by session id
// and by ticket, so that a resumed session (RFC 5246 §7.3, RFC 5077 §3.1) whose client random
// has no key log line still decrypts when the connection that made it was captured.
// Layer rule: capture/ — pure.
import type { ClientHello } from './hello-parser.js';
import { keyLogKey, type KeyLogSecrets } from './key-log.js';

export interface TlsKeys {
  readonly secrets: KeyLogSecrets;
  /** Master secrets by session id (hex), then by ticket (hex), as learned in the capture. */
  readonly sessions: Map<string, Uint8Array>;
  readonly tickets: Map<string, Uint8Array>;
  /** --tls-detail: each connection keeps a log of its records (TlsInfo.records). */
  readonly detail: boolean;
}

export function tlsKeys(secrets: KeyLogSecrets, detail = false): TlsKeys {
  return { secrets, sessions: new Map(), tickets: new Map(), detail };
}

/** TLS 1.2: the key log's master secret, else the one of the session the handshake resumed. */
export function masterSecretFor(keys: TlsKeys, hello: ClientHello, serverSessionId: Uint8Array): Uint8Array | null {
  const logged = keys.secrets.get(keyLogKey('CLIENT_RANDOM', hello.random));
  if (logged !== undefined) return logged;
  if (hello.ticket !== null) {
    const byTicket = keys.tickets.get(hex(hello.ticket));
    if (byTicket !== undefined) return byTicket;
  }
  // the server echoes the client's session id when it resumes that session
  if (serverSessionId.length > 0 && hex(serverSessionId) === hex(hello.sessionId))
    return keys.sessions.get(hex(serverSessionId)) ?? null;
  return null;
}

export function rememberSession(keys: TlsKeys, sessionId: Uint8Array, master: Uint8Array): void {
  if (sessionId.length > 0) keys.sessions.set(hex(sessionId), master);
}

export function rememberTicket(keys: TlsKeys, ticket: Uint8Array, master: Uint8Array): void {
  keys.tickets.set(hex(ticket), master);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
