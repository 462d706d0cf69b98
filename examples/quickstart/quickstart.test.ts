import { describe, expect, it } from 'vitest';
import { quickstart } from './quickstart.js';

describe('README quick start', () => {
  it('should assemble the system prompt and the three turns with an exact report', async () => {
    const { messages, report } = await quickstart();
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(report.budget.available).toBe(127_000);
    expect(report.totalTokens).toBe(Object.values(report.sections).reduce((sum, section) => sum + section.tokens, 0));
  });
});
