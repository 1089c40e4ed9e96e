// `wsinspect accept [KEY] [ACCEPT]`: Sec-WebSocket-Accept for a key with its derivation
// (RFC 6455 §4.2.2); with ACCEPT, checks a pair (exit 1 on a mismatch); --new makes a key.
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { acceptDerivation, keyProblem, newKey } from '../protocol/accept-key.js';
import { acceptCheckLine, renderAcceptDerivation, renderGuidExplanation } from '../render/accept-view.js';
import { escapeForTerminal } from '../render/escape.js';
import { createEventPrinter } from '../pipeline/consumers/event-printer.js';
import { reportOutputFailure } from './output-failure.js';
import { OUTPUT_OPTIONS, outputColorLevel, printerOptions, type OutputFlags } from './output-options.js';
import { applyOptions, type OptionTable, type PositionalSpec } from './option-table.js';
import { jsonString } from '../render/json-encoder.js';

export interface AcceptFlags extends OutputFlags {
  key?: string;
  accept?: string;
  new?: boolean;
}

/** A value as typed or pasted: `Sec-WebSocket-Key: abc…` (a copied header line) is the same as `abc…`. */
export function headerValue(text: string, header: string): string {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon > 0 && trimmed.slice(0, colon).trim().toLowerCase() === header.toLowerCase())
    return trimmed.slice(colon + 1).trim();
  return trimmed;
}

/**
 * accept's options, as a table: yargs and the fast path read it. Of the output options only
 * those that change what accept prints: it draws no frames, so -s, --max-payload and the
 * views would be accepted and ignored.
 */
export const ACCEPT_OPTIONS: OptionTable = {
  json: OUTPUT_OPTIONS.json,
  color: OUTPUT_OPTIONS.color,
  explain: {
    type: 'boolean',
    describe: 'add why the key is hashed with a fixed GUID (RFC 6455 §1.3)',
  },
  new: { type: 'boolean', describe: 'make a fresh random key (as a client does) and its accept' },
};

export const ACCEPT_POSITIONALS: readonly PositionalSpec[] = [{ name: 'key' }, { name: 'accept' }];

export function acceptCommand(yargs: Argv, handler: (flags: AcceptFlags) => Promise<void> = runAccept): Argv {
  return yargs.command<AcceptFlags>(
    'accept [key] [accept]',
    'compute Sec-WebSocket-Accept for a Sec-WebSocket-Key, showing each step; check a key/accept pair',
    (y) =>
      applyOptions(y, ACCEPT_OPTIONS)
        .positional('key', {
          type: 'string',
          describe: 'the Sec-WebSocket-Key value (base64 of 16 bytes), or the whole pasted header line',
        })
        .positional('accept', {
          type: 'string',
          describe: 'a Sec-WebSocket-Accept a server sent: checked against the key (exit status 1 if wrong)',
        })
        .example('$0 accept dGhlIHNhbXBsZSBub25jZQ==', 'prints s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
        .example('$0 accept dGhlIHNhbXBsZSBub25jZQ== s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', '✓: the pair matches')
        .example('$0 accept --new', 'a fresh key and the accept a server must answer with'),
    handler,
  );
}

export async function runAccept(flags: AcceptFlags): Promise<void> {
  if (flags.new === true && flags.key !== undefined)
    throw new WsinspectError('usage', '--new makes a key: give either --new or a KEY, not both');
  const key = flags.new === true ? newKey() : headerValue(flags.key ?? '', 'Sec-WebSocket-Key');
  if (key.length === 0) throw new WsinspectError('usage', 'no key given (or --new to make one)');
  const sent = flags.accept === undefined ? undefined : headerValue(flags.accept, 'Sec-WebSocket-Accept');
  const problem = keyProblem(key);
  const d = acceptDerivation(key);
  const printer = createEventPrinter(printerOptions(flags), {
    mode: 'teaching',
    hexAssumptions: [],
    colorLevel: outputColorLevel(flags),
    onOutputFailure: reportOutputFailure,
  });
  if (flags.json) {
    let json = `{"type":"accept","key":${jsonString(d.key)},"guid":${jsonString(d.guid)},"sha1":"${d.sha1Hex}"`;
    json += `,"accept":${jsonString(d.accept)},"keyValid":${problem === null}`;
    if (problem !== null) json += `,"keyProblem":${jsonString(problem)}`;
    if (sent !== undefined) json += `,"sent":${jsonString(sent)},"match":${sent === d.accept}`;
    printer.raw(json + '}');
  } else {
    const style = printer.style;
    if (problem !== null)
      printer.raw(
        style.warning(`⚠ ${problem} (RFC 6455 §4.1); the accept below is what a server would still compute`) + '\n',
      );
    printer.raw(renderAcceptDerivation(d, style));
    if (sent !== undefined) printer.raw(acceptCheckLine(sent, d.accept, style));
    if (flags.explain === true) printer.raw('\n' + renderGuidExplanation(style));
    if (flags.new === true) printer.raw(`\nSend it as: Sec-WebSocket-Key: ${style.bold(escapeForTerminal(d.key))}`);
  }
  await printer.close();
  if (problem !== null || (sent !== undefined && sent !== d.accept)) process.exitCode = 1;
}
