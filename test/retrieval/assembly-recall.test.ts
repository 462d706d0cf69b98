import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ContextManager, type AssembleResult } from '../../src/context-manager.js';
import { createRecallSource } from '../../src/assemble/sections/recall-source.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { countPromptTokens, getTokenizer } from '../../src/tokens/index.js';
import type { MessageInput, Scope } from '../../src/types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
const FILLER = ['How was the day?', 'Busy but fine.', 'Anything planned for tonight?', 'Maybe a film.', 'Which one?', 'Not sure yet, something light.'];

/** 60 turns of small talk with one distinctive fact at turn 12, then a question about it. */
function history(): MessageInput[] {
  const turns: MessageInput[] = Array.from({ length: 60 }, (_, index) => ({
    id: `m${index + 1}`,
    role: index % 2 === 0 ? 'user' : 'assistant',
    name: index % 2 === 0 ? 'Ana' : 'Ben',
    content: index === 11 ? 'My sister Lucia just opened a bakery in Porto called Miga.' : `${FILLER[index % FILLER.length]} #${index + 1}`,
    createdAt: new Date(Date.UTC(2025, 0, 1 + Math.floor(index / 10), 12, index)),
  }));
  return turns;
}

async function setup(options: { recallShare?: number; neighbours?: { before: number; after: number } } = {}) {
  const manager = new ContextManager({
    store: createMemoryStore(),
    shares: { recall: options.recallShare ?? 0.5, memories: 0, summary: 0 },
    recall: { neighbours: options.neighbours ?? { before: 1, after: 1 } },
    sources: { recall: createRecallSource() },
  });
  await manager.append('c', history(), { scope });
  await manager.append('c', [{ id: 'q', role: 'user', content: 'What is the name of the bakery your sister opened?' }], { scope });
  return manager;
}

function systemText(result: AssembleResult): string {
  const first = result.messages[0];
  return first?.role === 'system' && typeof first.content === 'string' ? first.content : '';
}

describe('assembly with recall (ContextManager + createRecallSource)', () => {
  it('should recall a matching old turn with its neighbours in a marked block', async () => {
    const manager = await setup();
    const result = await manager.assemble('c', { scope, budget: { maxTokens: 300 } });
    const text = systemText(result);
    expect(text).toContain('Relevant excerpts from earlier in the conversation');
    expect(text).toContain('Ben: My sister Lucia just opened a bakery in Porto called Miga.');
    expect(result.report.recall).toEqual([{ conversationId: 'c', seqs: [11, 12, 13] }]);
    expect(result.messages.at(-1)).toMatchObject({ id: 'q', role: 'user' });
  });

  it('should not repeat anything the recent window already holds', async () => {
    const manager = await setup({ recallShare: 0.3 });
    for (const maxTokens of [200, 400, 800, 1600]) {
      const { report, messages } = await manager.assemble('c', { scope, budget: { maxTokens } });
      const windowFrom = report.window.fromSeq ?? Number.MAX_SAFE_INTEGER;
      for (const excerpt of report.recall) for (const seq of excerpt.seqs) expect(seq).toBeLessThan(windowFrom);
      const ids = messages.map((message) => message.id).filter(Boolean);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('should skip recall when the whole history fits', async () => {
    const manager = await setup();
    const { report } = await manager.assemble('c', { scope, budget: { maxTokens: 100_000 } });
    expect(report.recall).toEqual([]);
    expect(report.window.fromSeq).toBe(1);
  });

  it('should hold the recall cap, give what recall leaves to recent turns, and keep the report exact', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const manager = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 120, max: 1500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        async (maxTokens, recallShare, before, after) => {
          const result = await manager.assemble('c', { scope, budget: { maxTokens }, shares: { recall: recallShare, memories: 0, summary: 0 }, recall: { neighbours: { before, after } } });
          const { report } = result;
          const sum = Object.values(report.sections).reduce((total, section) => total + section.tokens, 0);
          expect(sum).toBe(report.totalTokens);
          expect(countPromptTokens(tokenizer, result.messages)).toBe(report.totalTokens);
          expect(report.totalTokens).toBeLessThanOrEqual(maxTokens);
          expect(report.sections.recall.tokens).toBeLessThanOrEqual(report.sections.recall.cap ?? 0);
          if (report.sections.recall.tokens === 0) expect(systemText(result)).not.toContain('Relevant excerpts');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('should give the recent window more turns when recall finds nothing', async () => {
    const manager = await setup();
    await manager.append('c', [{ id: 'q2', role: 'user', content: 'zzz qqq xxyyzz' }], { scope });
    const none = await manager.assemble('c', { scope, budget: { maxTokens: 400 }, shares: { recall: 0.5, memories: 0, summary: 0 } });
    const noRecall = await manager.assemble('c', { scope, budget: { maxTokens: 400 }, shares: { recall: 0, memories: 0, summary: 0 } });
    expect(none.report.recall).toEqual([]);
    expect(none.report.sections.recent.items).toBe(noRecall.report.sections.recent.items);
  });
});
