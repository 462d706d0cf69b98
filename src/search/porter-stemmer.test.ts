import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { porterStem } from './porter-stemmer.js';

// Pairs from the vocabulary/output lists published with the algorithm (tartarus.org/martin/PorterStemmer).
const PUBLISHED: ReadonlyArray<[string, string]> = [
  ['caresses', 'caress'], ['ponies', 'poni'], ['ties', 'ti'], ['cats', 'cat'], ['feed', 'feed'], ['agreed', 'agre'],
  ['plastered', 'plaster'], ['motoring', 'motor'], ['sing', 'sing'], ['conflated', 'conflat'], ['troubled', 'troubl'],
  ['sized', 'size'], ['hopping', 'hop'], ['tanned', 'tan'], ['falling', 'fall'], ['hissing', 'hiss'], ['fizzed', 'fizz'],
  ['failing', 'fail'], ['filing', 'file'], ['happy', 'happi'], ['sky', 'sky'], ['relational', 'relat'],
  ['generalization', 'gener'], ['triplicate', 'triplic'], ['hopeful', 'hope'], ['goodness', 'good'], ['revival', 'reviv'],
  ['allowance', 'allow'], ['adjustable', 'adjust'], ['controll', 'control'], ['roll', 'roll'], ['probate', 'probat'],
  ['rate', 'rate'], ['cease', 'ceas'], ['yellow', 'yellow'],
];

describe('porterStem', () => {
  it('should reproduce the published stems', () => {
    for (const [word, stem] of PUBLISHED) expect(porterStem(word), word).toBe(stem);
  });

  it('should conflate inflections of the same word', () => {
    expect(new Set(['paint', 'painted', 'painting', 'paints'].map(porterStem))).toEqual(new Set(['paint']));
    expect(porterStem('adoption')).toBe(porterStem('adopt'));
  });

  it('should never lengthen a word by more than one letter and be deterministic', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{0,20}$/), (word) => {
        const stem = porterStem(word);
        expect(stem.length).toBeLessThanOrEqual(word.length + 1);
        expect(porterStem(word)).toBe(stem);
      }),
    );
  });
});
