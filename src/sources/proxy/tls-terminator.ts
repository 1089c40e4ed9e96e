// The listen side of TLS interception: the client's TLS is terminated with a certificate made
// on the fly for the host it asked for (SNI, else the CONNECT host), signed by the local CA.
// Data the client already sent (the ClientHello read to detect TLS) is handed to the TLS layer.
// Layer rule: sources/ — socket and TLS I/O.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

/** Makes (and caches) the TLS context holding a certificate for one host name or IP. */
export interface CertificateSource {
  contextFor(host: string): SecureContext;
}

export type TerminateResult =
  | { readonly ok: true; readonly socket: TLSSocket; readonly servername: string | null }
  | { readonly ok: false; readonly reason: string };

const HANDSHAKE_TIMEOUT_MS = 15_000;

/** Runs the server side of a TLS handshake on `socket`; `defaultHost` names the certificate when the client sends no SNI. */
export function terminateTls(
  socket: Socket,
  defaultHost: string,
  certificates: CertificateSource,
  onKeylog?: (line: Buffer) => void,
): Promise<TerminateResult> {
  return new Promise((resolve) => {
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: certificates.contextFor(defaultHost),
      SNICallback: (name, done) => {
        try {
          done(null, certificates.contextFor(name));
        } catch (err) {
          done(err as Error);
        }
      },
      // http/1.1 only: a WebSocket over HTTP/2 (RFC 8441) would be a different wire format
      ALPNProtocols: ['http/1.1'],
    });
    // before any handshake byte is read: the secrets come as the handshake goes
    if (onKeylog !== undefined) tls.on('keylog', onKeylog);
    const timer = setTimeout(
      () => fail(new Error(`no TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`)),
      HANDSHAKE_TIMEOUT_MS,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      tls.destroy();
      resolve({ ok: false, reason: describeHandshakeError(err, defaultHost) });
    };
    const gone = (): void => fail(new Error('the client closed the connection during the TLS handshake'));
    tls.once('error', fail);
    // the listening socket allows half-open connections: a client's FIN comes as 'end', not 'close'
    tls.once('end', gone);
    tls.once('close', gone);
    tls.once('secure', () => {
      clearTimeout(timer);
      tls.removeListener('error', fail);
      tls.removeListener('end', gone);
      tls.removeListener('close', gone);
      const name = (tls as TLSSocket & { servername?: string | false }).servername;
      resolve({ ok: true, socket: tls, servername: typeof name === 'string' && name !== '' ? name : null });
    });
  });
}

function describeHandshakeError(err: Error, host: string): string {
  const text = err.message;
  if (/certificate unknown|unknown ca|bad certificate|alert number 4[2-8]/i.test(text)) {
    return `the client rejected wsinspect's certificate for ${host} (${text.trim()}): make it trust the CA shown by "wsinspect ca"`;
  }
  // TLS 1.3 clients check the certificate after their side of the handshake and often just hang up
  if (/closed the connection during/.test(text))
    return `TLS handshake with the client failed: ${text} for ${host} — if it does not trust wsinspect's certificates, make it trust the CA shown by "wsinspect ca"`;
  return `TLS handshake with the client failed: ${text.trim()}`;
}
