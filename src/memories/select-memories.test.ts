import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { Scope } from '../types.js';
import { createMemories } from './memories.js';
import { selectMemories } from './select-memories.js';

const scope: Scope = { tenantId: 't', userId: 'u' };

describe('selectMemories', () => {
  it('should always include pinned memories and add relevant ones within the token cap', async () => {
    const store = createMemoryStore();
    const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
    const memories = createMemories({ store, tokenizer });
    const pinned = await memories.put({ text: 'Name: Sam. Prefers short answers.', pinned: true }, { scope });
    const relevant = await memories.put({ text: 'Sam is training for the Berlin marathon', source: { conversationId: 'c1', messageIds: ['m4'] } }, { scope });
    await memories.put({ text: 'Sam once visited a marathon expo in Paris and bought marathon shoes', tags: ['long'] }, { scope });
    await memories.put({ text: 'Sam dislikes olives' }, { scope });

    const roomy = await selectMemories({ store, scope, query: 'How should I pace the Berlin marathon?', maxTokens: 1000, tokenizer });
    expect(roomy.pinned.map((memory) => memory.id)).toEqual([pinned.id]);
    expect(roomy.relevant[0]!.id).toBe(relevant.id);
    expect(roomy.relevant[0]!.source?.messageIds).toEqual(['m4']);
    expect(roomy.relevant.some((memory) => memory.text.includes('olives'))).toBe(false);

    const cap = pinned.tokenCounts.o200k_base! + relevant.tokenCounts.o200k_base!;
    const tight = await selectMemories({ store, scope, query: 'Berlin marathon', maxTokens: cap, tokenizer });
    expect(tight.relevant.map((memory) => memory.id)).toEqual([relevant.id]);
    const total = [...tight.pinned, ...tight.relevant].reduce((sum, memory) => sum + memory.tokenCounts.o200k_base!, 0);
    expect(total).toBeLessThanOrEqual(cap);
  });

  it('should return nothing, with a note, when the store keeps no memories', async () => {
    const store = createMemoryStore();
    const bare = { ...store, memories: undefined, capabilities: { ...store.capabilities, memories: { available: false as const, reason: 'not here' } } };
    const result = await selectMemories({ store: bare, scope, query: 'x', maxTokens: 100, tokenizer: await getTokenizer({ encoding: 'o200k_base' }) });
    expect(result).toMatchObject({ pinned: [], relevant: [] });
    expect(result.notes[0]).toMatch(/memories unavailable/);
  });
});
