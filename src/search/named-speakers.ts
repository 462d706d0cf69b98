import type { MessageSearchHit } from '../spec/store.js';
import { analyzeText } from './analyze-text.js';

/**
 * Score factor for a hit spoken by a participant the query names. Measured on the LoCoMo dev file
 * (`npm run eval`, tuned harness, bench/eval/README.md), evidence recall at 1k / 2k / 4k / 8k:
 * without 0.774 / 0.845 / 0.895 / 0.926; factor 1.3: 0.767 / 0.850 / 0.897 / 0.933; 1.6: 0.777 /
 * 0.845 / 0.897 / 0.932 (multi-hop at 2k 0.589 → 0.617 / 0.603). 1.6 is kept: no budget loses.
 */
export const NAMED_SPEAKER_BOOST = 1.6;

/**
 * Re-ranks lexical hits so that turns spoken by a participant the query names come first among
 * equals: "what do Melanie's kids like?" is more likely answered by Melanie's turns than by turns
 * that merely mention her. Lexical search indexes the speaker's name as one more word of each turn
 * (`messageSearchText`), where it weighs little — in a conversation of two people it is in half
 * the turns, so its inverse document frequency is near ln 2. Treating the speaker as a field of its
 * own with a weight of its own is the BM25F idea (Robertson, Zaragoza & Taylor, "Simple BM25
 * extension to multiple weighted fields", CIKM 2004); here it is applied after the search, as a
 * score factor ({@link NAMED_SPEAKER_BOOST}), so it works on any store's ranking.
 *
 * A participant is named when every term of their `name` (as {@link analyzeText} produces them,
 * so `Caroline's` names `Caroline`) is a term of the query. Nothing changes when the query names
 * nobody, or names every named speaker among the hits (then no turn is favoured); turns without a
 * `name` are never favoured.
 *
 * @param hits best first, as a store's `searchMessages` returns them.
 * @returns the same hits (a permutation), best first by the adjusted score; ties keep their order.
 *   Scores are returned as given. Linear in the hits plus the query.
 */
export function favourNamedSpeakers(hits: readonly MessageSearchHit[], query: string): MessageSearchHit[] {
  const queryTerms = new Set(analyzeText(query));
  const named = new Map<string, boolean>();
  for (const { message } of hits) {
    if (message.name === undefined || named.has(message.name)) continue;
    const terms = analyzeText(message.name);
    named.set(message.name, terms.length > 0 && terms.every((term) => queryTerms.has(term)));
  }
  const namedCount = [...named.values()].filter(Boolean).length;
  if (namedCount === 0 || namedCount === named.size) return [...hits];
  return hits
    .map((hit, index) => ({ hit, index, score: hit.score * (hit.message.name !== undefined && named.get(hit.message.name) ? NAMED_SPEAKER_BOOST : 1) }))
    .sort((left, right) => right.score - left.score || left.index - right.index)
    .map(({ hit }) => hit);
}
