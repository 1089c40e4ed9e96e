// The handshake messages whose fields decryption needs: ClientHello and ServerHello (RFC 8446
// §4.1.2–4.1.4, RFC 5246 §7.4.1), EncryptedExtensions (§4.3.1) for ALPN, and the TLS 1.2
// NewSessionTicket (RFC 5077 §3.3) for resumption. Malformed input gives null, never a throw.
// Layer rule: capture/ — pure.

export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  finished: 20,
  keyUpdate: 24,
} as const;

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3. */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

const Ext = {
  serverName: 0x0000,
  alpn: 0x0010,
  sessionTicket: 0x0023,
  encryptThenMac: 0x0016,
  earlyData: 0x002a,
  supportedVersions: 0x002b,
} as const;

export interface ClientHello {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly sni: string | null;
  readonly ticket: Uint8Array | null;
  readonly earlyData: boolean;
}

export interface ServerHello {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipher: number;
  /** 0x0304 for TLS 1.3 (supported_versions), else legacy_version. */
  readonly version: number;
  readonly retryRequest: boolean;
  readonly alpn: string | null;
  /** encrypt_then_mac negotiated (RFC 7366): it changes CBC records only. */
  readonly encryptThenMac: boolean;
}

class HelloReader {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): boolean {
    return this.at + n <= this.b.length;
  }
  u8(): number {
    if (!this.need(1)) throw RANGE;
    return this.b[this.at++];
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    if (!this.need(n)) throw RANGE;
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}
const RANGE = new Error('short');

function extensions(r: HelloReader): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  if (!r.need(2)) return out; // TLS 1.2 hellos may have none
  const all = new HelloReader(r.bytes(r.u16()));
  while (all.need(4)) {
    const type = all.u16();
    out.set(type, all.bytes(all.u16()));
  }
  return out;
}

function safely<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch {
    return null;
  }
}

/** body: the ClientHello message body (after the 4-byte handshake header). */
export function parseClientHello(body: Uint8Array): ClientHello | null {
  return safely(() => {
    const r = new HelloReader(body);
    r.u16();
    const random = r.bytes(32).slice();
    const sessionId = r.bytes(r.u8()).slice();
    r.bytes(r.u16());
    r.bytes(r.u8());
    const ext = extensions(r);
    const ticket = ext.get(Ext.sessionTicket);
    return {
      random,
      sessionId,
      sni: serverName(ext.get(Ext.serverName)),
      ticket: ticket !== undefined && ticket.length > 0 ? ticket.slice() : null,
      earlyData: ext.has(Ext.earlyData),
    };
  });
}

export function parseServerHello(body: Uint8Array): ServerHello | null {
  return safely(() => {
    const r = new HelloReader(body);
    const legacy = r.u16();
    const random = r.bytes(32).slice();
    const sessionId = r.bytes(r.u8()).slice();
    const cipher = r.u16();
    r.u8();
    const ext = extensions(r);
    const versions = ext.get(Ext.supportedVersions);
    const version = versions !== undefined && versions.length === 2 ? (versions[0] << 8) | versions[1] : legacy;
    return {
      random,
      sessionId,
      cipher,
      version,
      retryRequest: Buffer.from(random).toString('hex') === HRR_RANDOM,
      alpn: alpnOf(ext.get(Ext.alpn)),
      encryptThenMac: ext.has(Ext.encryptThenMac),
    };
  });
}

/** EncryptedExtensions: the ALPN protocol the server chose, and whether it accepted 0-RTT data (§4.2.10). */
export function parseEncryptedExtensions(body: Uint8Array): { alpn: string | null; earlyData: boolean } | null {
  return safely(() => {
    const ext = extensions(new HelloReader(body));
    return { alpn: alpnOf(ext.get(Ext.alpn)), earlyData: ext.has(Ext.earlyData) };
  });
}

/** TLS 1.2 NewSessionTicket: the ticket. */
export function parseNewSessionTicket12(body: Uint8Array): Uint8Array | null {
  return safely(() => {
    const r = new HelloReader(body);
    r.bytes(4);
    const ticket = r.bytes(r.u16());
    return ticket.length > 0 ? ticket.slice() : null;
  });
}

function serverName(data: Uint8Array | undefined): string | null {
  if (data === undefined) return null;
  return safely(() => {
    const r = new HelloReader(data);
    const list = new HelloReader(r.bytes(r.u16()));
    while (list.need(3)) {
      const type = list.u8();
      const name = list.bytes(list.u16());
      if (type === 0) return Buffer.from(name).toString('latin1');
    }
    return null;
  });
}

function alpnOf(data: Uint8Array | undefined): string | null {
  if (data === undefined) return null;
  return safely(() => {
    const r = new HelloReader(data);
    const list = new HelloReader(r.bytes(r.u16()));
    return Buffer.from(list.bytes(list.u8())).toString('latin1');
  });
}
