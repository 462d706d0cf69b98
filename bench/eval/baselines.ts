import { LexicalIndex } from '../../src/search/lexical-index.js';
import type { ContextLike } from './evidence-recall.js';

/** A replayed turn as the baselines see it. */
export interface BaselineTurn {
  readonly id: string;
  readonly speaker: string;
  readonly text: string;
  /** Stored token count of the turn as a message (o200k_base, with chat framing). */
  readonly tokens: number;
}

/**
 * Baseline 1: the most recent turns that fit in `availableTokens`, as window messages.
 * This is what a plain sliding window gives.
 */
export function recentTurnsContext(options: { turns: readonly BaselineTurn[]; availableTokens: number }): ContextLike[] {
  const kept: BaselineTurn[] = [];
  let used = 0;
  for (let index = options.turns.length - 1; index >= 0; index--) {
    const turn = options.turns[index]!;
    if (used + turn.tokens > options.availableTokens) break;
    used += turn.tokens;
    kept.unshift(turn);
  }
  return kept.map((turn) => ({ role: 'user', id: turn.id, content: turn.text }));
}

/** Lowercased letter/digit runs: the plain tokenization of the reference BM25 (no stemming, no stop words). */
export function plainTerms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * Baseline 2: plain BM25 (k1 = 1.2, b = 0.75, no stemming or stop words) over single turns,
 * taking turns best first while they fit in `availableTokens` ("filling the budget"), no neighbours.
 */
export function createBm25Baseline(turns: readonly BaselineTurn[]): (options: { query: string; availableTokens: number }) => ContextLike[] {
  const index = new LexicalIndex({ analyze: plainTerms });
  turns.forEach((turn, position) => index.add(String(position), turn.text, 'conversation'));
  return ({ query, availableTokens }) => {
    const kept: BaselineTurn[] = [];
    let used = 0;
    for (const hit of index.search(query, { partitionKey: 'conversation', limit: turns.length })) {
      const turn = turns[Number(hit.id)]!;
      if (used + turn.tokens > availableTokens) continue;
      used += turn.tokens;
      kept.push(turn);
    }
    return kept.map((turn) => ({ role: 'user', id: turn.id, content: turn.text }));
  };
}
