// One TLS connection of a capture, both directions: records reassembled across segments
// (RFC 8446 §5.1, RFC 5246 §6.2), handshake messages across records, the keys of each
// direction from the key log as the handshake goes (TLS 1.3 §7: handshake secrets until that
// side's Finished, then application secrets, KeyUpdate; TLS 1.2: CCS, then the key block from
// the master secret, resumed sessions by id or ticket), and the application data out.
// Layer rule: capture/ — pure; plaintext and diagnostics go out through the sink.
import type { DiagnosticCode } from '../../protocol/diagnostic-catalogue.js';
import type { TlsInfo, TlsRecordNote, Timestamp } from '../../session/events.js';
import { cipherSuite, type CipherSuite } from './cipher-suites.js';
import {
  HandshakeType,
  parseClientHello,
  parseEncryptedExtensions,
  parseNewSessionTicket12,
  parseServerHello,
  type ClientHello,
} from './hello-parser.js';
import { keyLogKey, type KeyLogLabel } from './key-log.js';
import { EarlyData } from './early-data.js';
import { RecordStream, type Phase } from './record-stream.js';
import { hex, masterSecretFor, rememberSession, rememberTicket, type TlsKeys } from './tls-keys.js';
import {
  nextTrafficSecret,
  openTls12CbcRecord,
  openTls12Record,
  tls12CbcRecordKeys,
  openTls13Record,
  tls12RecordKeys,
  tls13InnerPlaintext,
  tls13RecordKey,
  type RecordKey,
} from './tls-crypto.js';

export interface TlsSink {
  /** Decrypted application data of one side (0 or 1), with the packet its record ended in. */
  plaintext(side: number, bytes: Uint8Array, time: Timestamp, packet: number, record: number): void;
  /** Application data of a side that could not be decrypted (its length in the plaintext, about). */
  lost(side: number, length: number, time: Timestamp): void;
  diagnostic(side: number | null, code: DiagnosticCode, message: string, time: Timestamp): void;
  /** --tls-detail: each record once handled (its plaintext, if any, was delivered just before). */
  record?(side: number, note: RecordFacts): void;
}

/** What the decryptor knows of one record; the layer adds where its plaintext is in the stream. */
export type RecordFacts = Omit<TlsRecordNote, 'plainStart' | 'plainLength'>;

/** The record being handled, while --tls-detail asks. */
interface RecordInProgress {
  innerType: number;
  key: string | null;
  seq: number | null;
  outcome: TlsRecordNote['outcome'];
  readonly messages: string[];
}

const HANDSHAKE_NAMES: Readonly<Record<number, string>> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  24: 'KeyUpdate',
};

