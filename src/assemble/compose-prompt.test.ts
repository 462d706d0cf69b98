import { describe, expect, it } from 'vitest';
import { storedMessages } from '../../test/support/stored-messages.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import { countPromptTokens } from '../tokens/message-tokens.js';
import { composePrompt } from './compose-prompt.js';
import { findCurrentTurn, olderUnits } from './current-turn.js';
import { createMessageCounter } from './message-counter.js';
import { capSections, planBudget } from './plan-budget.js';
import { SECTION_ORDER } from './report.js';
import { groupIntoUnits } from './tool-groups.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const messages = await storedMessages(
  Array.from({ length: 7 }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${index + 1}: ${'words '.repeat(index + 3)}` })),
  { tokenizer },
);
const units = groupIntoUnits(messages, createMessageCounter(tokenizer).tokensOf);
const current = findCurrentTurn(units)!;
const older = olderUnits(units, current);

function compose(maxTokens: number) {
  const plan = planBudget({ budget: { maxTokens }, tokenizer, system: 'Be brief.' });
  const caps = capSections(plan, { currentTokens: current.tokens, hasCurrent: true });
  const blocks = [{ section: 'system' as const, text: 'Be brief.' }, { section: 'summary' as const, text: 'Summary of the earlier conversation:\nnothing much' }];
  return composePrompt({ tokenizer, plan, caps, blocks, units: older, current, items: { memories: 0, summary: 1, recall: 0 }, toolCount: 0 });
}

describe('composePrompt', () => {
  it('should lead with one system message, end with the current turn, and report sections that sum to the exact count', () => {
    const prompt = compose(10_000);
    expect(prompt.messages[0]).toEqual({ role: 'system', content: expect.stringContaining('Be brief.\n\nSummary of the earlier conversation') });
    expect(prompt.messages.at(-1)?.id).toBe(current.messages[0]!.id);
    expect(prompt.messages).toHaveLength(1 + messages.length);
    expect(SECTION_ORDER.reduce((sum, name) => sum + prompt.sections[name].tokens, 0)).toBe(prompt.totalTokens);
    expect(countPromptTokens(tokenizer, prompt.messages.map((message) => ({ role: message.role, content: message.content })))).toBe(prompt.totalTokens);
    expect(prompt.sections.summary.items).toBe(1);
    expect(prompt.dropped).toEqual([]);
  });

  it('should give up the oldest window units until the exact count fits the budget', () => {
    const full = compose(10_000).totalTokens;
    const prompt = compose(full - 1);
    expect(prompt.totalTokens).toBeLessThanOrEqual(full - 1);
    expect(prompt.dropped.length).toBeGreaterThan(0);
    expect(prompt.dropped.every((item) => item.section === 'recent' && item.reason === 'budget')).toBe(true);
    expect(prompt.dropped[0]!.seq).toBe(1);
    expect(prompt.units[0]!.messages[0]!.seq).toBe(prompt.dropped.at(-1)!.seq! + 1);
  });
});
