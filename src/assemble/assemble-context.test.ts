import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { prepareMessages } from '../messages/prepare.js';
import { createRecallSource } from './sections/recall-source.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { MessageInput, Scope } from '../types.js';
import { assembleContext, type AssemblyContext } from './assemble-context.js';
import { SECTION_ORDER } from './report.js';
import { storedSummarySource } from './sections/stored-summary-source.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const scope: Scope = { tenantId: 't', userId: 'u' };

async function context(inputs: MessageInput[]): Promise<AssemblyContext> {
  const store = createMemoryStore();
  await store.createConversation(scope, { id: 'c' });
  await store.appendMessages(scope, 'c', await prepareMessages(inputs, { tokenizer }), {});
  return {
    store,
    tokenizer,
    sources: { memories: async () => ({ pinned: [], relevant: [] }), summary: storedSummarySource, recall: createRecallSource() },
  };
}

const history: MessageInput[] = [
  { role: 'user', content: 'My parcel tracking number is ZX-4471, it went to Lisbon.' },
  { role: 'assistant', content: 'Noted, ZX-4471 to Lisbon.' },
  ...Array.from({ length: 40 }, (_, index): MessageInput => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `small talk ${index} about the weather and football scores` })),
  { role: 'user', content: 'What was my tracking number?' },
];

describe('assembleContext', () => {
  it('should run the stages end to end: a recall block for the old fact, recent turns, the current turn, an exact report', async () => {
    const ctx = await context(history);
    const { messages, report } = await assembleContext(ctx, 'c', { scope, budget: { maxTokens: 400 }, system: 'Be brief.' });
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toContain('ZX-4471');
    expect(messages.at(-1)!.content).toBe('What was my tracking number?');
    expect(report.recall[0]!.seqs).toContain(1);
    expect(SECTION_ORDER.reduce((sum, name) => sum + report.sections[name].tokens, 0)).toBe(report.totalTokens);
    expect(report.totalTokens).toBeLessThanOrEqual(400);
    expect(report.reads.roundTrips).toBe(2);
    expect(report.window.olderMessages).toBeGreaterThan(0);
  });

  it('should apply the calibration factor of the budget to the whole plan', async () => {
    const ctx = await context(history);
    const plain = await assembleContext(ctx, 'c', { scope, budget: { maxTokens: 600 } });
    const calibrated = await assembleContext(ctx, 'c', { scope, budget: { maxTokens: 600, calibrationFactor: 1.5 } });
    expect(calibrated.report.budget.maxTokens).toBe(400);
    expect(calibrated.report.totalTokens).toBeLessThanOrEqual(400);
    expect(calibrated.report.window.messages).toBeLessThan(plain.report.window.messages);
  });

  it('should take the defaults for shares and let the call override them', async () => {
    const ctx = { ...(await context(history)), defaults: { shares: { recall: 0 } } };
    expect((await assembleContext(ctx, 'c', { scope, budget: { maxTokens: 400 } })).report.sections.recall.cap).toBe(0);
    expect((await assembleContext(ctx, 'c', { scope, budget: { maxTokens: 400 }, shares: { recall: 0.5 } })).report.sections.recall.cap).toBeGreaterThan(0);
  });

  it('should throw NotFoundError for an unknown conversation and a typed error for a bad scope', async () => {
    const ctx = await context(history);
    await expect(assembleContext(ctx, 'nope', { scope, budget: { maxTokens: 400 } })).rejects.toThrow(NotFoundError);
    await expect(assembleContext(ctx, 'c', { scope: {} as Scope, budget: { maxTokens: 400 } })).rejects.toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});
