import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyzeText } from './analyze-text.js';
import { ENGLISH_STOPWORDS } from './stopwords.js';

describe('analyzeText', () => {
  it('should lowercase, drop stop words and stem', () => {
    expect(analyzeText('What did Caroline research about Adoption Agencies?')).toEqual(['carolin', 'research', 'adopt', 'agenc']);
    // Question words the `eng` list lacks (the Snowball list has them): "when did …" must not favour turns saying "when".
    expect(analyzeText('When and why did Melanie paint, and whose idea was it?')).toEqual(['melani', 'paint', 'idea']);
  });

  it('should split possessives and contractions on apostrophes', () => {
    expect(analyzeText("Caroline's dog")).toEqual(['carolin', 'dog']);
    expect(analyzeText('I’m here')).toEqual([]);
  });

  it('should keep numbers and segment scripts without spaces', () => {
    expect(analyzeText('Flight 2023')).toEqual(['flight', '2023']);
    expect(analyzeText('東京に住んでいます').length).toBeGreaterThan(1);
  });

  it('should index CJK runs as overlapping character bigrams, a lone character as itself', () => {
    expect(analyzeText('我的订单在哪里')).toEqual(['我的', '的订', '订单', '单在', '在哪', '哪里']);
    expect(analyzeText('订单')).toEqual(['订单']);
    expect(analyzeText('order 我 shipped')).toEqual(['order', '我', 'ship']);
    expect(analyzeText('한국어 텍스트')).toEqual(['한국', '국어', '텍스', '스트']);
  });

  it('should produce only non-empty, lowercase, non-stop-word terms', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        for (const term of analyzeText(text)) {
          expect(term.length).toBeGreaterThan(0);
          expect(term).toBe(term.toLowerCase());
          expect(ENGLISH_STOPWORDS.has(term)).toBe(false);
        }
      }),
    );
  });
});

describe('analyzeText stems', () => {
  it('should drop a word whose stem is a stop word', () => {
    expect(analyzeText('dos hims')).toEqual([]);
  });
});
