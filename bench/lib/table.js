// Plain-text tables and number formats for benchmark reports (no colour, so output can be
// pasted into issues and diffed). Layer rule: bench/ — tooling.

/** rows: array of arrays of strings; the first row is the header. Numbers right-aligned. */
export function formatTable(rows, indent = '  ') {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => String(r[col]).length)));
  const line = (r) =>
    r
      .map((cell, col) => {
        const s = String(cell);
        return col === 0 ? s.padEnd(widths[col]) : s.padStart(widths[col]);
      })
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].map((l) => indent + l.trimEnd()).join('\n');
}

export const MIB = 1 << 20;

export function mib(bytes, digits = 1) {
  return (bytes / MIB).toFixed(digits);
}

/** 1234567 → "1,234,567". */
export function count(n) {
  return Math.round(n).toLocaleString('en-US');
}

export function ratio(x) {
  return `${x.toFixed(2)}×`;
}
