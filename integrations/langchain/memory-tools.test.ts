import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { ContextManager, getTokenizer, type Scope } from '../../src/index.js';
import { createMemoryTools, memoryToolContextSchema } from './memory-tools.js';

const alice: Scope = { tenantId: 'acme', userId: 'alice' };
const mallory: Scope = { tenantId: 'evil', userId: 'mallory' };

type Call = { name: string; args: Record<string, unknown> };

/** Runs a `createAgent` agent whose fake model calls `calls` one per step, then answers. */
async function runAgent(manager: ContextManager, calls: Call[], context: unknown) {
  const model = fakeModel();
  calls.forEach((call, index) => model.respond(new AIMessage({ content: '', tool_calls: [{ id: `call-${index}`, name: call.name, args: call.args, type: 'tool_call' }] })));
  model.respond(new AIMessage('Done.'));
  const agent = createAgent({ model, tools: [...createMemoryTools({ manager })], contextSchema: memoryToolContextSchema });
  const result = await agent.invoke({ messages: [new HumanMessage('Please help.')] }, { context: context as never });
  return result.messages.filter((message) => ToolMessage.isInstance(message)) as ToolMessage[];
}

const parsed = (message: ToolMessage) => JSON.parse(message.content as string);

describe('LangChain memory tools in createAgent', () => {
  it('should remember, update by key, recall, search history and forget in the runtime context scope', async () => {
    const manager = new ContextManager();
    await manager.append('chat-1', [{ id: 'u-1', role: 'user', content: 'Remember that I prefer window seats on trains.' }], { scope: alice });
    const results = await runAgent(
      manager,
      [
        { name: 'remember', args: { key: 'preference.seat', text: 'Prefers aisle seats.' } },
        { name: 'remember', args: { key: 'preference.seat', text: 'Prefers window seats on trains.' } },
        { name: 'recall_memories', args: { query: 'window seats' } },
        { name: 'search_history', args: { query: 'window seats trains' } },
        { name: 'forget', args: { key: 'preference.seat' } },
      ],
      { scope: alice, conversationId: 'chat-1' },
    );
    expect(results.map(parsed)).toEqual([
      { id: expect.any(String), key: 'preference.seat', updated: false },
      { id: expect.any(String), key: 'preference.seat', updated: true },
      { memories: [{ id: expect.any(String), key: 'preference.seat', text: 'Prefers window seats on trains.' }], omitted: 0 },
      { hits: [{ conversationId: 'chat-1', seq: 1, role: 'user', snippet: 'Remember that I prefer window seats on trains.' }], omitted: 0 },
      { forgotten: 1 },
    ]);
    expect((await manager.memories.list({ scope: alice })).items).toEqual([]);
  });

  it('should stay in the runtime scope whatever scope, tenant or foreign id the model passes', async () => {
    const manager = new ContextManager();
    const secret = await manager.memories.put({ key: 'secret', text: 'Mallory launch code 0000.' }, { scope: mallory });
    await manager.append('evil-chat', [{ role: 'user', content: 'launch code is 0000' }], { scope: mallory });
    const results = await runAgent(
      manager,
      [
        { name: 'recall_memories', args: { query: 'launch code', scope: mallory, tenantId: 'evil' } },
        { name: 'search_history', args: { query: 'launch code', userId: 'mallory' } },
        { name: 'forget', args: { id: secret.id, key: 'secret', scope: mallory } },
      ],
      { scope: alice },
    );
    expect(results.map(parsed)).toEqual([{ memories: [], omitted: 0 }, { hits: [], omitted: 0 }, { forgotten: 0 }]);
    expect(await manager.memories.get(secret.id, { scope: mallory })).not.toBeNull();
  });

  it('should answer a call without a scope in its runtime with an error and write nothing', async () => {
    const manager = new ContextManager();
    const [remember] = createMemoryTools({ manager });
    await expect(remember.invoke({ text: 'A fact.' })).rejects.toThrow(/context: is missing/);
    await expect(remember.invoke({ text: 'A fact.' }, { context: { scope: { tenantId: '' } } } as never)).rejects.toThrow(/scope.tenantId/);
    expect((await manager.memories.list({ scope: { tenantId: 'default' } })).items).toEqual([]);
  });

  it('should return JSON text within maxOutputTokens', async () => {
    const manager = new ContextManager();
    for (let index = 0; index < 8; index++) await manager.memories.put({ text: `Hotel ${index}: ${'a quiet room facing the garden, breakfast included, '.repeat(15)}` }, { scope: alice });
    const tools = createMemoryTools({ manager, maxOutputTokens: 250 });
    const output = (await tools[2].invoke({ query: 'quiet room garden', limit: 10 }, { context: { scope: alice } } as never)) as string;
    expect((await getTokenizer()).count(output)).toBeLessThanOrEqual(250);
    expect(JSON.parse(output).omitted).toBeGreaterThan(0);
  });
});
