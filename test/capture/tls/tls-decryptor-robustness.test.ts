// Robustness: the TLS decryptor fed random records and bytes under a real key log never
// throws and reports only tls.* diagnostics; the real tls12 capture with random bytes
// flipped goes through the whole pipeline without a throw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeyLog } from '../../../src/capture/tls/key-log.js';
import { TlsDecryptor, type TlsSink } from '../../../src/capture/tls/tls-decryptor.js';
import { tlsKeys } from '../../../src/capture/tls/tls-keys.js';
import { readCapture } from '../../../src/pipeline/read-capture.js';
import { ROOT } from '../../helpers/cli-run.js';

const DIR = join(ROOT, 'fixtures', 'tls');
const secrets = parseKeyLog(readFileSync(join(DIR, 'tls13.keys'), 'latin1')).secrets;

/** A TLS 1.3 conversation made of records (ClientHello → … ) from raw record bytes of our own. */
function record(type: number, body: Uint8Array): Uint8Array {
  return Uint8Array.from([type, 3, 3, body.length >> 8, body.length & 0xff, ...body]);
}

function collect(): { sink: TlsSink; out: { plain: number[][]; codes: string[] } } {
  const out = { plain: [[], []] as number[][], codes: [] as string[] };
  return {
    out,
    sink: {
      plaintext: (side, bytes) => out.plain[side].push(...bytes),
      lost: () => undefined,
      diagnostic: (_side, code) => out.codes.push(code),
    },
  };
}

describe('TlsDecryptor robustness', () => {
  it('random records and bytes never throw; only tls.* diagnostics come out', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            side: fc.integer({ min: 0, max: 1 }),
            bytes: fc.oneof(
              fc.uint8Array({ maxLength: 300 }),
              fc
                .tuple(fc.integer({ min: 20, max: 24 }), fc.uint8Array({ maxLength: 200 }))
                .map(([t, b]) => record(t, b)),
              // a handshake record with a plausible header and random body
              fc
                .uint8Array({ minLength: 40, maxLength: 200 })
                .map((b) => record(22, Uint8Array.from([1, 0, 0, b.length, ...b]))),
            ),
          }),
          { maxLength: 30 },
        ),
        (chunks) => {
          const { sink, out } = collect();
          const d = new TlsDecryptor(tlsKeys(new Map(secrets)), 0, sink);
          for (const c of chunks) d.data(c.side, c.bytes, 0, 1, 0);
          d.gap(1, 10, 0);
          d.end(0);
          for (const code of out.codes) expect(code).toMatch(/^tls\./);
        },
      ),
    );
  });
});

describe('mutated wss capture', () => {
  const capture = readFileSync(join(DIR, 'tls12.pcap'));
  const keyLog = parseKeyLog(readFileSync(join(DIR, 'tls12.keys'), 'latin1')).secrets;
  it('random flipped bytes after the file header never throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 24, max: capture.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 20,
        }),
        async (flips) => {
          const bytes = Buffer.from(capture);
          for (const [at, x] of flips) bytes[at] ^= x;
          const { Readable } = await import('node:stream');
          try {
            for await (const ev of readCapture(Readable.from([bytes]), { keyLog })) void ev;
          } catch (err) {
            // a damaged record header may make the file unreadable: a WsinspectError, never a bug
            expect((err as { code?: string }).code).toMatch(/^(capture|input)\./);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
