// `wsinspect accept KEY`: Sec-WebSocket-Accept for a key, with its derivation (RFC 6455 §4.2.2).
import type { Argv } from 'yargs';
import { WsinspectError } from '../errors.js';
import { acceptDerivation } from '../protocol/accept-key.js';
import { renderAcceptDerivation } from '../render/accept-view.js';
import { createEventPrinter, outputOptions, type OutputFlags } from './event-printer.js';
import { jsonString } from '../render/json-lines.js';

interface AcceptFlags extends OutputFlags {
  key?: string;
}

export function acceptCommand(yargs: Argv): Argv {
  return yargs.command<AcceptFlags>(
    'accept <key>',
    'compute Sec-WebSocket-Accept for a Sec-WebSocket-Key, showing each step',
    (y) =>
      outputOptions(y)
        .positional('key', { type: 'string', describe: 'the Sec-WebSocket-Key value (base64 of 16 bytes)' })
        .example('$0 accept dGhlIHNhbXBsZSBub25jZQ==', 'prints s3pPLMBiTxaQ9kYGzzhZRbK+xOo='),
    async (flags) => {
      const key = (flags.key ?? '').trim();
      if (key.length === 0) throw new WsinspectError('input.empty', 'no key given');
      const d = acceptDerivation(key);
      const printer = createEventPrinter(flags, { mode: 'teaching', hexAssumptions: [] });
      if (flags.json) {
        printer.raw(
          `{"type":"accept","key":${jsonString(d.key)},"guid":${jsonString(d.guid)},"sha1":"${d.sha1Hex}","accept":${jsonString(d.accept)}}`,
        );
      } else {
        printer.raw(renderAcceptDerivation(d, printer.style));
      }
      await printer.close();
    },
  );
}
