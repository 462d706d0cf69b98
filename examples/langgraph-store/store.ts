/**
 * LangGraph long-term memory in llm-context, offline: a `createAgent` agent saves a user profile
 * with LangGraph's `getStore()` in one thread and reads it in another. The store's scope is fixed when it is
 * created (per request, from your authenticated user); namespaces are folders inside that scope.
 * A scripted fake model stands in for a real one.
 *
 * Run: npx tsx examples/langgraph-store/store.ts
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { getStore } from '@langchain/langgraph';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import { LLMContextStore } from '../../integrations/langgraph/index.js';
import { ContextManager } from '../../src/index.js';

const saveProfile = tool(
  async ({ city }: { city: string }) => {
    await getStore()!.put(['profile'], 'home', { city });
    return 'saved';
  },
  { name: 'save_profile', description: "Save the user's home city.", schema: z.object({ city: z.string() }) },
);
const readProfile = tool(async () => JSON.stringify((await getStore()!.get(['profile'], 'home'))?.value ?? {}), {
  name: 'read_profile',
  description: "Read the user's saved profile.",
  schema: z.object({}),
});

export async function main() {
  const manager = new ContextManager();
  const store = new LLMContextStore({ manager, scope: { tenantId: 'acme', userId: 'alice' } });
  const model = fakeModel()
    .respond(new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'save_profile', args: { city: 'Lyon' }, type: 'tool_call' }] }))
    .respond(new AIMessage('Saved: you live in Lyon.'))
    .respond(new AIMessage({ content: '', tool_calls: [{ id: 'c2', name: 'read_profile', args: {}, type: 'tool_call' }] }))
    .respond(new AIMessage('You live in Lyon.'));
  const agent = createAgent({ model, tools: [saveProfile, readProfile], store });
  const first = await agent.invoke({ messages: [new HumanMessage('I live in Lyon.')] }, { configurable: { thread_id: 'thread-1' } });
  const second = await agent.invoke({ messages: [new HumanMessage('Where do I live?')] }, { configurable: { thread_id: 'thread-2' } });
  const items = await store.search(['profile']);
  return { replies: [first.messages.at(-1)!.text, second.messages.at(-1)!.text], items, memories: (await manager.memories.list({ scope: { tenantId: 'acme', userId: 'alice' } })).items };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { replies, items } = await main();
  for (const reply of replies) console.log(`assistant: ${reply}`);
  console.log(`items: ${JSON.stringify(items.map((item) => [item.namespace, item.key, item.value]))}`);
}
