import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storedSummarySource } from './assemble/sections/stored-summary-source.js';
import { ContextManager, type ContextMessage } from './context-manager.js';
import { LLMContextError } from './errors.js';
import type { ContextRead, Store } from './spec/store.js';
import { stopTailAtSummary } from './spec/stop-tail-at-summary.js';
import { createMemoryStore } from './stores/memory/memory-store.js';
import { countPromptTokens, countToolTokens } from './tokens/message-tokens.js';
import type { MessageInput, Scope } from './types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

/** A store proxy that counts the messages every read returns: assembly's cost. */
function countingStore(inner: Store): Store & { messagesRead: number } {
  const counter = { messagesRead: 0 };
  const proxy = Object.create(inner) as Store & { messagesRead: number };
  Object.defineProperty(proxy, 'messagesRead', { get: () => counter.messagesRead });
  proxy.getTail = async (...args) => {
    const result = await inner.getTail(...args);
    counter.messagesRead += result.messages.length;
    return result;
  };
  proxy.listMessages = async (...args) => {
    const result = await inner.listMessages(...args);
    counter.messagesRead += result.length;
    return result;
  };
  return proxy;
}

/**
 * A store with `readContext` (composed from the inner store's reads) that logs every method the
 * manager calls, so a test can see which reads one assembly made.
 */
function readContextStore(inner: Store): Store & { calls: string[] } {
  const calls: string[] = [];
  const proxy = Object.create(inner) as Store & { calls: string[] };
  proxy.calls = calls;
  for (const name of ['getConversation', 'getTail', 'getSummary', 'listMessages', 'searchMessages'] as const) {
    const method = (inner[name] as (...args: unknown[]) => Promise<unknown>).bind(inner);
    (proxy as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push(name);
      return method(...args);
    };
  }
  const memories = inner.memories!;
  proxy.memories = {
    ...memories,
    list: (...args) => (calls.push('memories.list'), memories.list(...args)),
    search: (...args) => (calls.push('memories.search'), memories.search(...args)),
  };
  proxy.readContext = async (readScope, conversationId, options) => {
    calls.push('readContext');
    const [conversation, tail, summary] = await Promise.all([
      inner.getConversation(readScope, conversationId),
      inner.getTail(readScope, conversationId, options),
      inner.getSummary(readScope, conversationId),
    ]);
    if (!conversation) return { conversation: null, tail: { messages: [], reachedStart: true }, summary: null };
    const cut = (read: ContextRead) => (options.stopAtSummary ? stopTailAtSummary(read) : read);
    if (!options.pinnedMemories) return cut({ conversation, tail, summary });
    const pinned = await memories.list(readScope, { pinned: true, limit: options.pinnedMemories });
    const unpinned = await memories.list(readScope, { pinned: false, limit: 1 });
    return cut({ conversation, tail, summary, memories: { pinned: pinned.items, morePinned: pinned.nextCursor !== undefined, unpinned: unpinned.items.length > 0 } });
  };
  return proxy;
}

type Turn = { kind: 'user' | 'assistant'; words: number } | { kind: 'tools'; calls: number; words: number };

function turnsToMessages(turns: readonly Turn[]): MessageInput[] {
  const messages: MessageInput[] = [];
  turns.forEach((turn, index) => {
    const text = Array.from({ length: turn.words }, (_, word) => `w${(index * 7 + word) % 97}`).join(' ');
    if (turn.kind === 'tools') {
      const ids = Array.from({ length: turn.calls }, (_, call) => `call-${index}-${call}`);
      messages.push({ role: 'assistant', content: [{ type: 'text', text }, ...ids.map((id) => ({ type: 'tool-call' as const, toolCallId: id, toolName: 'search', input: { q: text.slice(0, 20) } }))] });
      // Results may arrive in one tool message or several.
      if (turn.calls > 1 && index % 2 === 0) {
        messages.push({ role: 'tool', content: ids.map((id) => ({ type: 'tool-result' as const, toolCallId: id, toolName: 'search', output: { hits: turn.words } })) });
      } else {
        for (const id of ids) messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: id, toolName: 'search', output: text }] });
      }
    } else {
      messages.push({ role: turn.kind, content: text });
    }
  });
  return messages;
}

