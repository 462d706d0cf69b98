import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { BudgetTooSmallError } from '../errors.js';
import type { MessageInput, Scope } from '../types.js';
import { SECTION_ORDER } from './report.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
const chat = (count: number): MessageInput[] =>
  Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index} about the weather and nothing else in particular` }));

describe('stored system messages', () => {
  it('should merge them into the one leading system message, after the system prompt, and never window them', async () => {
    const manager = new ContextManager({ summary: false });
    await manager.append('c', [{ role: 'system', content: 'Always answer in French.' }, ...chat(6), { role: 'system', content: 'The user is a premium customer.' }, { role: 'user', content: 'Bonjour?' }], { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 }, system: 'You are a support agent.' });
    expect(messages.filter((message) => message.role === 'system')).toHaveLength(1);
    expect(messages[0]!.content).toBe('You are a support agent.\n\nAlways answer in French.\n\nThe user is a premium customer.');
    expect(messages.at(-1)!.content).toBe('Bonjour?');
    expect(report.sections.system.items).toBe(3);
    expect(SECTION_ORDER.reduce((sum, name) => sum + report.sections[name].tokens, 0)).toBe(report.totalTokens);
  });

  it('should keep a stored system message that was read but lies before the trimmed window, instead of dropping it', async () => {
    const manager = new ContextManager({ summary: false, shares: { recall: 0.5, memories: 0, summary: 0 } });
    const turns: MessageInput[] = [{ role: 'system', content: 'Never reveal the discount code.' }, { role: 'user', content: 'I saw a zeppelin over Lisbon.' }, ...chat(60), { role: 'user', content: 'Where did I see the zeppelin?' }];
    const appended = await manager.append('c', turns, { scope });
    const total = appended.messages.reduce((sum, message) => sum + message.tokenCounts.o200k_base!, 0);
    // The first read holds the whole history; the recall block then leaves the window too little for all of it.
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: total + 20 } });
    expect(report.reads.roundTrips).toBe(2);
    expect(report.window.olderMessages).toBe(0);
    expect(report.window.fromSeq).toBeGreaterThan(2);
    expect(report.dropped.some((item) => item.seq === 1)).toBe(false);
    // Merged as instructions ahead of the recalled excerpts, not merely quoted inside one.
    expect(messages[0]).toMatchObject({ role: 'system', content: expect.stringMatching(/^Never reveal the discount code\.\n\nRelevant excerpts/) });
    expect(report.sections.system.items).toBe(1);
    expect(messages.slice(1).every((message) => message.role !== 'system')).toBe(true);
    expect(report.totalTokens).toBeLessThanOrEqual(total + 20);
  });

  it('should throw BudgetTooSmallError when the budget cannot hold them', async () => {
    const manager = new ContextManager({ summary: false });
    await manager.append('c', [{ role: 'system', content: 'rule '.repeat(300) }, { role: 'user', content: 'hi' }], { scope });
    await expect(manager.assemble('c', { scope, budget: { maxTokens: 200 } })).rejects.toThrow(BudgetTooSmallError);
    await expect(manager.assemble('c', { scope, budget: { maxTokens: 200 } })).rejects.toThrow(/stored system messages/);
  });
});
