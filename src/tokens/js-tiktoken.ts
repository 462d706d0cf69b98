import { chunkedCount } from './chunked-count.js';
import { memoizeCount } from './count-memo.js';
import type { EncodingName, Tokenizer } from './tokenizer.js';

/** Loads a `js-tiktoken` encoder (pure JS port of OpenAI's tiktoken) for one encoding. */
export async function loadJsTiktoken(encoding: EncodingName): Promise<Tokenizer> {
  const { Tiktoken } = await import('js-tiktoken/lite');
  const ranks = encoding === 'o200k_base'
    ? (await import('js-tiktoken/ranks/o200k_base')).default
    : (await import('js-tiktoken/ranks/cl100k_base')).default;
  const tiktoken = new Tiktoken(ranks);
  return {
    encoding,
    implementation: 'js-tiktoken',
    // allowedSpecial none + disallowedSpecial none: special-token strings are encoded as text.
    count: memoizeCount((text: string) => (text.length === 0 ? 0 : chunkedCount(text, (chunk) => tiktoken.encode(chunk, [], []).length))),
  };
}
