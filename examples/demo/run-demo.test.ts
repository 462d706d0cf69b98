import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { generateSupportChat } from './support-chat.js';

describe('the demo support chat', () => {
  it('should be deterministic, 200+ turns, with tool calls, and assemble under 2,000 tokens with tool groups intact', async () => {
    const messages = generateSupportChat();
    expect(generateSupportChat()).toEqual(messages);
    expect(messages.length).toBeGreaterThanOrEqual(200);
    expect(messages.filter((message) => message.role === 'tool').length).toBeGreaterThan(20);
    const manager = new ContextManager();
    const scope = { tenantId: 'demo' };
    await manager.append('support-chat', messages, { scope });
    const { messages: prompt, report } = await manager.assemble('support-chat', { scope, budget: { maxTokens: 2000 }, system: 'You are Acme support.' });
    expect(report.totalTokens).toBeLessThanOrEqual(2000);
    expect(report.totalTokens).toBeGreaterThan(1500);
    expect(prompt.at(-1)?.content).toContain('which refunds have I asked for');
    const calls = new Set<string>();
    for (const message of prompt) {
      if (typeof message.content === 'string') continue;
      for (const part of message.content) {
        if (part.type === 'tool-call') calls.add(part.toolCallId);
        if (part.type === 'tool-result') expect(calls.has(part.toolCallId)).toBe(true);
      }
    }
  });
});
