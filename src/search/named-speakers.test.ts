import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MessageSearchHit } from '../spec/store.js';
import type { Message } from '../types.js';
import { favourNamedSpeakers, NAMED_SPEAKER_BOOST } from './named-speakers.js';

function hit(id: string, name: string | undefined, score: number): MessageSearchHit {
  return { message: { id, ...(name !== undefined ? { name } : {}) } as unknown as Message, score };
}

const ids = (hits: readonly MessageSearchHit[]) => hits.map((entry) => entry.message.id);

describe('favourNamedSpeakers', () => {
  it("should move the named participant's turns ahead of close scores of the other's", () => {
    const hits = [hit('a', 'Caroline', 2), hit('b', 'Melanie', 1.5), hit('c', 'Caroline', 1), hit('d', 'Melanie', 0.5)];
    // Melanie's 1.5 becomes 2.4 (above Caroline's 2); her 0.5 becomes 0.8 (still below Caroline's 1).
    expect(ids(favourNamedSpeakers(hits, "What do Melanie's kids like?"))).toEqual(['b', 'a', 'c', 'd']);
  });

  it('should change nothing when the query names nobody, or every speaker among the hits', () => {
    const hits = [hit('a', 'Caroline', 2), hit('b', 'Melanie', 1.5), hit('c', undefined, 1.2)];
    expect(ids(favourNamedSpeakers(hits, 'what do the kids like?'))).toEqual(['a', 'b', 'c']);
    expect(ids(favourNamedSpeakers(hits, 'What do Caroline and Melanie both like?'))).toEqual(['a', 'b', 'c']);
  });

  it('should need every word of a multi-word name', () => {
    const hits = [hit('a', 'Mary Ann', 2), hit('b', 'Jo Ann', 1.5)];
    expect(ids(favourNamedSpeakers(hits, 'What did Jo Ann bake?'))).toEqual(['b', 'a']);
    expect(ids(favourNamedSpeakers(hits, 'What did Ann bake?'))).toEqual(['a', 'b']);
  });

  it('should return a permutation ordered by the adjusted score, keeping the order of equals', () => {
    const names = ['Alice', 'Bob', 'Carol', undefined] as const;
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.constantFrom(...names), score: fc.double({ min: 0, max: 20, noNaN: true }) }), { maxLength: 30 }),
        fc.subarray(['Alice', 'Bob', 'Carol', 'kids', 'garden']),
        (entries, words) => {
          const hits = entries.map((entry, index) => hit(`h${index}`, entry.name, entry.score)).sort((left, right) => right.score - left.score);
          const query = `What did ${words.join(' and ')} say?`;
          const result = favourNamedSpeakers(hits, query);
          expect([...ids(result)].sort()).toEqual([...ids(hits)].sort());
          expect(result.map((entry) => entry.score).sort()).toEqual(hits.map((entry) => entry.score).sort());
          const speakers = new Set(hits.map((entry) => entry.message.name).filter((name) => name !== undefined));
          const named = new Set([...speakers].filter((name) => words.includes(name!)));
          const boosted = named.size > 0 && named.size < speakers.size;
          const adjusted = (entry: MessageSearchHit) => entry.score * (boosted && entry.message.name !== undefined && named.has(entry.message.name) ? NAMED_SPEAKER_BOOST : 1);
          for (let index = 1; index < result.length; index++) {
            expect(adjusted(result[index - 1]!)).toBeGreaterThanOrEqual(adjusted(result[index]!));
            if (adjusted(result[index - 1]!) === adjusted(result[index]!)) {
              expect(hits.indexOf(result[index - 1]!)).toBeLessThan(hits.indexOf(result[index]!));
            }
          }
          if (!boosted) expect(ids(result)).toEqual(ids(hits));
        },
      ),
    );
  });
});
