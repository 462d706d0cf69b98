import { analyzeText } from './analyze-text.js';

/**
 * Jaccard similarity of the analyzed term sets of two texts (stop words removed, stemmed), 0–1:
 * `|A ∩ B| / |A ∪ B|` (Jaccard 1912). The offline duplicate test when no embedder is configured;
 * two empty texts count as identical.
 */
export function termJaccard(left: string, right: string): number {
  const a = new Set(analyzeText(left));
  const b = new Set(analyzeText(right));
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}
