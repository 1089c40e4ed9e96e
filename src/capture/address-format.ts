// Endpoint text as the --json contract writes it: "ip:port", IPv6 in brackets with the
// RFC 5952 canonical form ("[::1]:8080"). Only built when a connection is first reported,
// never per packet. Layer rule: capture/ — pure.

export function formatIpv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥2) of zero groups as "::". */
export function formatIpv6(b: Uint8Array, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[o + i] << 8) | b[o + i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: an IPv4-mapped address keeps its dotted tail.
  if (bestStart === 0 && bestLength === 5 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, o + 12)}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** An address of 4 (IPv4) or 16 (IPv6) bytes at offset o, without brackets. */
export function formatAddress(b: Uint8Array, o: number, addressLength: number): string {
  return addressLength === 4 ? formatIpv4(b, o) : formatIpv6(b, o);
}

/** "ip:port" for an address of 4 (IPv4) or 16 (IPv6) bytes at offset o. */
export function formatEndpoint(b: Uint8Array, o: number, addressLength: number, port: number): string {
  return addressLength === 4 ? `${formatIpv4(b, o)}:${port}` : `[${formatIpv6(b, o)}]:${port}`;
}
