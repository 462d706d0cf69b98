import { chunkedCount } from './chunked-count.js';
import { memoizeCount } from './count-memo.js';
import type { EncodingName, Tokenizer } from './tokenizer.js';

/**
 * Loads a `gpt-tokenizer` encoder. Only the requested encoding's rank file is imported, so a
 * serverless cold start pays for one encoding (≈0.2 s for o200k_base measured here), not all.
 */
export async function loadGptTokenizer(encoding: EncodingName): Promise<Tokenizer> {
  const module = encoding === 'o200k_base'
    ? await import('gpt-tokenizer/encoding/o200k_base')
    : await import('gpt-tokenizer/encoding/cl100k_base');
  // Empty disallowed set: user text that happens to contain "<|endoftext|>" is plain text, not an error.
  const options = { disallowedSpecial: new Set<string>() };
  return {
    encoding,
    implementation: 'gpt-tokenizer',
    count: memoizeCount((text: string) => (text.length === 0 ? 0 : chunkedCount(text, (chunk) => module.countTokens(chunk, options)))),
  };
}
