import { ValidationError } from '../errors.js';
import { loadGptTokenizer } from './gpt-tokenizer.js';
import { loadJsTiktoken } from './js-tiktoken.js';
import { ENCODINGS, type EncodingName, type Tokenizer, type TokenizerImplementation } from './tokenizer.js';

const cache = new Map<string, Promise<Tokenizer>>();

/**
 * Returns a shared tokenizer for `encoding`, loading it on first use.
 *
 * The default implementation is `gpt-tokenizer`: on the same corpus it gives counts identical to
 * `js-tiktoken` and is several times faster (see `npm run bench -- tokens` and README's table).
 * @throws {ValidationError} for an unknown encoding.
 */
export function getTokenizer(options: { encoding?: EncodingName; implementation?: TokenizerImplementation } = {}): Promise<Tokenizer> {
  const encoding = options.encoding ?? 'o200k_base';
  const implementation = options.implementation ?? 'gpt-tokenizer';
  if (!ENCODINGS.includes(encoding)) {
    throw new ValidationError({ field: 'encoding', message: `unknown encoding; use one of ${ENCODINGS.join(', ')}` });
  }
  const key = `${implementation}:${encoding}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = implementation === 'js-tiktoken' ? loadJsTiktoken(encoding) : loadGptTokenizer(encoding);
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}
