import { analyzeText } from '../search/analyze-text.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Summarizer } from './summarizer.js';
import { speakerOf } from './transcript.js';
import { contentSearchText } from '../search/message-text.js';

/**
 * A deterministic, offline **extractive** summarizer: a fallback for tests, demos and machines
 * without a model — it does not paraphrase or infer like an LLM would. It keeps whole sentences,
 * chosen by Luhn's significance method (H. P. Luhn, "The Automatic Creation of Literature
 * Abstracts", IBM Journal 1958): each sentence scores the mean corpus frequency of its content
 * terms (stop words removed, Porter-stemmed), so sentences about what the conversation keeps
 * returning to win. Sentences of the previous summary compete with the new ones, which keeps the
 * summary rolling within `maxTokens`. Selected sentences are printed in their original order as
 * `speaker: sentence` lines.
 *
 * It is what a `ContextManager` summarizes with when no `summarizer` is given (marked `extractive`
 * in `report.summary.summarizer`).
 *
 * @param options.tokenizer counts the output against `maxTokens`. @default the `o200k_base`
 *   tokenizer, loaded on first use (pass the manager's when it counts in another encoding).
 */
export function createExtractiveSummarizer(options: { tokenizer?: Tokenizer } = {}): Summarizer {
  let tokenizerPromise: Promise<Tokenizer> | undefined;
  const loadTokenizer = () => (options.tokenizer ? Promise.resolve(options.tokenizer) : (tokenizerPromise ??= getTokenizer({ encoding: 'o200k_base' })));
  return {
    kind: 'extractive',
    async summarize({ previousSummary, messages, maxTokens, signal }) {
      signal.throwIfAborted();
      const tokenizer = await loadTokenizer();
      const candidates: Array<{ line: string; terms: string[]; order: number }> = [];
      for (const line of (previousSummary ?? '').split('\n')) {
        if (line.trim().length > 0) candidates.push({ line, terms: analyzeText(line), order: candidates.length });
      }
      for (const message of messages) {
        if (message.role === 'system') continue;
        const text = contentSearchText(message.content).replace(/\s+/g, ' ').trim();
        for (const sentence of splitSentences(text)) {
          const terms = analyzeText(sentence);
          if (terms.length < 2) continue; // greetings and one-word replies carry no facts
          candidates.push({ line: `${speakerOf(message)}: ${sentence}`, terms, order: candidates.length });
        }
      }
      const frequency = new Map<string, number>();
      for (const candidate of candidates) for (const term of new Set(candidate.terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
      const ranked = candidates
        .map((candidate) => ({ ...candidate, score: candidate.terms.reduce((sum, term) => sum + (frequency.get(term) ?? 0), 0) / candidate.terms.length }))
        .sort((left, right) => right.score - left.score || left.order - right.order);
      const chosen: typeof ranked = [];
      let used = 0;
      for (const candidate of ranked) {
        // Each line costs its tokens plus the newline that joins it.
        const cost = tokenizer.count(candidate.line) + (chosen.length > 0 ? 1 : 0);
        if (used + cost > maxTokens) continue;
        chosen.push(candidate);
        used += cost;
      }
      // BPE can merge across the joins, so check the real total and drop the weakest lines if needed.
      let text = render(chosen);
      while (chosen.length > 0 && tokenizer.count(text) > maxTokens) {
        chosen.pop();
        text = render(chosen);
      }
      return { text };
    },
  };
}

function render(chosen: ReadonlyArray<{ line: string; order: number }>): string {
  return [...chosen].sort((left, right) => left.order - right.order).map((candidate) => candidate.line).join('\n');
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function splitSentences(text: string): string[] {
  return [...sentenceSegmenter.segment(text)].map((segment) => segment.segment.trim()).filter((sentence) => sentence.length > 0);
}
