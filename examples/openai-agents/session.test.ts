import { describe, expect, it } from 'vitest';
import { main } from './session.js';

describe('examples/openai-agents', () => {
  it('should resume the approved run, store every item once and send the whole history next turn', async () => {
    const { replies, interruptions, stored, lastInput } = await main();
    expect(interruptions).toBe(1);
    expect(replies).toEqual(['Your order A-1001 has been refunded.', 'You are welcome!']);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
    expect(new Set(stored.map((message) => message.id)).size).toBe(stored.length);
    expect(lastInput.map((item) => ('type' in item ? item.type : 'message'))).toEqual(['message', 'function_call', 'function_call_result', 'message', 'message']);
  });
});
