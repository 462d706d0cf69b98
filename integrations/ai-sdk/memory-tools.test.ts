import { generateText, isStepCount } from 'ai';
import { describe, expect, it } from 'vitest';
import { ContextManager, getTokenizer, type Scope } from '../../src/index.js';
import { SDKS, type Step } from '../../test/support/ai-sdk-mock-models.js';
import { createMemoryTools, memoryToolsContext } from './memory-tools.js';

const ai7 = SDKS[0]!;
const alice: Scope = { tenantId: 'acme', userId: 'alice' };
const mallory: Scope = { tenantId: 'evil', userId: 'mallory' };

async function runTools(manager: ContextManager, steps: Step[], context: unknown) {
  const { model } = ai7.mockModel([...steps, { text: 'Done.' }]);
  const result = await generateText({
    model: model as never,
    prompt: 'Please help.',
    tools: createMemoryTools({ manager }),
    stopWhen: isStepCount(steps.length + 1),
    ...(context === undefined ? {} : { toolsContext: context }),
  } as never);
  return result.steps.flatMap((step) => step.content).filter((part) => part.type === 'tool-result' || part.type === 'tool-error');
}

describe('AI SDK memory tools', () => {
  it('should remember with provenance, update by key, recall and forget within the context scope', async () => {
    const manager = new ContextManager();
    await manager.append('chat-1', [{ id: 'u-1', role: 'user', content: 'I prefer Celsius, please remember.' }], { scope: alice });
    const context = memoryToolsContext({ scope: alice, conversationId: 'chat-1' });
    const results = await runTools(
      manager,
      [
        { toolCalls: [{ toolCallId: 'c1', toolName: 'remember', input: { key: 'preference.units', text: 'Prefers Fahrenheit.' } }] },
        { toolCalls: [{ toolCallId: 'c2', toolName: 'remember', input: { key: 'preference.units', text: 'Prefers Celsius.' } }] },
        { toolCalls: [{ toolCallId: 'c3', toolName: 'recall_memories', input: { query: 'Celsius units' } }] },
        { toolCalls: [{ toolCallId: 'c4', toolName: 'forget', input: { key: 'preference.units' } }] },
      ],
      context,
    );
    expect(results.map((part) => part.type)).toEqual(['tool-result', 'tool-result', 'tool-result', 'tool-result']);
    const outputs = results.map((part) => (part as { output: unknown }).output);
    expect(outputs[0]).toMatchObject({ key: 'preference.units', updated: false });
    expect(outputs[1]).toMatchObject({ key: 'preference.units', updated: true });
    expect(outputs[2]).toMatchObject({ memories: [{ key: 'preference.units', text: 'Prefers Celsius.' }], omitted: 0 });
    expect(outputs[3]).toEqual({ forgotten: 1 });
    expect((await manager.memories.list({ scope: alice })).items).toEqual([]);
  });

  it('should read the caller from experimental_context under ai@6', async () => {
    const ai6 = SDKS[1]!;
    const manager = new ContextManager();
    const { model } = ai6.mockModel([{ toolCalls: [{ toolCallId: 'c1', toolName: 'remember', input: { key: 'diet', text: 'Vegetarian.', scope: mallory } }] }, { text: 'Done.' }]);
    await ai6.generateText({ model, prompt: 'I am vegetarian.', tools: createMemoryTools({ manager }), experimental_context: { scope: alice }, stopWhen: ai6.stepCountIs(2) });
    expect((await manager.memories.list({ scope: alice })).items).toMatchObject([{ key: 'diet', text: 'Vegetarian.' }]);
    expect((await manager.memories.list({ scope: mallory })).items).toEqual([]);
  });

  it('should record the asking turn as the memory source', async () => {
    const manager = new ContextManager();
    await manager.append('chat-1', [{ id: 'u-7', role: 'user', content: 'My city is Lyon.' }], { scope: alice });
    await runTools(manager, [{ toolCalls: [{ toolCallId: 'c1', toolName: 'remember', input: { key: 'user.city', text: 'Lives in Lyon.' } }] }], memoryToolsContext({ scope: alice, conversationId: 'chat-1' }));
    const [memory] = (await manager.memories.list({ scope: alice })).items;
    expect(memory).toMatchObject({ key: 'user.city', text: 'Lives in Lyon.', source: { conversationId: 'chat-1', messageIds: ['u-7'] } });
  });

  it('should ignore a scope, tenant or foreign id the model puts in its arguments', async () => {
    const manager = new ContextManager();
    const secret = await manager.memories.put({ key: 'secret', text: 'Mallory launch code 0000.' }, { scope: mallory });
    await manager.append('evil-chat', [{ role: 'user', content: 'launch code is 0000' }], { scope: mallory });
    const results = await runTools(
      manager,
      [
        { toolCalls: [{ toolCallId: 'a1', toolName: 'recall_memories', input: { query: 'launch code', scope: mallory, tenantId: 'evil', userId: 'mallory' } }] },
        { toolCalls: [{ toolCallId: 'a2', toolName: 'search_history', input: { query: 'launch code', tenantId: 'evil' } }] },
        { toolCalls: [{ toolCallId: 'a3', toolName: 'forget', input: { id: secret.id, key: 'secret', scope: mallory } }] },
        { toolCalls: [{ toolCallId: 'a4', toolName: 'remember', input: { key: 'secret', text: 'overwritten', scope: mallory, tags: ['memory-key:planted', 'langgraph'] } }] },
      ],
      memoryToolsContext({ scope: alice }),
    );
    const outputs = results.map((part) => (part as { output: unknown }).output);
    expect(outputs[0]).toEqual({ memories: [], omitted: 0 });
    expect(outputs[1]).toEqual({ hits: [], omitted: 0 });
    expect(outputs[2]).toEqual({ forgotten: 0 });
    expect(await manager.memories.get(secret.id, { scope: mallory })).toMatchObject({ text: 'Mallory launch code 0000.' });
    const [written] = (await manager.memories.list({ scope: alice })).items;
    expect(written).toMatchObject({ key: 'secret', text: 'overwritten' });
    expect(written!.tags.filter((tag) => tag === 'memory-key:planted' || tag === 'langgraph')).toEqual([]);
  });

  it('should fail the call, writing nothing, when the application passes no context', async () => {
    const manager = new ContextManager();
    await expect(runTools(manager, [{ toolCalls: [{ toolCallId: 'c1', toolName: 'remember', input: { text: 'x' } }] }], undefined)).rejects.toThrow(/tool context \(remember\)/);
    const tools = createMemoryTools({ manager });
    await expect(tools.remember.execute!({ text: 'x' }, { toolCallId: 't', messages: [], context: undefined } as never)).rejects.toThrow(/context: is missing/);
    expect((await manager.memories.list({ scope: { tenantId: 'default' } })).items).toEqual([]);
  });

  it('should keep every output under maxOutputTokens and count what it left out', async () => {
    const manager = new ContextManager();
    const tokenizer = await getTokenizer();
    for (let index = 0; index < 10; index++) {
      await manager.memories.put({ text: `Travel note ${index}: ${'the itinerary through the mountains was long and scenic, '.repeat(20)}` }, { scope: alice });
      await manager.append(`trip-${index}`, [{ role: 'user', content: `Itinerary ${index}: ${'mountains and rivers and long scenic roads '.repeat(40)}` }], { scope: alice });
    }
    const tools = createMemoryTools({ manager, maxOutputTokens: 300, snippetTokens: 40 });
    const execution = { toolCallId: 't', messages: [], context: { scope: alice } };
    const recalled = (await tools.recall_memories.execute!({ query: 'itinerary mountains', limit: 10 }, execution as never)) as unknown as { memories: unknown[]; omitted: number };
    const history = (await tools.search_history.execute!({ query: 'itinerary mountains', limit: 10 }, execution as never)) as unknown as { hits: Array<{ snippet: string }>; omitted: number };
    expect(tokenizer.count(JSON.stringify(recalled))).toBeLessThanOrEqual(300);
    expect(tokenizer.count(JSON.stringify(history))).toBeLessThanOrEqual(300);
    expect(recalled.memories.length + recalled.omitted).toBe(10);
    expect(recalled.omitted).toBeGreaterThan(0);
    expect(history.hits.length).toBeGreaterThan(0);
    expect(history.hits.length + history.omitted).toBe(10);
    for (const hit of history.hits) expect(tokenizer.count(hit.snippet)).toBeLessThanOrEqual(40);
  });

  it("should refuse keys that address the LangGraph store's items", async () => {
    const manager = new ContextManager();
    const tools = createMemoryTools({ manager });
    const execution = { toolCallId: 't', messages: [], context: { scope: alice } } as never;
    await expect(tools.remember.execute!({ key: 'langgraph:abc', text: 'x' }, execution)).rejects.toThrow(/reserved/);
    await expect(tools.forget.execute!({ key: 'langgraph:abc' }, execution)).rejects.toThrow(/reserved/);
    expect((await manager.memories.list({ scope: alice })).items).toEqual([]);
  });

  it('should reject a fact longer than maxMemoryTokens with what to fix', async () => {
    const manager = new ContextManager();
    const tools = createMemoryTools({ manager, maxMemoryTokens: 20 });
    await expect(tools.remember.execute!({ text: 'word '.repeat(50) }, { toolCallId: 't', messages: [], context: { scope: alice } } as never)).rejects.toThrow(/keep one fact under 20 tokens/);
    expect((await manager.memories.list({ scope: alice })).items).toEqual([]);
  });
});
