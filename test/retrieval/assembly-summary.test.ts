import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createExtractiveSummarizer } from '../../src/summarize/extractive-summarizer.js';
import { compactConversation } from '../../src/summarize/policy.js';
import { createSummarySource } from '../../src/assemble/sections/summary-source.js';
import type { Summarizer } from '../../src/summarize/summarizer.js';
import { getTokenizer } from '../../src/tokens/index.js';
import type { MessageInput, Scope } from '../../src/types.js';

const scope: Scope = { tenantId: 't' };
const budget = { maxTokens: 400 };
const shares = { summary: 0.3, memories: 0, recall: 0 };

function turns(count: number, offset = 0): MessageInput[] {
  return Array.from({ length: count }, (_, index) => ({
    role: (index + offset) % 2 === 0 ? 'user' : 'assistant',
    content: `Turn ${index + offset}: we discussed the garden project, the tomato beds and watering schedule number ${index + offset}.`,
  }));
}

async function managerWith(summarizer: Summarizer, extra: { mode?: 'inline' | 'deferred'; timeoutMs?: number } = {}) {
  const store = createMemoryStore();
  const manager = new ContextManager({
    store,
    shares,
    sources: { summary: createSummarySource({ summarizer, thresholdTokens: 100, timeoutMs: extra.timeoutMs ?? 2000, ...(extra.mode ? { mode: extra.mode } : {}) }) },
  });
  await manager.append('c', turns(60), { scope });
  return { manager, store };
}

function counting(inner: Summarizer): Summarizer & { calls: number } {
  const wrapper = { calls: 0, summarize: (options: Parameters<Summarizer['summarize']>[0]) => (wrapper.calls++, inner.summarize(options)) };
  return wrapper;
}

describe('assembly with a rolling summary (ContextManager + createSummarySource)', () => {
  it('should fold turns older than the window into the summary and keep every raw message', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const { manager, store } = await managerWith(createExtractiveSummarizer({ tokenizer }));
    const { report, messages } = await manager.assemble('c', { scope, budget });
    expect(report.summary.status).toBe('updated');
    expect(report.summary.coversThroughSeq).toBeLessThan(report.window.fromSeq!);
    expect(report.sections.summary.tokens).toBeGreaterThan(0);
    expect(report.sections.summary.tokens).toBeLessThanOrEqual(report.sections.summary.cap!);
    expect(messages[0]!.content).toContain('Summary of the earlier conversation');
    expect(await store.listMessages(scope, 'c', { order: 'asc', limit: 1000 })).toHaveLength(60);
    const again = await manager.assemble('c', { scope, budget });
    expect(again.report.summary.status).toBe('used');
  });

  it('should summarize once when two assemblies run at the same time', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const summarizer = counting(createExtractiveSummarizer({ tokenizer }));
    const { manager } = await managerWith(summarizer);
    const [first, second] = await Promise.all([manager.assemble('c', { scope, budget }), manager.assemble('c', { scope, budget })]);
    expect(summarizer.calls).toBe(1);
    expect(first.report.summary.coversThroughSeq).toBe(second.report.summary.coversThroughSeq);
  });

  it('should fall back to plain trimming, say why, and change nothing when the summarizer fails', async () => {
    const failing: Summarizer = { summarize: async () => { throw new Error('rate limited'); } };
    const { manager, store } = await managerWith(failing);
    const plain = await new ContextManager({ store, shares, summary: false }).assemble('c', { scope, budget });
    const { report, messages } = await manager.assemble('c', { scope, budget });
    expect(report.summary.status).toBe('failed');
    expect(report.summary.note).toMatch(/plain trimming/);
    expect(report.sections.summary.tokens).toBe(0);
    expect(messages.map((message) => message.id)).toEqual(plain.messages.map((message) => message.id));
    expect(await store.getSummary(scope, 'c')).toBeNull();
    expect(await store.listMessages(scope, 'c', { order: 'asc', limit: 1000 })).toHaveLength(60);
  });

  it('should time out a hanging summarizer and still return a context', async () => {
    const hanging: Summarizer = { summarize: () => new Promise(() => undefined) };
    const { manager, store } = await managerWith(hanging, { timeoutMs: 50 });
    const started = performance.now();
    const { report } = await manager.assemble('c', { scope, budget });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(report.summary.status).toBe('timeout');
    expect(report.sections.recent.items).toBeGreaterThan(0);
    expect(await store.getSummary(scope, 'c')).toBeNull();
  });

  it('should return without waiting in deferred mode and use the summary once compacted', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const extractive = createExtractiveSummarizer({ tokenizer });
    const slow = counting({ summarize: async (options) => (await new Promise((resolve) => setTimeout(resolve, 300)), extractive.summarize(options)) });
    const { manager, store } = await managerWith(slow, { mode: 'deferred' });
    const started = performance.now();
    const first = await manager.assemble('c', { scope, budget });
    expect(performance.now() - started).toBeLessThan(250);
    expect(first.report.summary.status).toBe('deferred');
    expect(slow.calls).toBe(0);

    const compacted = await compactConversation({ store, scope, conversationId: 'c', tokenizer, summarizer: slow, windowStartSeq: first.report.window.fromSeq!, thresholdTokens: 100, maxSummaryTokens: 80, timeoutMs: 2000 });
    expect(compacted.status).toBe('updated');
    const next = await manager.assemble('c', { scope, budget });
    expect(next.report.summary.coversThroughSeq).toBe(compacted.summary!.coversThroughSeq);
    expect(next.report.sections.summary.tokens).toBeGreaterThan(0);
    expect(slow.calls).toBe(1);
  });
});
