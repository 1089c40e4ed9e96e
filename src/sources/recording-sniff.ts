// Which kind of input a file is, by its first bytes: a capture (pcap, pcapng: binary magic),
// or a recording in JSON — a HAR (one JSON object, `{` then `"log"`) or wsinspect's own
// `--json` output (NDJSON: lines of `{"type":…}`). Names do not matter: content does.
// Layer rule: sources/ — reading input.
import { closeSync, openSync, readSync } from 'node:fs';

export type RecordingKind = 'har' | 'ndjson';

const SNIFF_BYTES = 4096;

/** The recording kind of the file at `path`, or null (a capture, or unreadable: the capture reader says why). */
export function sniffRecording(path: string): RecordingKind | null {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(SNIFF_BYTES);
      head = head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  return recordingKindOf(head);
}

/** As sniffRecording, from the first bytes of the input. */
export function recordingKindOf(head: Uint8Array): RecordingKind | null {
  const text = Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return null;
  // NDJSON of ours: the first line is a whole object with a "type"
  if (/^\{"type":"[a-z-]+"/.test(trimmed)) return 'ndjson';
  return 'har';
}
