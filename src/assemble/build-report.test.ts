import { describe, expect, it } from 'vitest';
import { storedMessages } from '../../test/support/stored-messages.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Conversation, Memory } from '../types.js';
import { buildReport } from './build-report.js';
import { composePrompt } from './compose-prompt.js';
import { findCurrentTurn, olderUnits } from './current-turn.js';
import { createMessageCounter } from './message-counter.js';
import { capSections, planBudget } from './plan-budget.js';
import { groupIntoUnits } from './tool-groups.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });

describe('buildReport', () => {
  it('should report the budget, the window range, older messages, the summary, provenance and reads', async () => {
    const messages = await storedMessages([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }], { tokenizer, firstSeq: 8 });
    const units = groupIntoUnits(messages, createMessageCounter(tokenizer).tokensOf);
    const current = findCurrentTurn(units);
    const plan = planBudget({ budget: { model: 'gpt-4o', maxTokens: 5000, reserveOutput: 500 }, tokenizer });
    const caps = capSections(plan, { currentTokens: current!.tokens, hasCurrent: true });
    const prompt = composePrompt({ tokenizer, plan, caps, blocks: [], units: olderUnits(units, current), current, items: { memories: 0, summary: 0, recall: 0 }, toolCount: 0 });
    const memory = { id: 'm1', key: 'city', pinned: true, source: { conversationId: 'c', messageIds: ['x'] } } as unknown as Memory;
    const report = buildReport({
      budget: plan.budget,
      encoding: 'o200k_base',
      prompt,
      current,
      conversation: { messageCount: 10 } as Conversation,
      historyLength: 3,
      summary: { summary: { text: 's', coversThroughSeq: 7 } as never, status: 'used', note: 'n' },
      summaryUsed: true,
      memories: [memory],
      excerpts: [{ conversationId: 'c', messages: messages.slice(0, 1) }],
      dropped: [{ section: 'recent', reason: 'budget', seq: 1, tokens: 4 }],
      reads: { messages: 3, roundTrips: 1 },
      notes: ['a note'],
    });
    expect(report.budget).toEqual({ maxTokens: 5000, reserveOutput: 500, available: 4500, model: 'gpt-4o', encoding: 'o200k_base', exactTokenizer: true });
    expect(report.totalTokens).toBe(prompt.totalTokens);
    expect(report.window).toEqual({ fromSeq: 8, toSeq: 10, messages: 3, olderMessages: 7 });
    expect(report.summary).toEqual({ status: 'used', coversThroughSeq: 7, note: 'n' });
    expect(report.memories).toEqual([{ id: 'm1', key: 'city', pinned: true, shared: false, source: { conversationId: 'c', messageIds: ['x'] } }]);
    expect(report.recall).toEqual([{ conversationId: 'c', seqs: [8] }]);
    expect(report.reads).toEqual({ messages: 3, roundTrips: 1 });
    expect(report.notes).toEqual(['a note']);
    expect(report.dropped).toHaveLength(1);
  });

  it('should leave coversThroughSeq out when the summary was not placed', async () => {
    const plan = planBudget({ budget: { maxTokens: 1000 }, tokenizer });
    const prompt = composePrompt({ tokenizer, plan, caps: capSections(plan, { currentTokens: 0, hasCurrent: false }), blocks: [], units: [], current: undefined, items: { memories: 0, summary: 0, recall: 0 }, toolCount: 0 });
    const report = buildReport({
      budget: plan.budget, encoding: 'o200k_base', prompt, current: undefined, conversation: { messageCount: 0 } as Conversation, historyLength: 0,
      summary: { summary: { text: 's', coversThroughSeq: 7 } as never, status: 'used' }, summaryUsed: false, memories: [], excerpts: [], dropped: [], reads: { messages: 0, roundTrips: 2 }, notes: [],
    });
    expect(report.summary).toEqual({ status: 'used' });
    expect(report.window).toEqual({ fromSeq: null, toSeq: null, messages: 0, olderMessages: 0 });
  });
});
