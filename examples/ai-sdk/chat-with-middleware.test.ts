import { describe, expect, it } from 'vitest';
import { main } from './chat-with-middleware.js';

describe('examples/ai-sdk/chat-with-middleware', () => {
  it('should answer from the tool, store both turns once and send the instructions first', async () => {
    const { replies, stored, prompts } = await main();
    expect(replies).toEqual(['It is 21°C in Paris.', 'Noted.']);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
    expect(prompts).toHaveLength(3);
    for (const prompt of prompts) expect(prompt[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You are a concise assistant.') });
    // The streamed turn's prompt was rebuilt from the store: it still holds the first turn.
    expect(JSON.stringify(prompts[2])).toContain('It is 21°C in Paris.');
  });
});
