import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reciprocalRankFusion } from './rank-fusion.js';

describe('reciprocalRankFusion', () => {
  it('should score 1/(k + rank) summed over lists', () => {
    const fused = reciprocalRankFusion({ lists: [['a', 'b'], ['b', 'c']] });
    expect(fused.map((item) => item.key)).toEqual(['b', 'a', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 61, 12);
  });

  it('should keep one list in its own order and count duplicates once', () => {
    expect(reciprocalRankFusion({ lists: [['x', 'y', 'x', 'z']] }).map((item) => item.key)).toEqual(['x', 'y', 'z']);
  });

  it('should rank an item found first in every list first', () => {
    const list = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { maxLength: 10 });
    fc.assert(
      fc.property(list, list, (left, right) => {
        const fused = reciprocalRankFusion({ lists: [['top', ...left.filter((key) => key !== 'top')], ['top', ...right.filter((key) => key !== 'top')]] });
        expect(fused[0]!.key).toBe('top');
        for (let index = 1; index < fused.length; index++) expect(fused[index - 1]!.score).toBeGreaterThanOrEqual(fused[index]!.score);
      }),
    );
  });
});
