/** " (did you mean X?)" for the closest candidate within a small edit distance, else "". */
export function suggest(word: string, candidates: Iterable<string>, show: (s: string) => string): string {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDist = limit + 1;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word, c, limit);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${show(best)}?)`;
}

/** Levenshtein distance, giving up (returning `cap + 1`) once it exceeds `cap`. */
function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > cap) return cap + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
