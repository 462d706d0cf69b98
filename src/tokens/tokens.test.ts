import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getTokenizer } from './get-tokenizer.js';
import { countMessageTokens, countPromptTokens } from './message-tokens.js';
import { findModelInfo } from './models.js';
import { ENCODINGS } from './tokenizer.js';

describe('tokenizers', () => {
  it.each(ENCODINGS)('should give identical %s counts in gpt-tokenizer and js-tiktoken', async (encoding) => {
    const fast = await getTokenizer({ encoding, implementation: 'gpt-tokenizer' });
    const reference = await getTokenizer({ encoding, implementation: 'js-tiktoken' });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 120 }), fc.lorem({ maxCount: 60 })), (text) => {
        expect(fast.count(text)).toBe(reference.count(text));
      }),
      { numRuns: 300 },
    );
  });

  it('should count known OpenAI examples exactly', async () => {
    const o200k = await getTokenizer({ encoding: 'o200k_base' });
    const cl100k = await getTokenizer({ encoding: 'cl100k_base' });
    expect(o200k.count('hello world')).toBe(2);
    expect(cl100k.count('tiktoken is great!')).toBe(6);
  });

  it('should treat special-token strings in user text as plain text', async () => {
    const tokenizer = await getTokenizer();
    expect(tokenizer.count('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('should count long texts in bounded chunks without changing the count of spaced text', async () => {
    const tokenizer = await getTokenizer();
    const reference = await getTokenizer({ implementation: 'js-tiktoken' });
    const words = Array.from({ length: 12_000 }, (_, index) => `word${index % 37}${index % 5 === 0 ? ',' : ''}`);
    const text = words.join(' ');
    expect(text.length).toBeGreaterThan(20_000);
    // The chunk boundaries are single spaces between non-spaces: exact against an unchunked encode.
    const { Tiktoken } = await import('js-tiktoken/lite');
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
    expect(tokenizer.count(text)).toBe(new Tiktoken(ranks).encode(text, [], []).length);
    expect(reference.count(text)).toBe(tokenizer.count(text));
    // A megabyte without spaces is counted in bounded chunks (the test timeout bounds it), roughly one token per few chars.
    expect(tokenizer.count('x'.repeat(1_000_000))).toBeGreaterThan(50_000);
  });

  it('should follow the OpenAI cookbook message format', async () => {
    const tokenizer = await getTokenizer();
    const message = { role: 'user' as const, content: 'hello world' };
    expect(countMessageTokens(tokenizer, message)).toBe(3 + 1 + 2);
    expect(countMessageTokens(tokenizer, { ...message, name: 'ann' })).toBe(3 + 1 + 2 + tokenizer.count('ann') + 1);
    expect(countPromptTokens(tokenizer, [message, message])).toBe(3 + 2 * 6);
  });

  it('should resolve model ids, snapshots and provider prefixes to encodings and context windows', () => {
    expect(findModelInfo('gpt-4o-2024-08-06')).toMatchObject({ encoding: 'o200k_base', contextWindow: 128_000, exactTokenizer: true });
    expect(findModelInfo('openai/gpt-4.1-mini')).toMatchObject({ contextWindow: 1_047_576 });
    expect(findModelInfo('gpt-4-turbo')).toMatchObject({ encoding: 'cl100k_base', contextWindow: 128_000 });
    expect(findModelInfo('gpt-4')).toMatchObject({ encoding: 'cl100k_base', contextWindow: 8_192 });
    expect(findModelInfo('anthropic:claude-sonnet-4-5')).toMatchObject({ exactTokenizer: false, contextWindow: 200_000 });
    expect(findModelInfo('unknown-model')).toBeUndefined();
  });
});
