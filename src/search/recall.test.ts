import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import type { Store } from '../spec/store.js';
import { newMessages, toolExchange } from '../testing/fixtures.js';
import type { Message, MessageInput, Scope } from '../types.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from './index-embeddings.js';
import { LEADING_CONTEXT_HITS, recallExcerpts, type RecallOptions } from './recall.js';

const scope: Scope = { tenantId: 't', userId: 'u' };
const ENCODING = 'o200k_base';

const FILLER = ['How was your day?', 'Pretty good, thanks.', 'Any plans for the weekend?', 'Just resting at home.', 'Sounds nice.', 'It really is.'];

/** 30 turns of filler with one distinctive turn at seq 10. */
function chat(): MessageInput[] {
  return Array.from({ length: 30 }, (_, index) => ({
    id: `m${index + 1}`,
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: index === 9 ? 'We adopted a rescue greyhound named Pixel from the shelter.' : `${FILLER[index % FILLER.length]} (${index + 1})`,
  }));
}

describe('recallExcerpts', () => {
  let store: Store;
  let messages: readonly Message[];
  const recall = (overrides: Partial<RecallOptions> = {}) =>
    recallExcerpts({ store, scope, conversationId: 'c', query: 'What was the name of the greyhound you adopted?', beforeSeq: 25, maxTokens: 500, encoding: ENCODING, ...overrides });

  beforeEach(async () => {
    store = createMemoryStore();
    await store.createConversation(scope, { id: 'c' });
    messages = (await store.appendMessages(scope, 'c', await newMessages(chat()))).messages;
  });

  it('should recall a matching old turn with its neighbouring turns', async () => {
    const result = await recall({ neighbours: { before: 1, after: 2 } });
    expect(result.method).toBe('lexical');
    expect(result.excerpts).toHaveLength(1);
    expect(result.excerpts[0]!.messages.map((message) => message.seq)).toEqual([9, 10, 11, 12]);
    expect(result.excerpts[0]!.hitIds).toEqual(['m10']);
  });

  it('should never return turns the window already holds', async () => {
    const result = await recall({ beforeSeq: 11, neighbours: { before: 2, after: 5 } });
    const seqs = result.excerpts.flatMap((excerpt) => excerpt.messages.map((message) => message.seq));
    expect(seqs).toEqual([8, 9, 10]);
    expect((await recall({ beforeSeq: 10 })).excerpts).toEqual([]);
  });

  it('should shrink to the hit alone when the neighbours do not fit, and skip what does not fit at all', async () => {
    const hitTokens = messages[9]!.tokenCounts[ENCODING]!;
    const alone = await recall({ maxTokens: hitTokens, neighbours: { before: 2, after: 2 } });
    expect(alone.excerpts.flatMap((excerpt) => excerpt.messages.map((message) => message.id))).toEqual(['m10']);
    expect(alone.tokens).toBe(hitTokens);
    expect((await recall({ maxTokens: hitTokens - 1 })).excerpts).toEqual([]);
  });

  it('should keep the token sum exact and under the cap, excerpts chronological and disjoint', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 31 }),
        fc.constantFrom('greyhound shelter', 'weekend plans', 'day good home', 'nothing matches zebra'),
        async (maxTokens, before, after, beforeSeq, query) => {
          const result = await recall({ maxTokens, neighbours: { before, after }, beforeSeq, query });
          const all = result.excerpts.flatMap((excerpt) => excerpt.messages);
          const sum = all.reduce((total, message) => total + message.tokenCounts[ENCODING]!, 0);
          expect(result.tokens).toBe(sum);
          expect(sum).toBeLessThanOrEqual(maxTokens);
          expect(new Set(all.map((message) => message.id)).size).toBe(all.length);
          for (const message of all) expect(message.seq).toBeLessThan(beforeSeq);
          const seqs = all.map((message) => message.seq);
          expect(seqs).toEqual([...seqs].sort((left, right) => left - right));
          for (const excerpt of result.excerpts) {
            excerpt.messages.forEach((message, position) => position > 0 && expect(message.seq).toBe(excerpt.messages[position - 1]!.seq + 1));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('should give before-neighbours to the best LEADING_CONTEXT_HITS hits only, and after-neighbours to all', async () => {
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const count = LEADING_CONTEXT_HITS + 2;
    // Turn k (k = 0 … count-1) holds count-k of the query's words: the hits rank in that order.
    const inputs: MessageInput[] = Array.from({ length: 10 * count + 10 }, (_, index) => {
      const k = index % 10 === 5 ? (index - 5) / 10 : -1;
      return { id: `t${index + 1}`, role: index % 2 === 0 ? 'user' : 'assistant', content: k >= 0 && k < count ? `${words.slice(0, count - k).join(' ')} here` : `${FILLER[index % FILLER.length]} (${index + 1})` };
    });
    const other = createMemoryStore();
    await other.createConversation(scope, { id: 'c' });
    await other.appendMessages(scope, 'c', await newMessages(inputs));
    const result = await recallExcerpts({ store: other, scope, conversationId: 'c', query: words.slice(0, count).join(' '), beforeSeq: inputs.length, maxTokens: 5000, encoding: ENCODING, neighbours: { before: 1, after: 1 } });
    const spans = result.excerpts.map((excerpt) => excerpt.messages.map((message) => message.seq));
    // The hit of rank k is at seq 10k + 6.
    expect(spans).toEqual(Array.from({ length: count }, (_, k) => (k < LEADING_CONTEXT_HITS ? [10 * k + 5, 10 * k + 6, 10 * k + 7] : [10 * k + 6, 10 * k + 7])));
  });

  it('should merge overlapping expansions into one excerpt', async () => {
    const extra = await newMessages([{ id: 'm31', role: 'user', content: 'Pixel the greyhound loves the beach.' }]);
    await store.appendMessages(scope, 'c', extra);
    const result = await recall({ beforeSeq: 100, neighbours: { before: 1, after: 1 }, query: 'greyhound' });
    expect(result.excerpts.map((excerpt) => excerpt.messages.map((message) => message.seq))).toEqual([[9, 10, 11], [30, 31]]);
  });

  it('should keep tool-call groups whole', async () => {
    await store.createConversation(scope, { id: 'tools' });
    await store.appendMessages(scope, 'tools', await newMessages([
      { role: 'user', content: 'What is the weather in Lisbon?' },
      toolExchange('weather-1')[0]!,
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'weather-1', toolName: 'lookup', output: { forecast: 'Lisbon sunny 24C' } }] },
      { role: 'assistant', content: 'It is sunny in Lisbon.' },
      { role: 'user', content: 'thanks' },
    ]));
    const result = await recallExcerpts({ store, scope, conversationId: 'tools', query: 'forecast Lisbon', beforeSeq: 5, maxTokens: 1000, encoding: ENCODING, neighbours: { before: 0, after: 0 } });
    const roles = result.excerpts.map((excerpt) => excerpt.messages.map((message) => message.role));
    for (const excerptRoles of roles) expect(excerptRoles[0]).not.toBe('tool');
    const flat = result.excerpts.flatMap((excerpt) => excerpt.messages);
    const resultIndex = flat.findIndex((message) => message.role === 'tool');
    expect(resultIndex).toBeGreaterThan(0);
    expect(flat[resultIndex - 1]!.seq).toBe(2);
  });

  it('should recall from the scope’s other conversations only when asked, and never from another user', async () => {
    for (const [owner, id] of [[scope, 'other'], [{ tenantId: 't', userId: 'someone-else' }, 'foreign']] as const) {
      await store.createConversation(owner, { id });
      await store.appendMessages(owner, id, await newMessages([{ role: 'user', content: 'My greyhound Pixel won a race.' }]));
    }
    expect((await recall()).excerpts.map((excerpt) => excerpt.conversationId)).toEqual(['c']);
    const wide = await recall({ otherConversations: true });
    expect(new Set(wide.excerpts.map((excerpt) => excerpt.conversationId))).toEqual(new Set(['c', 'other']));
  });

  it('should fuse lexical and vector hits when an embedder is configured', async () => {
    const embedder = createHashingEmbedder();
    await indexEmbeddings({ store, scope, embedder, targets: messages.map(messageEmbeddingTarget) });
    const result = await recall({ embedder });
    expect(result.method).toBe('hybrid');
    expect(result.excerpts[0]!.hitIds).toContain('m10');
  });

  it('should fall back to lexical recall when the embedder fails, and say so', async () => {
    const broken = { modelId: 'broken', dimensions: 8, embed: async () => { throw new Error('quota exceeded'); } };
    const result = await recall({ embedder: broken });
    expect(result.method).toBe('lexical');
    expect(result.notes.join(' ')).toMatch(/embedder broken failed/);
    expect(result.excerpts[0]!.hitIds).toEqual(['m10']);
  });

  it('should go on lexically when the embedder hangs past embedTimeoutMs', async () => {
    const hanging = { modelId: 'slow', dimensions: 8, embed: () => new Promise<number[][]>(() => undefined) };
    const started = performance.now();
    const result = await recall({ embedder: hanging, embedTimeoutMs: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.method).toBe('lexical');
    expect(result.notes.join(' ')).toMatch(/embedder slow failed \(TimeoutError\)/);
    expect(result.excerpts[0]!.hitIds).toEqual(['m10']);
  });

  it('should recall nothing, with a note, from a store without search', async () => {
    const plain = createMemoryStore();
    await plain.createConversation(scope, { id: 'c' });
    await plain.appendMessages(scope, 'c', await newMessages(chat()));
    const result = await recallExcerpts({ store: { ...plain, searchMessages: undefined, capabilities: { ...plain.capabilities, lexicalSearch: { available: false, reason: 'none here' } } }, scope, conversationId: 'c', query: 'greyhound', beforeSeq: 25, maxTokens: 500, encoding: ENCODING });
    expect(result).toMatchObject({ excerpts: [], method: 'none' });
    expect(result.notes[0]).toMatch(/lexical search unavailable/);
  });
});
