import { porterStem } from './porter-stemmer.js';
import { ENGLISH_STOPWORDS } from './stopwords.js';

/**
 * Turns text into index terms for lexical (BM25) search: Unicode word segmentation
 * (`Intl.Segmenter`, which also splits scripts without spaces such as Chinese and Japanese),
 * lowercasing, splitting on apostrophes (`caroline's` → `caroline`, `s`), dropping English stop
 * words, and Porter stemming of Latin-script words (see {@link porterStem}).
 *
 * The same function must analyze the documents and the query, or they will not match.
 */
export function analyzeText(text: string): string[] {
  const terms: string[] = [];
  for (const segment of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!segment.isWordLike) continue;
    for (const piece of segment.segment.split(/['’‘]/u)) {
      if (piece.length === 0 || ENGLISH_STOPWORDS.has(piece)) continue;
      // A stem can land on a stop word ("dos" → "do"): it carries no more meaning than the stop word.
      const term = latinWord.test(piece) ? porterStem(piece) : piece;
      if (!ENGLISH_STOPWORDS.has(term)) terms.push(term);
    }
  }
  return terms;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
const latinWord = /^[a-z]+$/;
