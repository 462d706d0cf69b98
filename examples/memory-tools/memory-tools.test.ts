import { describe, expect, it } from 'vitest';
import { main as aiSdkMain } from './ai-sdk-memory-tools.js';
import { main as langChainMain } from './langchain-memory-tools.js';

describe('examples/memory-tools', () => {
  it('should remember a preference in one AI SDK chat and recall it in the next', async () => {
    const { replies, memories } = await aiSdkMain();
    expect(replies).toEqual(['Noted: Celsius from now on.', 'You prefer Celsius.']);
    expect(memories).toMatchObject([{ key: 'preference.units', text: 'Prefers Celsius.', source: { conversationId: 'chat-1' } }]);
  });

  it("should store the LangChain agent's memory under the runtime user even when the model names another", async () => {
    const { reply, alice, bob } = await langChainMain();
    expect(reply).toBe('Saved your seat preference.');
    expect(alice).toMatchObject([{ key: 'seat', text: 'Prefers window seats.' }]);
    expect(bob).toEqual([]);
  });
});
