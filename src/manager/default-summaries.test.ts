import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { createExtractiveSummarizer } from '../summarize/extractive-summarizer.js';
import type { Summarizer } from '../summarize/summarizer.js';
import type { MessageInput, Scope } from '../types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
const topics = ['the garden', 'tomatoes', 'the trip to Porto', 'the new bike', 'basil and mint'];
const chat = (count: number): MessageInput[] =>
  Array.from({ length: count }, (_, index) => ({
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: `Turn ${index}: we talked about ${topics[index % topics.length]} again. It matters because ${topics[(index + 2) % topics.length]} came up too.`,
  }));

describe('summaries by default', () => {
  it('should build an extractive summarizer with no arguments', async () => {
    const summarizer = createExtractiveSummarizer();
    expect(summarizer.kind).toBe('extractive');
    const { text } = await summarizer.summarize({
      previousSummary: null,
      messages: [{ id: 'a', conversationId: 'c', seq: 1, role: 'user', content: 'I planted tomatoes in the garden.', createdAt: new Date(0), metadata: {}, tags: [], tokenCounts: {}, contentHash: '' }],
      maxTokens: 50,
      signal: new AbortController().signal,
    });
    expect(text).toContain('tomatoes');
  });

  it('should fold turns that fall out of the window into an extractive summary with no summarizer option', async () => {
    const manager = new ContextManager();
    await manager.append('c', [...chat(320), { role: 'user', content: 'What did we say about the garden?' }], { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(report.summary.summarizer).toBe('extractive');
    expect(['updated', 'used']).toContain(report.summary.status);
    expect(report.sections.summary.items).toBe(1);
    expect(report.sections.summary.tokens).toBeGreaterThan(0);
    expect(report.sections.summary.reason).toBeUndefined();
    expect(String(messages[0]!.content)).toContain('Summary of the earlier conversation');
    expect(report.totalTokens).toBeLessThanOrEqual(2000);
  });

  it('should let a given summarizer replace the extractive one', async () => {
    let calls = 0;
    const summarizer: Summarizer = { summarize: async () => (calls++, { text: 'They keep talking about gardening.' }) };
    const manager = new ContextManager({ summarizer });
    await manager.append('c', [...chat(320), { role: 'user', content: 'And the bike?' }], { scope });
    const { report, messages } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(report.summary.summarizer).toBe('custom');
    expect(String(messages[0]!.content)).toContain('They keep talking about gardening.');
  });

  it('should fold a backlog longer than one summarizer call in the background, so later assemblies summarize nothing', async () => {
    let calls = 0;
    const summarizer: Summarizer = { summarize: async () => (calls++, { text: 'They keep talking about gardening.' }) };
    const manager = new ContextManager({ summarizer });
    await manager.append('c', [...chat(320), { role: 'user', content: 'And the bike?' }], { scope });
    const first = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(first.report.summary.status).toBe('updated');
    await manager.settled();
    // 320 turns of ≈ 30 tokens exceed several 4,000-token steps: the rest was folded in the background.
    expect(calls).toBeGreaterThan(1);
    const folded = calls;
    const later = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(later.report.summary.status).toBe('used');
    expect(later.report.summary.coversThroughSeq).toBe(later.report.window.fromSeq! - 1);
    expect(calls).toBe(folded);
  });

  it('should make no summary with summary: false and say it is disabled', async () => {
    const manager = new ContextManager({ summary: false });
    await manager.append('c', [...chat(320), { role: 'user', content: 'And the bike?' }], { scope });
    const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(report.sections.summary).toMatchObject({ items: 0, tokens: 0, reason: 'disabled' });
    expect(report.summary.summarizer).toBeUndefined();
    expect(await manager.store.getSummary(scope, 'c')).toBeNull();
  });
});

describe('why a section is empty', () => {
  it('should say the whole history fits, and that there are no memories', async () => {
    const manager = new ContextManager();
    await manager.append('c', chat(4), { scope });
    await manager.append('c', [{ role: 'user', content: 'hello?' }], { scope });
    const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 4000 } });
    expect(report.sections.summary.reason).toBe('whole history fits');
    expect(report.sections.recall.reason).toBe('whole history fits');
    expect(report.sections.memories.reason).toBe('no memories');
  });

  it('should say a summarizer timed out, and that a share of 0 disables a section', async () => {
    const summarizer: Summarizer = { summarize: () => new Promise(() => undefined) };
    const manager = new ContextManager({ summarizer, summary: { timeoutMs: 20 }, shares: { recall: 0 } });
    await manager.append('c', [...chat(320), { role: 'user', content: 'And the bike?' }], { scope });
    const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(report.sections.summary.reason).toBe('timed out');
    expect(report.sections.recall.reason).toBe('disabled');
  });

  it('should say when no older turns match the query', async () => {
    const manager = new ContextManager({ summary: false });
    await manager.append('c', [...chat(320), { role: 'user', content: 'zeppelin xylophone' }], { scope });
    const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(report.sections.recall.reason).toBe('no matches');
  });
});