const ContentType = { ccs: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
/** After this many failed records in a row a direction stops trying (its key is wrong). */
const MAX_FAILURES = 3;

export class TlsDecryptor {
  private readonly sides: [RecordStream, RecordStream] = [new RecordStream(), new RecordStream()];
  private hello: ClientHello | null = null;
  private suite: CipherSuite | null = null;
  private version = 0;
  private alpn: string | null = null;
  private time: Timestamp = null;
  private packet = 0;
  private record = -1;
  /** TLS 1.3 0-RTT data, when the ClientHello offered it and the key log has its secret. */
  private early: EarlyData | null = null;
  /** TLS 1.2: the master secret, for the ticket the server may issue. */
  private master: Uint8Array | null = null;
  /** True once some record of the connection was decrypted. */
  decrypted = false;
  /** --tls-detail: the record being handled. */
  private current: RecordInProgress | null = null;
  /** Each side's record handler, made once (not a closure per segment). */
  private readonly onRecords: readonly ((header: Uint8Array, body: Uint8Array) => void)[] = [
    (header, body) => this.onRecord(0, header, body),
    (header, body) => this.onRecord(1, header, body),
  ];

  constructor(
    private readonly keys: TlsKeys,
    private readonly clientSide: number,
    private readonly sink: TlsSink,
  ) {}

  info(): TlsInfo {
    return {
      version: this.version === 0x0304 ? 'TLS 1.3' : this.version === 0x0303 ? 'TLS 1.2' : versionName(this.version),
      cipher: this.suite?.name ?? null,
      sni: this.hello?.sni ?? null,
      alpn: this.alpn,
      decrypted: this.decrypted,
    };
  }

  data(side: number, bytes: Uint8Array, time: Timestamp, packet: number, record: number): void {
    const s = this.sides[side];
    if (s.phase === 'dead') {
      // a connection never decrypted has no plaintext stream to mark the loss in
      if (this.decrypted) this.sink.lost(side, bytes.length, time);
      return;
    }
    this.time = time;
    this.packet = packet;
    this.record = record;
    const ok = s.feed(bytes, this.onRecords[side]);
    if (!ok) {
      this.fail(side, 'tls.decrypt-failed', `record ${s.records + 1} has no valid record header; decryption stops`);
      s.phase = 'dead';
    }
  }

  /** Bytes missing from a side: its record boundaries are lost with them. */
  gap(side: number, length: number, time: Timestamp): void {
    const s = this.sides[side];
    if (s.phase === 'dead') return;
    this.sink.diagnostic(
      side,
      'tls.decrypt-failed',
      `${length} byte(s) missing after record ${s.records}; decryption of this direction stops`,
      time,
    );
    s.phase = 'dead';
    s.drop();
    this.sink.lost(side, length, time);
  }

  /** End of input: a record cut short is reported. */
  end(time: Timestamp): void {
    for (const side of [0, 1]) {
      const s = this.sides[side];
      if (s.pendingBytes > 0 && s.phase !== 'dead')
        this.sink.diagnostic(
          side,
          'tls.truncated',
          `input ended inside record ${s.records + 1} (${s.pendingBytes} byte(s) of it)`,
          time,
        );
      s.drop();
    }
  }

  private onRecord(side: number, header: Uint8Array, body: Uint8Array): void {
    if (this.sink.record === undefined) return this.handleRecord(side, header, body);
    const type = header[0];
    const current: RecordInProgress = { innerType: type, key: null, seq: null, outcome: 'plaintext', messages: [] };
    this.current = current;
    this.handleRecord(side, header, body);
    this.current = null;
    this.sink.record(side, {
      number: this.sides[side].records,
      packet: this.packet,
      wireLength: 5 + body.length,
      outerType: type,
      ...current,
    });
  }

  private handleRecord(side: number, header: Uint8Array, body: Uint8Array): void {
    const s = this.sides[side];
    const type = header[0];
    if (!s.sawRecord) {
      s.sawRecord = true;
      if (type !== ContentType.handshake) {
        const what = side === this.clientSide ? 'ClientHello' : 'ServerHello';
        this.fail(
          side,
          'tls.midstream',
          `the capture began after the TLS handshake (no ${what}): this direction cannot be decrypted`,
        );
        s.phase = 'dead';
        return;
      }
    }
    if (type === ContentType.ccs) {
      // TLS 1.2: the sender's next records use the new keys (RFC 5246 §7.1); TLS 1.3: a
      // middlebox-compatibility CCS (RFC 8446 §D.4), ignored
      if (this.version !== 0x0304 && this.version !== 0 && s.phase === 'plain') {
        s.key = s.pending;
        s.keyLabel = s.pendingLabel;
        s.pending = null;
        s.phase = 'handshake';
      }
      return;
    }
    if (s.phase === 'plain') {
      if (type === ContentType.handshake) this.handshakeBytes(side, body);
      else if (type === ContentType.applicationData && !this.earlyRecord(side, header, body))
        this.undecryptable(side, body.length);
      return;
    }
    const plain = s.key !== null ? this.open(side, header, body) : this.withoutHandshakeKey(side, header, body);
    if (plain === null) return;
    if (plain.type === ContentType.applicationData) {
      if (plain.bytes.length > 0) this.sink.plaintext(side, plain.bytes, this.time, this.packet, this.record);
    } else if (plain.type === ContentType.handshake) this.handshakeBytes(side, plain.bytes);
  }

  /**
   * TLS 1.3 without this side's handshake secret: its handshake records are lost, but its
   * application secret may be in the key log; the first record it opens is where it begins.
   */
  private withoutHandshakeKey(
    side: number,
    header: Uint8Array,
    body: Uint8Array,
  ): { type: number; bytes: Uint8Array } | null {
    const s = this.sides[side];
    if (this.version === 0x0304 && s.phase === 'handshake') {
      const label = side === this.clientSide ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
      const secret = this.keys.secrets.get(keyLogKey(label, this.hello!.random));
      if (secret !== undefined) {
        const key = tls13RecordKey(this.suite!.hash, this.suite!.aead!, secret);
        const inner = openTls13Record(key, header, body);
        if (inner !== null) {
          s.key = key;
          s.keyLabel = label;
          s.secret = secret;
          s.phase = 'application';
          this.decrypted = true;
          const plain = tls13InnerPlaintext(inner);
          this.noteKey(label, 0, 'decrypted', plain?.type);
          return plain;
        }
        return null;
      }
    }
    this.undecryptable(side, body.length);
    return null;
  }

  /** A client record that may be 0-RTT data: true when it was (see EarlyData). */
  private earlyRecord(side: number, header: Uint8Array, body: Uint8Array): boolean {
    if (side !== this.clientSide || this.early === null) return false;
    const data = this.early.open(header, body);
    if (data === null) return false;
    this.decrypted = true;
    this.noteKey('CLIENT_EARLY_TRAFFIC_SECRET', null, 'early-data');
    for (const bytes of data) this.sink.plaintext(side, bytes, this.time, this.packet, this.record);
    return true;
  }

  private earlyDataSettled(accepted: boolean): void {
    const settled = this.early?.settle(accepted) ?? { kind: 'none' };
    if (settled.kind === 'accepted')
      for (const bytes of settled.data)
        this.sink.plaintext(this.clientSide, bytes, this.time, this.packet, this.record);
    if (settled.kind === 'rejected')
      this.fail(
        this.clientSide,
        'tls.early-data',
        `0-RTT early data (${settled.bytes} byte(s)) rejected by the server: not part of the conversation`,
      );
  }

  /** An encrypted record of a side whose key is not known (yet, or at all). */
  private undecryptable(side: number, length: number): void {
    const s = this.sides[side];
    if (this.current !== null) this.current.outcome = 'no-key';
    if (side === this.clientSide && this.suite === null && this.hello?.earlyData === true) {
      // 0-RTT early data before the ServerHello: not decrypted
      if (s.earlySkipped++ === 0)
        this.fail(
          side,
          'tls.early-data',
          '0-RTT early data not decrypted: no CLIENT_EARLY_TRAFFIC_SECRET in the key log',
        );
      return;
    }
    this.noKey(side);
    if (this.decrypted) this.sink.lost(side, length, this.time);
  }

  private open(side: number, header: Uint8Array, body: Uint8Array): { type: number; bytes: Uint8Array } | null {
    const s = this.sides[side];
    const key = s.key!;
    const seq = key.seq;
    let inner: Uint8Array | null;
    let type = header[0];
    if (this.version === 0x0304) {
      const opened = openTls13Record(key, header, body);
      const unpadded = opened === null ? null : tls13InnerPlaintext(opened);
      inner = unpadded?.bytes ?? null;
      if (unpadded !== null) type = unpadded.type;
    } else {
      const version = (header[1] << 8) | header[2];
      inner =
        key.cbc !== undefined
          ? openTls12CbcRecord(key, type, version, body)
          : openTls12Record(key, type, version, body);
    }
    if (inner === null && this.version === 0x0304 && s.phase === 'handshake' && this.earlyRecord(side, header, body))
      return null;
    this.noteKey(s.keyLabel, seq, inner === null ? 'failed' : 'decrypted', type);
    if (inner === null) {
      if (
        side === this.clientSide &&
        this.version === 0x0304 &&
        s.phase === 'handshake' &&
        this.hello?.earlyData === true &&
        s.failures === 0 &&
        s.records <= 3 + s.earlySkipped
      ) {
        // rejected (or undecryptable) 0-RTT data still ahead of the client's handshake records
        this.noteKey('CLIENT_EARLY_TRAFFIC_SECRET', null, 'early-data', type);
        if (s.earlySkipped++ === 0)
          this.fail(
            side,
            'tls.early-data',
            '0-RTT early data not decrypted: no CLIENT_EARLY_TRAFFIC_SECRET in the key log',
          );
        return null;
      }
      key.seq = seq + 1; // a damaged record: the next one may still decrypt
      s.failures += 1;
      this.fail(
        side,
        'tls.decrypt-failed',
        `record ${s.records} (sequence number ${seq}) failed authentication: wrong key or damaged data`,
      );
      this.sink.lost(side, Math.max(0, body.length - 16), this.time);
      if (s.failures >= MAX_FAILURES) {
        this.fail(
          side,
          'tls.decrypt-failed',
          `${MAX_FAILURES} records in a row failed: the key is wrong; decryption of this direction stops`,
        );
        s.phase = 'dead';
      }
      return null;
    }
    s.failures = 0;
    this.decrypted = true;
    return { type, bytes: inner };
  }

  /** Handshake bytes of a side, in plaintext; complete messages are acted on. */
  private handshakeBytes(side: number, bytes: Uint8Array): void {
    this.sides[side].handshakeBytes(bytes, (type, body) => this.onHandshake(side, type, body));
  }

  private onHandshake(side: number, type: number, body: Uint8Array): void {
    this.current?.messages.push(HANDSHAKE_NAMES[type] ?? `handshake type ${type}`);
    switch (type) {
      case HandshakeType.clientHello: {
        const hello = parseClientHello(body);
        // a second ClientHello (after a HelloRetryRequest) has the same random
        if (hello === null || side !== this.clientSide) return;
        this.hello = hello;
        const secret = this.keys.secrets.get(keyLogKey('CLIENT_EARLY_TRAFFIC_SECRET', hello.random));
        if (hello.earlyData && secret !== undefined && this.early === null) this.early = new EarlyData(secret);
        return;
      }
      case HandshakeType.serverHello:
        this.serverHello(body);
        return;
      case HandshakeType.encryptedExtensions: {
        const ee = parseEncryptedExtensions(body);
        this.setAlpn(ee?.alpn ?? this.alpn);
        this.earlyDataSettled(ee?.earlyData === true);
        return;
      }
      case HandshakeType.newSessionTicket:
        if (this.version !== 0x0304) this.ticketIssued(body);
        return; // TLS 1.3 tickets: nothing to do
      case HandshakeType.finished:
        if (this.version === 0x0304) this.tls13Application(side);
        else this.sides[side].phase = 'application';
        return;
      case HandshakeType.keyUpdate:
        if (this.version === 0x0304) this.keyUpdate(side);
        return;
    }
  }

  private serverHello(body: Uint8Array): void {
    const hello = parseServerHello(body);
    if (hello === null || hello.retryRequest || this.hello === null) return; // HRR: the next ServerHello counts
    this.version = hello.version;
    this.suite = cipherSuite(hello.cipher);
    this.setAlpn(hello.alpn);
    const cbc12 = this.suite.cbc !== undefined && this.version === 0x0303;
    if (this.suite.aead === null && !cbc12) {
      this.fail(
        null,
        'tls.unsupported-cipher',
        `${this.info().version} ${this.suite.name} is not decrypted (AEAD suites, and CBC suites in TLS 1.2, only)`,
      );
      this.sides[0].phase = this.sides[1].phase = 'dead';
      return;
    }
    if (this.version === 0x0304) this.tls13Handshake();
    else if (this.version === 0x0303 && !this.suite.tls13)
      this.tls12Keys(hello.random, hello.sessionId, hello.encryptThenMac);
    else {
      this.fail(null, 'tls.unsupported-cipher', `${this.info().version} is not decrypted (TLS 1.2 and 1.3 only)`);
      this.sides[0].phase = this.sides[1].phase = 'dead';
    }
  }

  /** The protocol the server chose; h2 carries WebSocket only as RFC 8441 streams. */
  private setAlpn(alpn: string | null): void {
    this.alpn = alpn;
    if (alpn === 'h2') this.fail(null, 'tls.http2', 'ALPN h2: HTTP/2: WebSocket over HTTP/2 (RFC 8441) is not decoded');
  }

  private tls13Handshake(): void {
    this.setTls13Key(this.clientSide, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'handshake');
    this.setTls13Key(1 - this.clientSide, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'handshake');
  }

  /** A side's Finished: its next records use the application traffic secret (RFC 8446 §7.3). */
  private tls13Application(side: number): void {
    const label = side === this.clientSide ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
    this.setTls13Key(side, label, 'application');
  }

  private setTls13Key(side: number, label: KeyLogLabel, phase: Phase): void {
    const s = this.sides[side];
    const secret = this.keys.secrets.get(keyLogKey(label, this.hello!.random));
    s.phase = phase;
    if (secret === undefined) {
      s.key = null;
      s.secret = null;
      this.noKey(side, label);
      return;
    }
    s.secret = secret;
    s.keyLabel = label;
    s.key = tls13RecordKey(this.suite!.hash, this.suite!.aead!, secret);
  }

  private keyUpdate(side: number): void {
    const s = this.sides[side];
    if (s.secret === null) return;
    s.secret = nextTrafficSecret(this.suite!.hash, s.secret);
    s.key = tls13RecordKey(this.suite!.hash, this.suite!.aead!, s.secret);
    // the key log names generation 0 only; later ones are derived (RFC 8446 §7.2)
    s.keyLabel = nextGeneration(s.keyLabel);
  }

  private tls12Keys(serverRandom: Uint8Array, serverSessionId: Uint8Array, encryptThenMac: boolean): void {
    const master = masterSecretFor(this.keys, this.hello!, serverSessionId);
    if (master === null) {
      this.noKey(0, 'CLIENT_RANDOM');
      this.noKey(1, 'CLIENT_RANDOM');
      return;
    }
    rememberSession(this.keys, serverSessionId, master);
    this.master = master;
    const suite = this.suite!;
    const keys =
      suite.cbc !== undefined
        ? tls12CbcRecordKeys(suite.hash, suite.cbc, encryptThenMac, master, this.hello!.random, serverRandom)
        : tls12RecordKeys(suite.hash, suite.aead!, master, this.hello!.random, serverRandom);
    this.sides[this.clientSide].pending = keys.client;
    this.sides[this.clientSide].pendingLabel = 'client write key (from CLIENT_RANDOM)';
    this.sides[1 - this.clientSide].pending = keys.server;
    this.sides[1 - this.clientSide].pendingLabel = 'server write key (from CLIENT_RANDOM)';
  }

  private ticketIssued(body: Uint8Array): void {
    const ticket = parseNewSessionTicket12(body);
    if (ticket !== null && this.master !== null) rememberTicket(this.keys, ticket, this.master);
  }

  /** --tls-detail: the key and sequence number the record being handled was opened with. */
  private noteKey(key: string | null, seq: number | null, outcome: TlsRecordNote['outcome'], inner?: number): void {
    const c = this.current;
    if (c === null) return;
    c.key = key;
    c.seq = seq;
    c.outcome = outcome;
    if (inner !== undefined) c.innerType = inner;
  }

  private noKey(side: number, label?: KeyLogLabel): void {
    const s = this.sides[side];
    if (s.reportedNoKey) return;
    s.reportedNoKey = true;
    const random = this.hello === null ? 'unknown (no ClientHello)' : hex(this.hello.random);
    const missing = label ?? (this.version === 0x0304 ? 'traffic secret' : 'CLIENT_RANDOM');
    this.fail(side, 'tls.no-keys', `no ${missing} in the key log for client random ${random}`);
  }

  private fail(side: number | null, code: DiagnosticCode, message: string): void {
    this.sink.diagnostic(side, code, message, this.time);
  }
}

/** CLIENT_TRAFFIC_SECRET_0 → CLIENT_TRAFFIC_SECRET_1: the secret a KeyUpdate derives. */
function nextGeneration(label: string | null): string | null {
  const m = label === null ? null : /^(.*_)(\d+)$/.exec(label);
  return m === null ? label : `${m[1]}${Number(m[2]) + 1}`;
}

function versionName(v: number): string {
  if (v === 0x0302) return 'TLS 1.1';
  if (v === 0x0301) return 'TLS 1.0';
  if (v === 0x0300) return 'SSL 3.0';
  return v === 0 ? 'TLS' : `TLS 0x${v.toString(16)}`;
}
