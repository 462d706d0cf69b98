import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { getTokenizer } from '../tokens/index.js';
import { capSections, planBudget } from './plan-budget.js';
import { classifyTurn, TURN_SHARES } from './turn-shares.js';

describe('classifyTurn', () => {
  it('should take a question naming something or pointing back as a question about earlier turns', () => {
    expect(classifyTurn('What did Melanie paint recently?')).toBe('question about earlier turns');
    expect(classifyTurn('When did I order the router?')).toBe('question about earlier turns');
    expect(classifyTurn('which refunds have I asked for so far, and is my ticket still open?')).toBe('question about earlier turns');
  });

  it('should take a short turn leaning on the last exchange as a follow-up', () => {
    expect(classifyTurn('Why?')).toBe('follow-up');
    expect(classifyTurn('and the other one?')).toBe('follow-up');
    expect(classifyTurn('Can you make it shorter?')).toBe('follow-up');
  });

  it('should take anything else as a statement', () => {
    expect(classifyTurn('Please write a haiku about autumn leaves falling slowly.')).toBe('statement');
    expect(classifyTurn('')).toBe('statement');
    expect(classifyTurn('Thanks!')).toBe('statement');
  });
});

describe('adaptive default shares', () => {
  it('should give recall the larger cap for a question about earlier turns and the window more for a follow-up, unless shares are given', async () => {
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const plan = planBudget({ budget: { maxTokens: 2000 }, tokenizer });
    const question = capSections(plan, { currentTokens: 10, hasCurrent: true, turnText: 'What did Melanie paint last summer?' });
    const followUp = capSections(plan, { currentTokens: 10, hasCurrent: true, turnText: 'and why?' });
    expect(question.shares).toEqual({ ...TURN_SHARES['question about earlier turns'], basis: 'question about earlier turns' });
    expect(question.recall).toBe(Math.floor(question.rest * 0.8));
    expect(followUp.recall).toBeLessThan(question.recall);
    expect(followUp.rest - followUp.memories - followUp.summary - followUp.recall).toBeGreaterThan(question.rest - question.memories - question.summary - question.recall);

    const given = planBudget({ budget: { maxTokens: 2000 }, tokenizer, shares: { recall: 0.3 } });
    const caps = capSections(given, { currentTokens: 10, hasCurrent: true, turnText: 'What did Melanie paint last summer?' });
    expect(caps.shares).toEqual({ memories: 0.15, summary: 0.2, recall: 0.3, basis: 'given' });

    // Only a question about earlier turns lets recall reach into what memories and summary leave.
    expect(question.recallReach).toBe(question.recall + question.memories + question.summary);
    expect(followUp.recallReach).toBeUndefined();
    expect(capSections(plan, { currentTokens: 10, hasCurrent: true, turnText: 'Please write a haiku.' }).recallReach).toBeUndefined();
    expect(caps.recallReach).toBeUndefined();
  });

  it('should report the shares and their basis, and keep the manager\'s explicit shares as given', async () => {
    const scope = { tenantId: 't' };
    const history = Array.from({ length: 60 }, (_, index) => ({ role: (index % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant', content: `Turn ${index} talks about the garden, the weather and the weekend plans in some detail.` }));
    const adaptive = new ContextManager();
    await adaptive.append('c', [...history, { role: 'user', content: 'What did we say about the garden before?' }], { scope });
    const { report } = await adaptive.assemble('c', { scope, budget: { maxTokens: 800 } });
    expect(report.shares?.basis).toBe('question about earlier turns');
    expect(report.sections.recall.cap).toBeGreaterThan(400);

    const fixed = new ContextManager({ shares: { recall: 0.25 } });
    await fixed.append('c', [...history, { role: 'user', content: 'What did we say about the garden before?' }], { scope });
    const { report: fixedReport } = await fixed.assemble('c', { scope, budget: { maxTokens: 800 } });
    expect(fixedReport.shares).toEqual({ memories: 0.15, summary: 0.2, recall: 0.25, basis: 'given' });
    expect(fixedReport.sections.recall.cap).toBeLessThan(200);
  });
});
