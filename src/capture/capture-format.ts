// Recognises a capture file from its magic number (never from its name): classic pcap
// in microsecond or nanosecond resolution and either byte order, or pcapng. Anything
// else is the user's input error 'capture.format-unknown'. Layer rule: capture/ — pure.
import { WsinspectError } from '../errors.js';
import { u32be } from './byte-reader.js';

export type CaptureFormat =
  { readonly kind: 'pcap'; readonly littleEndian: boolean; readonly nanosecond: boolean } | { readonly kind: 'pcapng' };

/** Bytes needed before the format can be told. */
export const MAGIC_LENGTH = 4;

const PCAP_US = 0xa1b2c3d4;
const PCAP_US_SWAPPED = 0xd4c3b2a1;
const PCAP_NS = 0xa1b23c4d;
const PCAP_NS_SWAPPED = 0x4d3cb2a1;
/** pcapng Section Header Block type; a palindrome, so it reads the same in both orders. */
export const PCAPNG_SHB = 0x0a0d0d0a;

/**
 * The format of a capture from its first bytes, or null when fewer than 4 bytes are
 * given. Throws WsinspectError('capture.format-unknown') for anything else.
 */
export function sniffCaptureFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length < MAGIC_LENGTH) return null;
  // The magic is written in the writer's byte order: read big-endian, the swapped
  // values mean a little-endian file.
  switch (u32be(head, 0)) {
    case PCAP_US:
      return { kind: 'pcap', littleEndian: false, nanosecond: false };
    case PCAP_US_SWAPPED:
      return { kind: 'pcap', littleEndian: true, nanosecond: false };
    case PCAP_NS:
      return { kind: 'pcap', littleEndian: false, nanosecond: true };
    case PCAP_NS_SWAPPED:
      return { kind: 'pcap', littleEndian: true, nanosecond: true };
    case PCAPNG_SHB:
      return { kind: 'pcapng' };
    default:
      throw notACapture(head);
  }
}

function hex4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, MAGIC_LENGTH), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function notACapture(head: Uint8Array): WsinspectError {
  const shown = hex4(head);
  const detail =
    head.length < MAGIC_LENGTH
      ? `input is ${head.length === 0 ? 'empty' : `only ${head.length} byte(s) long`}`
      : `magic number ${shown}`;
  return new WsinspectError(
    'capture.format-unknown',
    `not a pcap or pcapng capture (${detail}); expected magic a1b2c3d4, a1b23c4d (either byte order) or 0a0d0d0a`,
  );
}

/**
 * A file that opens with pcapng's block type but not with its byte-order magic: named as such
 * (the file's magic number is the one expected, so notACapture's message would contradict itself).
 */
export function badByteOrderMagic(magic: Uint8Array): WsinspectError {
  return new WsinspectError(
    'capture.format-unknown',
    `not a pcapng capture: the section header's byte-order magic is ${hex4(magic)}, expected 1a2b3c4d (either byte order)`,
  );
}
