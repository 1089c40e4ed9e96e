// The one error of the filter language: a bad expression, with the 1-based column it was
// found at and, for a misspelt name, the closest known one.
// Layer rule: filter/ — pure.

export class FilterSyntaxError extends Error {
  /** 1-based column (in UTF-16 code units) of the expression where the problem starts. */
  readonly position: number;
  /** The problem alone, without position or suggestion: `unknown field "websocket.opcod"`. */
  readonly reason: string;
  /** The closest known name, when the problem is a misspelt one. */
  readonly suggestion?: string;

  /** `message` is one line: `unknown field "websocket.opcod" at 1 — did you mean websocket.opcode?` */
  constructor(reason: string, position: number, suggestion?: string) {
    super(`${reason} at ${position}${suggestion === undefined ? '' : ` — did you mean ${suggestion}?`}`);
    this.name = 'FilterSyntaxError';
    this.reason = reason;
    this.position = position;
    if (suggestion !== undefined) this.suggestion = suggestion;
  }
}

/** Levenshtein distance (case-insensitive). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known name closest to `word`, when it is close enough to be a typo of it. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = editDistance(word, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}
