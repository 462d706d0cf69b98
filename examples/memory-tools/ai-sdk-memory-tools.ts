/**
 * Memory tools for an AI SDK agent, offline: the model saves a preference with `remember`, then
 * looks it up with `recall_memories` in a later chat. The scope comes from `toolsContext` (your
 * authenticated user), never from the model's arguments.
 * A scripted mock model stands in for a real one.
 *
 * Run: npx tsx examples/memory-tools/ai-sdk-memory-tools.ts
 */
import { generateText, isStepCount } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { createMemoryTools, memoryToolsContext } from '../../integrations/ai-sdk/index.js';
import { ContextManager } from '../../src/index.js';

type Step = { toolCall?: { name: string; input: object }; text?: string };

/** A mock model that plays `steps` in order (a tool call, or a final text). */
function scriptedModel(steps: Step[]) {
  let index = 0;
  return new MockLanguageModelV4({
    doGenerate: async () => {
      const step = steps[index++]!;
      const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } };
      if (step.toolCall) {
        const content = [{ type: 'tool-call' as const, toolCallId: `call-${index}`, toolName: step.toolCall.name, input: JSON.stringify(step.toolCall.input) }];
        return { content, finishReason: { unified: 'tool-calls' as const, raw: undefined }, usage, warnings: [] };
      }
      return { content: [{ type: 'text' as const, text: step.text! }], finishReason: { unified: 'stop' as const, raw: undefined }, usage, warnings: [] };
    },
  });
}

export async function main() {
  const manager = new ContextManager();
  const session = { userId: 'alice' };
  const model = scriptedModel([
    { toolCall: { name: 'remember', input: { key: 'preference.units', text: 'Prefers Celsius.' } } },
    { text: 'Noted: Celsius from now on.' },
    { toolCall: { name: 'recall_memories', input: { query: 'units Celsius' } } },
    { text: 'You prefer Celsius.' },
  ]);
  const replies: string[] = [];
  for (const [conversationId, prompt] of [['chat-1', 'Please use Celsius.'], ['chat-2', 'Which units do I like?']] as const) {
    const tools = createMemoryTools({ manager });
    const toolsContext = memoryToolsContext({ scope: { tenantId: 'acme', userId: session.userId }, conversationId });
    const result = await generateText({ model, prompt, tools, toolsContext, stopWhen: isStepCount(3) });
    replies.push(result.text);
  }
  const memories = (await manager.memories.list({ scope: { tenantId: 'acme', userId: 'alice' } })).items;
  return { replies, memories };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { replies, memories } = await main();
  for (const reply of replies) console.log(`assistant: ${reply}`);
  for (const memory of memories) console.log(`memory ${memory.key}: ${memory.text}`);
}