/** Every tool result follows its call, every call has its results, in the returned prompt. */
function assertToolIntegrity(messages: readonly ContextMessage[]): void {
  const open = new Set<string>();
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call') open.add(part.toolCallId);
      if (part.type === 'tool-result') {
        expect(open.has(part.toolCallId), `orphan tool result ${part.toolCallId}`).toBe(true);
        open.delete(part.toolCallId);
      }
    }
  }
  expect([...open], 'unanswered tool calls').toEqual([]);
}

const turnArbitrary: fc.Arbitrary<Turn> = fc.oneof(
  fc.record({ kind: fc.constantFrom('user' as const, 'assistant' as const), words: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ kind: fc.constant('tools' as const), calls: fc.integer({ min: 1, max: 3 }), words: fc.integer({ min: 1, max: 60 }) }),
);

describe('ContextManager.assemble', () => {
  it('should report section tokens that sum exactly to an independent count, within budget, with tool groups intact', async () => {
    const tokenizer = await new ContextManager().getTokenizer();
    await fc.assert(
      fc.asyncProperty(
        fc.array(turnArbitrary, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 150, max: 3000 }),
        fc.option(fc.string({ minLength: 1, maxLength: 200 }), { nil: undefined }),
        fc.boolean(),
        async (turns, maxTokens, system, withTools) => {
          const manager = new ContextManager();
          const messages = [...turnsToMessages(turns), { role: 'user' as const, content: 'what now?' }];
          await manager.append('c', messages, { scope });
          const tools = withTools ? [{ name: 'search', description: 'Search the web', parameters: { type: 'object', properties: { q: { type: 'string' } } } }] : undefined;
          let result;
          try {
            result = await manager.assemble('c', { scope, budget: { maxTokens }, ...(system ? { system } : {}), ...(tools ? { tools } : {}) });
          } catch (error) {
            // Only a budget too small for the fixed parts may fail, with its typed error.
            expect(LLMContextError.isInstance(error) && error.code === 'budget_too_small').toBe(true);
            return;
          }
          const { messages: prompt, report } = result;
          const independent = countPromptTokens(tokenizer, prompt) + (tools ? countToolTokens(tokenizer, tools) : 0);
          const sectionSum = Object.values(report.sections).reduce((sum, section) => sum + section.tokens, 0);
          expect(sectionSum).toBe(independent);
          expect(report.totalTokens).toBe(independent);
          expect(report.totalTokens).toBeLessThanOrEqual(maxTokens);
          assertToolIntegrity(prompt);
          expect(prompt.at(-1)).toMatchObject({ role: 'user', content: 'what now?' });
          const nonSystem = prompt.filter((message) => message.role !== 'system' || message.id !== undefined);
          if (nonSystem.length > 1) expect(nonSystem[0]!.role).toBe('user');
          if (system) expect(prompt[0]).toMatchObject({ role: 'system' });
          if (system) expect(String(prompt[0]!.content)).toContain(system);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('should keep the newest turns in order and report what was dropped', async () => {
    const manager = new ContextManager({ summary: false });
    const turns = Array.from({ length: 50 }, (_, index): MessageInput => ({ id: `m${index}`, role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index} ${'lorem ipsum '.repeat(10)}` }));
    await manager.append('c', turns, { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 400 } });
    const ids = messages.map((message) => message.id);
    const seqs = ids.map((id) => Number(id!.slice(1)));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The newest message is an assistant reply: no current user turn, the window still starts on a user turn.
    expect(ids.at(-1)).toBe('m49');
    expect(seqs[0]! % 2).toBe(0);
    expect(report.window.toSeq).toBe(50);
    expect(report.sections.current.items).toBe(0);
    expect(report.totalTokens).toBeLessThanOrEqual(400);
    expect(report.window.olderMessages).toBeGreaterThan(0);
  });

  it('should drop a single oversized message whole, say so, and keep older turns', async () => {
    const manager = new ContextManager({ summary: false });
    await manager.append('c', [
      { id: 'old-q', role: 'user', content: 'old question' },
      { id: 'old-a', role: 'assistant', content: 'old answer' },
      { id: 'huge', role: 'user', content: 'big '.repeat(2000) },
      { id: 'reply', role: 'assistant', content: 'ok' },
      { id: 'now', role: 'user', content: 'and now?' },
    ], { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 300 } });
    expect(messages.map((message) => message.id)).toEqual(['old-q', 'old-a', 'reply', 'now']);
    expect(report.dropped).toContainEqual(expect.objectContaining({ messageId: 'huge', reason: 'too-large' }));
  });

  it('should never start on a tool result whose call fell out of the window', async () => {
    const manager = new ContextManager();
    await manager.append('c', [
      { role: 'user', content: 'look it up' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'x', toolName: 'lookup', input: { q: 'a'.repeat(400) } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'x', toolName: 'lookup', output: 'b '.repeat(400) }] },
      { role: 'assistant', content: 'found it' },
      { role: 'user', content: 'thanks' },
    ], { scope });
    const { messages } = await manager.assemble('c', { scope, budget: { maxTokens: 200 } });
    assertToolIntegrity(messages);
    expect(messages.some((message) => message.role === 'tool')).toBe(false);
  });

  it('should read only the tail it needs, however long the history', async () => {
    const reads: number[] = [];
    for (const length of [200, 5000]) {
      const store = countingStore(createMemoryStore());
      const manager = new ContextManager({ store, summary: false });
      const batch = Array.from({ length }, (_, index): MessageInput => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `message about topic ${index % 10}` }));
      for (let start = 0; start < length; start += 1000) await manager.append('c', batch.slice(start, start + 1000), { scope });
      await manager.append('c', [{ role: 'user', content: 'latest question' }], { scope });
      const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 1000 } });
      reads.push(store.messagesRead);
      expect(report.reads.messages).toBe(store.messagesRead);
    }
    expect(reads[1]).toBe(reads[0]);
    expect(reads[1]).toBeLessThan(200);
  });

  it('should make one store read when the store has readContext, using its summary and pinned memories', async () => {
    const store = readContextStore(createMemoryStore());
    const manager = new ContextManager({ store, sources: { summary: storedSummarySource } });
    // Tool exchanges all along, so the tail read's oldest unit is often a cut tool group.
    const turns = turnsToMessages(Array.from({ length: 120 }, (_, index): Turn => (index % 3 === 2 ? { kind: 'tools', calls: 1, words: 40 } : { kind: index % 3 === 0 ? 'user' : 'assistant', words: 25 })));
    await manager.append('c', turns, { scope });
    for (let maxTokens = 300; maxTokens <= 3000; maxTokens += 13) {
      store.calls.length = 0;
      const { report } = await manager.assemble('c', { scope, budget: { maxTokens } });
      expect(store.calls, `budget ${maxTokens}`).toEqual(['readContext']);
      expect(report.reads.roundTrips).toBe(1);
    }
    await manager.memories.put({ text: 'The user prefers metric units.', pinned: true }, { scope });
    await store.putSummary(scope, 'c', { text: 'Earlier they planned a trip.', coversThroughSeq: 10, tokenCount: 7, encoding: 'o200k_base', updatedAt: new Date() }, { expectedCoversThroughSeq: null });
    for (const maxTokens of [600, 900, 1500, 2500]) {
      store.calls.length = 0;
      const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens } });
      expect(store.calls, `budget ${maxTokens}`).toEqual(['readContext']);
      expect(report.reads.roundTrips).toBe(1);
      expect(report.summary.status).toBe('used');
      expect(String(messages[0]!.content)).toContain('metric units');
      expect(String(messages[0]!.content)).toContain('planned a trip');
      assertToolIntegrity(messages);
    }
    // A user turn to answer: no unpinned memory exists, so memories are not searched.
    await manager.append('c', [{ role: 'user', content: 'Which units do I prefer?' }], { scope });
    store.calls.length = 0;
    await manager.assemble('c', { scope, budget: { maxTokens: 900 } });
    expect(store.calls).not.toContain('memories.search');
    expect(store.calls).not.toContain('memories.list');
    await manager.memories.put({ text: 'The user lives in Lisbon.', pinned: false }, { scope });
    store.calls.length = 0;
    await manager.assemble('c', { scope, budget: { maxTokens: 900 } });
    expect(store.calls).toContain('memories.search');
  });

  it('should assemble the same prompt when the first read stops at the summary as when it reads the whole budget', async () => {
    // One history, two stores over it: with readContext (its tail stops at the summary) and without.
    const inner = createMemoryStore();
    const withStop = readContextStore(inner);
    const turns = turnsToMessages(Array.from({ length: 90 }, (_, index): Turn => (index % 4 === 3 ? { kind: 'tools', calls: 1 + (index % 2), words: 30 } : { kind: index % 2 === 0 ? 'user' : 'assistant', words: 20 + (index % 5) * 6 })));
    await new ContextManager({ store: inner }).append('c', turns, { scope });
    const lastSeq = (await inner.getConversation(scope, 'c'))!.lastSeq;
    const stopped = new ContextManager({ store: withStop, sources: { summary: storedSummarySource } });
    const whole = new ContextManager({ store: inner, sources: { summary: storedSummarySource } });
    let continued = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300, max: 5000 }),
        fc.integer({ min: 0, max: lastSeq }),
        // A summary that fits its cap, or one far over it (assembly then drops it and reads on).
        fc.constantFrom(5, 3000),
        async (maxTokens, coversThroughSeq, words) => {
          const stored = await inner.getSummary(scope, 'c');
          const text = Array.from({ length: words }, (_, index) => `fact${index}`).join(' ');
          await inner.putSummary(scope, 'c', { text, coversThroughSeq, tokenCount: words * 2, encoding: 'o200k_base', updatedAt: new Date(0) }, { expectedCoversThroughSeq: stored?.coversThroughSeq ?? null });
          const a = await stopped.assemble('c', { scope, budget: { maxTokens } });
          const b = await whole.assemble('c', { scope, budget: { maxTokens } });
          expect(a.messages).toEqual(b.messages);
          expect(a.report.sections).toEqual(b.report.sections);
          expect(a.report.totalTokens).toBe(b.report.totalTokens);
          if (a.report.reads.roundTrips > 1) continued += 1;
        },
      ),
      { numRuns: 60, seed: 7 },
    );
    // Some cases needed older turns than the first read held (summary over its cap, or covering little).
    expect(continued).toBeGreaterThan(0);
  });

  it('should put memories, summary and recall in one leading system message with exact section counts', async () => {
    const tokenizer = await new ContextManager().getTokenizer();
    const manager = new ContextManager({
      sources: {
        memories: async () => ({ pinned: [memory('m1', 'The user is vegetarian.', true)], relevant: [memory('m2', 'The user lives in Lisbon.', false)] }),
        summary: async ({ windowStartSeq }) => ({ summary: { text: 'They discussed travel plans.', coversThroughSeq: windowStartSeq - 1, tokenCount: 6, encoding: 'o200k_base', updatedAt: new Date() }, status: 'used' }),
        recall: async ({ store, scope: recallScope, conversationId }) => ({
          excerpts: [{ conversationId, messages: await store.listMessages(recallScope, conversationId, { order: 'asc', afterSeq: 1, limit: 2 }) }],
        }),
      },
    });
    await manager.append('c', Array.from({ length: 61 }, (_, index): MessageInput => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index} ${'filler words '.repeat(8)}` })), { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 800 }, system: 'You are helpful.' });
    const system = String(messages[0]!.content);
    expect(messages[0]!.role).toBe('system');
    expect(system.indexOf('You are helpful.')).toBeLessThan(system.indexOf('vegetarian'));
    expect(system.indexOf('vegetarian')).toBeLessThan(system.indexOf('travel plans'));
    expect(system.indexOf('travel plans')).toBeLessThan(system.indexOf('turn 1 '));
    expect(report.sections.memories.items).toBe(2);
    expect(report.sections.recall.items).toBe(2);
    expect(report.summary.status).toBe('used');
    expect(report.memories.map((entry) => entry.id)).toEqual(['m1', 'm2']);
    expect(report.memories[0]!.source).toEqual({ conversationId: 'c', messageIds: ['x'] });
    expect(Object.values(report.sections).reduce((sum, section) => sum + section.tokens, 0)).toBe(countPromptTokens(tokenizer, messages));
    for (const name of ['memories', 'summary', 'recall'] as const) expect(report.sections[name].tokens).toBeLessThanOrEqual(report.sections[name].cap!);
  });

  it('should fall back to plain trimming and say why when a source throws', async () => {
    const manager = new ContextManager({ sources: { summary: async () => { throw new Error('model down: secret user text'); } } });
    await manager.append('c', Array.from({ length: 41 }, (_, index): MessageInput => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index} ${'x y z '.repeat(20)}` })), { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 500 } });
    expect(report.summary.status).toBe('failed');
    expect(report.notes.join(' ')).toContain('summary source failed');
    expect(report.notes.join(' ')).not.toContain('secret user text');
    expect(messages.at(-1)?.role).toBe('user');
  });

  it.each([
    ['zero', { maxTokens: 0 }],
    ['negative', { maxTokens: -5 }],
    ['NaN', { maxTokens: Number.NaN }],
    ['Infinity', { maxTokens: Number.POSITIVE_INFINITY }],
    ['fractional', { maxTokens: 10.5 }],
    ['missing', {}],
    ['an unknown model', { model: 'no-such-model' }],
    ['a reserve as large as the budget', { maxTokens: 100, reserveOutput: 100 }],
  ])('should reject a %s budget with a typed error', async (_label, budget) => {
    const manager = new ContextManager();
    await manager.append('c', [{ role: 'user', content: 'hi' }], { scope });
    await expect(manager.assemble('c', { scope, budget })).rejects.toMatchObject({ code: 'invalid_budget' });
  });

  it('should take the context window from the model table and reserve output', async () => {
    const manager = new ContextManager();
    await manager.append('c', [{ role: 'user', content: 'hi' }], { scope });
    const { report } = await manager.assemble('c', { scope, budget: { model: 'openai/gpt-4o-2024-08-06', reserveOutput: 1000 } });
    expect(report.budget).toMatchObject({ maxTokens: 128_000, reserveOutput: 1000, available: 127_000, exactTokenizer: true });
    const claude = await manager.assemble('c', { scope, budget: { model: 'claude-sonnet-4-5' } });
    expect(claude.report.budget.exactTokenizer).toBe(false);
  });

  it('should throw BudgetTooSmallError when the current turn cannot fit', async () => {
    const manager = new ContextManager();
    await manager.append('c', [{ role: 'user', content: 'long '.repeat(500) }], { scope });
    await expect(manager.assemble('c', { scope, budget: { maxTokens: 50 } })).rejects.toMatchObject({ code: 'budget_too_small' });
  });

  it('should not find a conversation of another scope', async () => {
    const manager = new ContextManager();
    await manager.append('c', [{ role: 'user', content: 'hi' }], { scope });
    await expect(manager.assemble('c', { scope: { tenantId: 'other' }, budget: { maxTokens: 100 } })).rejects.toMatchObject({ code: 'not_found' });
  });
});

function memory(id: string, text: string, pinned: boolean) {
  return {
    id,
    tenantId: 't',
    userId: 'u',
    text,
    tags: [],
    pinned,
    source: { conversationId: 'c', messageIds: ['x'] },
    metadata: {},
    tokenCounts: {},
    contentHash: '0'.repeat(64),
    createdAt: new Date(),
    updatedAt: new Date(),
    shared: false,
    validFrom: new Date(),
  };
}
