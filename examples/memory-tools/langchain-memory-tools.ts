/**
 * Memory tools for a LangChain `createAgent` agent, offline. The tools read the scope from the
 * agent's runtime `context`; whatever the model writes in its arguments, it reads and writes only
 * that user's memories. A scripted fake model stands in for a real one.
 *
 * Run: npx tsx examples/memory-tools/langchain-memory-tools.ts
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { createMemoryTools, memoryToolContextSchema } from '../../integrations/langchain/index.js';
import { ContextManager } from '../../src/index.js';

export async function main() {
  const manager = new ContextManager();
  const model = fakeModel()
    .respond(new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'remember', args: { key: 'seat', text: 'Prefers window seats.', userId: 'bob' }, type: 'tool_call' }] }))
    .respond(new AIMessage('Saved your seat preference.'));
  const agent = createAgent({ model, tools: createMemoryTools({ manager }), contextSchema: memoryToolContextSchema });
  const result = await agent.invoke({ messages: [new HumanMessage('I like window seats.')] }, { context: { scope: { tenantId: 'acme', userId: 'alice' } } });
  const alice = (await manager.memories.list({ scope: { tenantId: 'acme', userId: 'alice' } })).items;
  const bob = (await manager.memories.list({ scope: { tenantId: 'acme', userId: 'bob' } })).items;
  return { reply: result.messages.at(-1)!.text, alice, bob };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { reply, alice, bob } = await main();
  console.log(`assistant: ${reply}`);
  console.log(`alice's memories: ${alice.map((memory) => memory.text).join('; ')}; bob's: ${bob.length}`);
}
