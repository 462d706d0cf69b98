import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import type { MemoryExtractor } from '../memories/extract-memories.js';
import type { Scope } from '../types.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

/** Proposes "lives in X" for every user turn naming a city: a deterministic stand-in for an LLM extractor. */
const cityExtractor: MemoryExtractor = {
  extract: async ({ messages }) =>
    messages.flatMap((message) => {
      const match = message.role === 'user' && typeof message.content === 'string' ? /I live in (\w+)/.exec(message.content) : null;
      return match ? [{ key: 'user.city', text: `The user lives in ${match[1]}.`, messageIds: [message.id] }] : [];
    }),
};

describe('ContextManager({ memoryExtractor })', () => {
  it('should extract memories from new turns after append, with provenance, and use them in assemble', async () => {
    const manager = new ContextManager({ memoryExtractor: cityExtractor });
    const appended = await manager.append('c', [{ id: 'm1', role: 'user', content: 'Hi, I live in Porto.' }, { role: 'assistant', content: 'Nice!' }], { scope });
    expect(appended.inserted).toBe(2);
    await manager.settled();
    const stored = await manager.memories.list({ scope });
    expect(stored.items.map((memory) => [memory.key, memory.text, memory.source])).toEqual([['user.city', 'The user lives in Porto.', { conversationId: 'c', messageIds: ['m1'] }]]);
    await manager.append('c', [{ role: 'user', content: 'Where do I live?' }], { scope });
    const { messages, report } = await manager.assemble('c', { scope, budget: { maxTokens: 2000 } });
    expect(String(messages[0]!.content)).toContain('The user lives in Porto.');
    expect(report.memories).toHaveLength(1);
  });

  it('should only pass the turns stored now, and update a keyed fact instead of duplicating it', async () => {
    const seen: string[][] = [];
    const extractor: MemoryExtractor = { extract: async (args) => (seen.push(args.messages.map((message) => message.id)), cityExtractor.extract(args)) };
    const manager = new ContextManager({ memoryExtractor: extractor });
    await manager.append('c', [{ id: 'a', role: 'user', content: 'I live in Porto.' }], { scope });
    await manager.append('c', [{ id: 'a', role: 'user', content: 'I live in Porto.' }, { id: 'b', role: 'user', content: 'Now I live in Lisbon.' }], { scope });
    await manager.settled();
    expect(seen).toEqual([['a'], ['b']]);
    const stored = await manager.memories.list({ scope });
    expect(stored.items.map((memory) => memory.text)).toEqual(['The user lives in Lisbon.']);
  });

  it('should never fail the append when extraction fails, and report the failure to onBackgroundError', async () => {
    const errors: Array<{ task: string; name: string }> = [];
    const manager = new ContextManager({
      memoryExtractor: { extract: async () => Promise.reject(new RangeError('model down')) },
      onBackgroundError: (error, context) => errors.push({ task: context.task, name: (error as Error).name }),
    });
    const result = await manager.append('c', [{ role: 'user', content: 'I live in Porto.' }], { scope });
    expect(result.inserted).toBe(1);
    await manager.settled();
    expect(errors).toEqual([{ task: 'memories', name: 'RangeError' }]);
    expect((await manager.memories.list({ scope })).items).toEqual([]);
  });
});
