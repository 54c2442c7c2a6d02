/**
 * The closest of some known names to a mistyped one, for "did you mean" hints: case is
 * ignored, and a name more than a third of its length (at least 2) edits away is no match.
 */

/** The candidate closest to `name` (the first of equals), or null when none is close enough. */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** `; did you mean 'x'?` for the closest candidate by edit distance, or ''. */
export function suggest(name: string, candidates: readonly string[]): string {
  const best = closestName(name, candidates);
  return best ? `; did you mean '${best}'?` : '';
}

/** Levenshtein distance (insertions, deletions and substitutions), in one row of memory. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
