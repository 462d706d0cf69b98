import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import type { Store } from '../spec/store.js';
import { newMessages, textTurns } from '../testing/fixtures.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Message, Scope, Summary } from '../types.js';
import { compactConversation, prepareSummary, type SummaryPolicyOptions } from './policy.js';
import type { Summarizer } from './summarizer.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
const conversationId = 'c1';

/** Records every call; the summary lists the seqs it covers so tests can check what was folded. */
function recordingSummarizer(): Summarizer & { calls: Array<{ previousSummary: string | null; seqs: number[] }> } {
  const calls: Array<{ previousSummary: string | null; seqs: number[] }> = [];
  return {
    calls,
    async summarize({ previousSummary, messages }) {
      const seqs = messages.map((message: Message) => message.seq);
      calls.push({ previousSummary, seqs });
      return { text: `${previousSummary ? `${previousSummary} ` : ''}covered ${seqs[0]}-${seqs[seqs.length - 1]}` };
    },
  };
}

describe('prepareSummary', () => {
  let store: Store;
  let tokenizer: Tokenizer;
  let messages: Message[];
  let options: (overrides?: Partial<SummaryPolicyOptions>) => SummaryPolicyOptions;

  beforeEach(async () => {
    store = createMemoryStore();
    tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    await store.createConversation(scope, { id: conversationId });
    messages = [...(await store.appendMessages(scope, conversationId, await newMessages(textTurns(20)))).messages];
    options = (overrides = {}) => ({
      store,
      scope,
      conversationId,
      tokenizer,
      summarizer: recordingSummarizer(),
      mode: 'inline',
      windowStartSeq: 15,
      thresholdTokens: 20,
      maxSummaryTokens: 200,
      timeoutMs: 1000,
      ...overrides,
    });
  });

  it('should fold the uncovered turns before the window and keep every raw message', async () => {
    const summarizer = recordingSummarizer();
    const result = await prepareSummary(options({ summarizer }));
    expect(result.status).toBe('updated');
    expect(summarizer.calls).toEqual([{ previousSummary: null, seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] }]);
    expect(result.summary?.coversThroughSeq).toBe(14);
    expect(result.summary?.tokenCount).toBe(tokenizer.count(result.summary!.text));
    expect(await store.getSummary(scope, conversationId)).toEqual(result.summary);
    const stored = await store.listMessages(scope, conversationId, { order: 'asc', limit: 100 });
    expect(stored.map((message) => message.id)).toEqual(messages.map((message) => message.id));
  });

  it('should advance incrementally: only turns after coversThroughSeq are summarized next time', async () => {
    await prepareSummary(options({ windowStartSeq: 8 }));
    const summarizer = recordingSummarizer();
    const result = await prepareSummary(options({ summarizer, windowStartSeq: 18 }));
    expect(summarizer.calls).toEqual([{ previousSummary: 'covered 1-7', seqs: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17] }]);
    expect(result.summary?.coversThroughSeq).toBe(17);
  });

  it('should batch: below the threshold it uses the stored summary and does not call the summarizer', async () => {
    await prepareSummary(options({ windowStartSeq: 10 }));
    const summarizer = recordingSummarizer();
    const result = await prepareSummary(options({ summarizer, windowStartSeq: 12, thresholdTokens: 1000 }));
    expect(summarizer.calls).toEqual([]);
    expect(result.status).toBe('used');
    expect(result.summary?.coversThroughSeq).toBe(9);
  });

  it('should summarize once when two assemblies run concurrently', async () => {
    const summarizer = recordingSummarizer();
    const [first, second] = await Promise.all([prepareSummary(options({ summarizer })), prepareSummary(options({ summarizer }))]);
    expect(summarizer.calls).toHaveLength(1);
    expect(first.summary).toEqual(second.summary);
    expect((await store.getSummary(scope, conversationId))?.coversThroughSeq).toBe(14);
  });

  it('should not overwrite a summary another process stored meanwhile (compare-and-set)', async () => {
    const other: Summary = { text: 'from elsewhere', coversThroughSeq: 12, tokenCount: 3, encoding: 'o200k_base', updatedAt: new Date(0) };
    const racing: Summarizer = {
      async summarize() {
        await store.putSummary(scope, conversationId, other, { expectedCoversThroughSeq: null });
        return { text: 'mine' };
      },
    };
    const result = await prepareSummary(options({ summarizer: racing }));
    expect(result.status).toBe('used');
    expect(result.summary?.text).toBe('from elsewhere');
    expect((await store.getSummary(scope, conversationId))?.text).toBe('from elsewhere');
  });

  it('should leave the store untouched and report failure when the summarizer throws', async () => {
    await prepareSummary(options({ windowStartSeq: 5 }));
    const before = await store.getSummary(scope, conversationId);
    const failing: Summarizer = { summarize: async () => { throw new Error('model overloaded: secret prompt text'); } };
    const result = await prepareSummary(options({ summarizer: failing }));
    expect(result.status).toBe('failed');
    expect(result.note).not.toContain('secret');
    expect(result.summary).toEqual(before);
    expect(await store.getSummary(scope, conversationId)).toEqual(before);
    expect(await store.listMessages(scope, conversationId, { order: 'asc', limit: 100 })).toHaveLength(20);
  });

  it('should give up after timeoutMs even when the summarizer ignores its signal, writing nothing', async () => {
    let aborted = false;
    const hanging: Summarizer = {
      summarize: ({ signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => undefined);
      },
    };
    const started = performance.now();
    const result = await prepareSummary(options({ summarizer: hanging, timeoutMs: 50 }));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ status: 'timeout', summary: null });
    expect(aborted).toBe(true);
    expect(await store.getSummary(scope, conversationId)).toBeNull();
  });

  it('should reject a summary longer than maxSummaryTokens', async () => {
    const verbose: Summarizer = { summarize: async () => ({ text: 'word '.repeat(500) }) };
    const result = await prepareSummary(options({ summarizer: verbose, maxSummaryTokens: 50 }));
    expect(result.status).toBe('failed');
    expect(await store.getSummary(scope, conversationId)).toBeNull();
  });

  it('should not use a stored summary that reaches into the window', async () => {
    await prepareSummary(options({ windowStartSeq: 15 }));
    const result = await prepareSummary(options({ windowStartSeq: 10, summarizer: recordingSummarizer() }));
    expect(result.summary).toBeNull();
  });

  it('should return at once in deferred mode and leave the work to compactConversation', async () => {
    const slow: Summarizer & { calls: number } = {
      calls: 0,
      async summarize({ messages }) {
        this.calls++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { text: `covered through ${messages[messages.length - 1]!.seq}` };
      },
    };
    const started = performance.now();
    const deferred = await prepareSummary(options({ summarizer: slow, mode: 'deferred' }));
    expect(performance.now() - started).toBeLessThan(150);
    expect(deferred.status).toBe('deferred');
    expect(slow.calls).toBe(0);

    const compacted = await compactConversation({ ...options({ summarizer: slow }), windowStartSeq: 15 });
    expect(compacted.status).toBe('updated');
    expect(compacted.summary?.coversThroughSeq).toBe(14);
    const next = await prepareSummary(options({ summarizer: slow, mode: 'deferred' }));
    expect(next).toMatchObject({ status: 'used', summary: { coversThroughSeq: 14 } });
  });

  it('should compact in several steps when the span exceeds maxInputTokens', async () => {
    const summarizer = recordingSummarizer();
    const perMessage = messages[0]!.tokenCounts['o200k_base']!;
    const result = await compactConversation({ ...options({ summarizer }), windowStartSeq: 15, maxInputTokens: perMessage * 5 });
    expect(summarizer.calls.map((call) => call.seqs[0])).toEqual([1, 6, 11]);
    expect(result).toMatchObject({ status: 'updated', steps: 3, summary: { coversThroughSeq: 14 } });
  });
});
