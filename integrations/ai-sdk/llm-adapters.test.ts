import { describe, expect, it } from 'vitest';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai/test';
import { MockEmbeddingModelV3, MockLanguageModelV3 } from 'ai-v6/test';
import type { Memory, Message } from '../../src/types.js';
import { createAiSdkEmbedder } from './embedder.js';
import { createAiSdkMemoryExtractor, parseProposals } from './memory-extractor.js';
import { createAiSdkSummarizer } from './summarizer.js';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
const textResult = (text: string) => ({ content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] });

function message(seq: number, role: 'user' | 'assistant', content: string): Message {
  return { id: `m${seq}`, conversationId: 'c', seq, role, content, createdAt: new Date(0), metadata: {}, tags: [], tokenCounts: {}, contentHash: '0'.repeat(64) };
}

describe('createAiSdkSummarizer', () => {
  it('should send the previous summary and the new turns, capped at maxTokens, and return the trimmed text', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult('  The user lives in Paris.  ') });
    const summarizer = createAiSdkSummarizer({ model });
    const result = await summarizer.summarize({
      previousSummary: 'The user is called Ada.',
      messages: [message(1, 'user', 'I live in Paris'), message(2, 'assistant', 'Noted')],
      maxTokens: 120,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ text: 'The user lives in Paris.' });
    const call = model.doGenerateCalls[0]!;
    expect(call.maxOutputTokens).toBe(120);
    expect(call.prompt[0]).toMatchObject({ role: 'system' });
    expect(JSON.stringify(call.prompt[1])).toContain('The user is called Ada.');
    expect(JSON.stringify(call.prompt[1])).toContain('user: I live in Paris');
  });

  it('should work with an ai 6 (spec v3) model', async () => {
    const model = new MockLanguageModelV3({ doGenerate: textResult('Short summary.') });
    const result = await createAiSdkSummarizer({ model }).summarize({ previousSummary: null, messages: [message(1, 'user', 'hello')], maxTokens: 50, signal: new AbortController().signal });
    expect(result.text).toBe('Short summary.');
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it('should pass the signal to the model and reject when it is already aborted', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult('x') });
    const summarizer = createAiSdkSummarizer({ model, maxRetries: 0 });
    const live = new AbortController();
    await summarizer.summarize({ previousSummary: null, messages: [message(1, 'user', 'hi')], maxTokens: 10, signal: live.signal });
    expect(model.doGenerateCalls[0]!.abortSignal).toBeDefined();
    const aborted = new AbortController();
    aborted.abort();
    await expect(summarizer.summarize({ previousSummary: null, messages: [message(1, 'user', 'hi')], maxTokens: 10, signal: aborted.signal })).rejects.toThrow();
    expect(model.doGenerateCalls).toHaveLength(1);
  });
});

describe('createAiSdkMemoryExtractor', () => {
  it('should parse facts from the model answer and show it the known facts', async () => {
    const model = new MockLanguageModelV4({ doGenerate: textResult('Here you go:\n```json\n[{"key":"user.home_city","text":"Lives in Paris","tags":["profile"]},{"text":"Likes tea"}]\n```') });
    const existing = [{ id: 'mem1', key: 'user.name', text: 'Is called Ada' } as Memory];
    const facts = await createAiSdkMemoryExtractor({ model }).extract({ scope: { tenantId: 't' }, conversationId: 'c', messages: [message(1, 'user', 'I moved to Paris')], existing });
    expect(facts).toEqual([{ key: 'user.home_city', text: 'Lives in Paris', tags: ['profile'] }, { text: 'Likes tea' }]);
    expect(JSON.stringify(model.doGenerateCalls[0]!.prompt)).toContain('[user.name] Is called Ada');
  });

  it('should reject an answer without a valid array, without quoting the answer', () => {
    expect(() => parseProposals('no facts here')).toThrow(/without a JSON array/);
    expect(() => parseProposals('[secret text}]')).toThrow(/not valid JSON/);
    expect(() => parseProposals('[secret text}]')).not.toThrow(/secret/);
    expect(() => parseProposals('[{"text": 3}]')).toThrow(/does not hold/);
    expect(parseProposals('[]')).toEqual([]);
  });
});

describe('createAiSdkEmbedder', () => {
  it('should embed through embedMany in input order, split by maxEmbeddingsPerCall', async () => {
    const model = new MockEmbeddingModelV4({
      maxEmbeddingsPerCall: 2,
      doEmbed: async ({ values }) => ({ embeddings: values.map((value) => [value.length, 1]), warnings: [] }),
    });
    const embedder = createAiSdkEmbedder({ model, dimensions: 2 });
    expect(embedder.modelId).toBe('mock-provider:mock-model-id');
    expect(await embedder.embed(['a', 'bbb', 'cc'], {})).toEqual([[1, 1], [3, 1], [2, 1]]);
    expect(model.doEmbedCalls.map((call) => call.values)).toEqual([['a', 'bbb'], ['cc']]);
    expect(await embedder.embed([], {})).toEqual([]);
  });

  it('should accept an ai 6 (spec v3) embedding model', async () => {
    const model = new MockEmbeddingModelV3({ doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.5, 0.5, 0.5]), warnings: [] }) });
    expect(await createAiSdkEmbedder({ model, dimensions: 3, modelId: 'custom' }).embed(['x'], {})).toEqual([[0.5, 0.5, 0.5]]);
  });

  it('should refuse a non-positive dimension count', () => {
    const model = new MockEmbeddingModelV4({});
    expect(() => createAiSdkEmbedder({ model, dimensions: 0 })).toThrow(/dimensions/);
  });
});
