import { describe, expect, it } from 'vitest';
import { ContextManager } from '../context-manager.js';
import { createPatternExtractor } from './pattern-extractor.js';

const scope = { tenantId: 't', userId: 'u' };

describe('createPatternExtractor', () => {
  it('should turn plain first-person statements of user turns into facts with provenance, newest per key', async () => {
    const manager = new ContextManager({ memoryExtractor: createPatternExtractor() });
    await manager.append('c', [
      { id: 'm1', role: 'user', content: 'Hi, my name is Ana Lima and I live in Porto.' },
      { id: 'm2', role: 'assistant', content: 'my name is Bot. I live in the cloud.' },
      { id: 'm3', role: 'user', content: 'I would like a refund for order A-123, it was 26.00 EUR.' },
      { id: 'm4', role: 'user', content: 'Please switch my subscription to Basic Care. No wait, switch my subscription to Premium Care.' },
    ], { scope });
    await manager.settled();
    const { items } = await manager.memories.list({ scope, limit: 50 });
    const texts = items.map((memory) => memory.text).sort();
    expect(texts).toEqual([
      "The user asked for a refund for order A-123 (26.00 EUR).",
      'The user lives in Porto.',
      "The user's name is Ana Lima.",
      "The user's subscription is Premium Care (they asked to switch to it).",
    ]);
    const name = items.find((memory) => memory.key === 'user.name');
    expect(name?.pinned).toBe(true);
    expect(name?.source?.messageIds).toEqual(['m1']);
  });

  it('should supersede a keyed fact when a later turn changes it', async () => {
    const manager = new ContextManager({ memoryExtractor: createPatternExtractor() });
    await manager.append('c', [{ id: 'a', role: 'user', content: 'I live in Lyon.' }], { scope });
    await manager.settled();
    await manager.append('c', [{ id: 'b', role: 'user', content: 'We moved: I live in Turin now.' }], { scope });
    await manager.settled();
    const { items } = await manager.memories.list({ scope, limit: 50 });
    expect(items.map((memory) => memory.text)).toEqual(['The user lives in Turin.']);
  });

  it('should propose nothing for turns without a matching statement, and honour custom patterns', async () => {
    const extractor = createPatternExtractor({ patterns: [{ pattern: /favourite colour is (\w+)/, key: 'user.colour', text: (match) => `Likes ${match[1]}.` }] });
    const messages = [
      { id: 'x', conversationId: 'c', seq: 1, role: 'user' as const, content: 'My favourite colour is teal. My name is Ana.', createdAt: new Date(), tokenCounts: {}, contentHash: 'h' },
    ];
    const facts = await extractor.extract({ scope, conversationId: 'c', messages: messages as never, existing: [] });
    expect(facts).toEqual([{ text: 'Likes teal.', key: 'user.colour', messageIds: ['x'] }]);
  });
});
