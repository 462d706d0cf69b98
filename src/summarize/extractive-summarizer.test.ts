import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Message } from '../types.js';
import { createExtractiveSummarizer } from './extractive-summarizer.js';

function message(seq: number, name: string, content: string): Message {
  return { id: `m${seq}`, conversationId: 'c', seq, role: seq % 2 ? 'user' : 'assistant', name, content, createdAt: new Date(seq), metadata: {}, tags: [], tokenCounts: {}, contentHash: '' };
}

describe('createExtractiveSummarizer', () => {
  it('should keep whole sentences about the recurring topic, in original order, within maxTokens', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const summarizer = createExtractiveSummarizer({ tokenizer });
    const messages = [
      message(1, 'Ann', 'Hi!'),
      message(2, 'Bob', 'I adopted a rescue dog named Rex last week. The weather is nice.'),
      message(3, 'Ann', 'Rex the rescue dog sounds lovely. How old is the dog?'),
      message(4, 'Bob', 'Rex the dog is three years old.'),
    ];
    const { text } = await summarizer.summarize({ previousSummary: null, messages, maxTokens: 45, signal: new AbortController().signal });
    expect(tokenizer.count(text)).toBeLessThanOrEqual(45);
    expect(text).toContain('Bob: I adopted a rescue dog named Rex last week.');
    expect(text).not.toContain('Hi!');
    const positions = text.split('\n').map((line) => messages.findIndex((item) => String(item.content).includes(line.slice(5))));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((left, right) => left - right));
  });

  it('should let previous summary lines compete so the summary stays rolling and bounded', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const summarizer = createExtractiveSummarizer({ tokenizer });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.lorem({ maxCount: 12, mode: 'sentences' }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 5, max: 120 }), async (texts, maxTokens) => {
        const { text: first } = await summarizer.summarize({ previousSummary: null, messages: texts.map((text, index) => message(index + 1, 'A', text)), maxTokens, signal: new AbortController().signal });
        const { text: second } = await summarizer.summarize({ previousSummary: first, messages: texts.map((text, index) => message(index + 100, 'B', text)), maxTokens, signal: new AbortController().signal });
        expect(tokenizer.count(first)).toBeLessThanOrEqual(maxTokens);
        expect(tokenizer.count(second)).toBeLessThanOrEqual(maxTokens);
      }),
      { numRuns: 40 },
    );
  });

  it('should stop when aborted', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const controller = new AbortController();
    controller.abort();
    await expect(createExtractiveSummarizer({ tokenizer }).summarize({ previousSummary: null, messages: [], maxTokens: 10, signal: controller.signal })).rejects.toThrow();
  });
});
