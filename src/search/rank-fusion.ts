/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009): each item scores
 * `Σ 1 / (k + rank)` over the lists it appears in (rank starting at 1), with `k = 60` as in the paper.
 * Only ranks are used, so lists with incomparable scores (BM25, cosine) fuse safely.
 *
 * @param options.lists ranked lists of item keys, best first. Duplicate keys within a list count once (best rank).
 * @param options.k the rank constant. @default 60
 * @returns keys with their fused score, best first; ties keep first-seen order.
 */
export function reciprocalRankFusion(options: { lists: ReadonlyArray<readonly string[]>; k?: number }): Array<{ key: string; score: number }> {
  const k = options.k ?? 60;
  const scores = new Map<string, number>();
  for (const list of options.lists) {
    const seen = new Set<string>();
    list.forEach((key, index) => {
      if (seen.has(key)) return;
      seen.add(key);
      scores.set(key, (scores.get(key) ?? 0) + 1 / (k + index + 1));
    });
  }
  return [...scores].map(([key, score]) => ({ key, score })).sort((left, right) => right.score - left.score);
}
