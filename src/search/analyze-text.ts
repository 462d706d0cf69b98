import { stemmer } from 'stemmer';
import { ENGLISH_STOPWORDS } from './stopwords.js';

/**
 * Turns text into index terms for lexical (BM25) search:
 * - runs of CJK characters (Han, kana, Hangul; see {@link CJK_CHARACTER_CLASS}) become overlapping
 *   character bigrams (`我的订单` → `我的`, `的订`, `订单`; a lone character stays a unigram), the
 *   usual indexing for scripts without spaces (as Lucene's CJKBigramFilter does). The PostgreSQL
 *   stores index the same bigrams (`src/stores/postgres/text-search.ts`), so every store finds
 *   `订单` in `我的订单在哪里`;
 * - other text: Unicode word segmentation (`Intl.Segmenter`), lowercasing, splitting on apostrophes
 *   (`caroline's` → `caroline`, `s`), dropping English stop words (`stopword` package, see
 *   `stopwords.ts`), and Porter stemming of Latin-script words (`stemmer` package: M. F. Porter,
 *   "An algorithm for suffix stripping", 1980).
 *
 * The same function must analyze the documents and the query, or they will not match.
 */
export function analyzeText(text: string): string[] {
  const terms: string[] = [];
  const normalized = text.normalize('NFKC').toLowerCase();
  let start = 0;
  for (const run of normalized.matchAll(cjkRun)) {
    wordTerms(normalized.slice(start, run.index), terms);
    cjkBigrams(run[0], terms);
    start = run.index + run[0].length;
  }
  wordTerms(normalized.slice(start), terms);
  return terms;
}

/**
 * The characters indexed as bigrams: Hiragana and Katakana (U+3040–U+30FF), CJK Unified
 * Ideographs Extension A (U+3400–U+4DBF), CJK Unified Ideographs (U+4E00–U+9FFF), CJK Compatibility
 * Ideographs (U+F900–U+FAFF) and Hangul Syllables (U+AC00–U+D7AF). The PostgreSQL side uses the
 * same class (`\uXXXX` escapes mean the same in JavaScript and PostgreSQL regular expressions).
 */
export const CJK_CHARACTER_CLASS = '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7af]';

const cjkRun = new RegExp(`${CJK_CHARACTER_CLASS}+`, 'gu');

function cjkBigrams(run: string, terms: string[]): void {
  const characters = [...run];
  if (characters.length === 1) {
    terms.push(run);
    return;
  }
  for (let index = 0; index + 1 < characters.length; index++) terms.push(characters[index]! + characters[index + 1]!);
}

function wordTerms(text: string, terms: string[]): void {
  if (text.length === 0) return;
  for (const segment of segmenter.segment(text)) {
    if (!segment.isWordLike) continue;
    for (const piece of segment.segment.split(/['’‘]/u)) {
      if (piece.length === 0 || ENGLISH_STOPWORDS.has(piece)) continue;
      // A stem can land on a stop word ("dos" → "do"): it carries no more meaning than the stop word.
      const term = latinWord.test(piece) ? stemmer(piece) : piece;
      if (!ENGLISH_STOPWORDS.has(term)) terms.push(term);
    }
  }
}

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
const latinWord = /^[a-z]+$/;
