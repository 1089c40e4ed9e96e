// `--write FILE.pcapng`: turns the proxy's StreamEvents into a pcapng file (packets built by
// the pure PcapngWriter) written through a file stream. A write failure is reported once and
// ends the recording, never the relay. TLS connections are recorded as the decrypted stream.
// Layer rule: sources/ — file I/O.
import { createWriteStream, type WriteStream } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { PcapngWriter, type TcpEndpoints } from '../../capture/pcapng-writer.js';
import { WsinspectError } from '../../errors.js';
import type { Endpoints, StreamEvent } from '../../session/events.js';

export class PcapngRecorder {
  private readonly writer = new PcapngWriter();
  private failed = false;

  private constructor(
    private readonly path: string,
    private readonly file: WriteStream,
    private readonly onProblem: (message: string) => void,
  ) {
    file.on('error', (err) => this.fail(err));
    file.write(this.writer.header('wsinspect proxy'));
  }

  /** Opens (creates or truncates) the file; rejects with a WsinspectError when it cannot be written. */
  static create(path: string, onProblem: (message: string) => void): Promise<PcapngRecorder> {
    return new Promise((resolve, reject) => {
      const file = createWriteStream(path);
      file.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new WsinspectError(
            'output.unwritable',
            `cannot write ${JSON.stringify(path)}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'EACCES' ? 'permission denied' : err.message}`,
          ),
        ),
      );
      file.once('open', () => {
        file.removeAllListeners('error');
        resolve(new PcapngRecorder(path, file, onProblem));
      });
    });
  }

  handle(event: StreamEvent): void {
    if (this.failed || event.conn === null) return;
    const time = event.time ?? 0;
    switch (event.kind) {
      case 'open':
        this.file.write(this.writer.open(event.conn, tcpEndpoints(event.endpoints), time));
        return;
      case 'data':
        this.file.write(this.writer.data(event.conn, event.dir, event.bytes, time));
        return;
      case 'end':
        if (event.dir !== undefined) this.file.write(this.writer.fin(event.conn, event.dir, time));
        else {
          // every connection ends on the wire: a reset, or FINs from the sides still open (on
          // Ctrl-C, input-ended, the proxy closes both sockets with a FIN)
          if (event.reason === 'tcp-rst') this.file.write(this.writer.reset(event.conn, time));
          else for (const dir of ['c2s', 's2c'] as const) this.file.write(this.writer.fin(event.conn, dir, time));
          this.writer.forget(event.conn);
        }
        return;
      default:
        return;
    }
  }

  /** Resolves when every packet is on disk. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.failed) resolve();
      else this.file.end(() => resolve());
    });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onProblem(`recording to ${this.path} stopped: ${err.message}`);
  }
}

/** "ip:port" / "[v6]:port" from the connection event, as the writer's addresses. */
export function tcpEndpoints(ends: Endpoints): TcpEndpoints {
  const client = splitAddress(ends.client);
  const server = splitAddress(ends.server);
  return {
    clientIp: ipBytes(client.ip),
    clientPort: client.port,
    serverIp: ipBytes(server.ip),
    serverPort: server.port,
  };
}

function splitAddress(text: string): { ip: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  return m === null ? { ip: '0.0.0.0', port: 0 } : { ip: m[1], port: Number(m[2]) };
}

/** Address bytes; anything unparsable becomes 0.0.0.0 rather than stopping the recording. */
export function ipBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return new Uint8Array(4);
  let text = ip.replace(/%.*$/, '');
  // a dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}
