/**
 * AI SDK example: a model wrapped with llm-context's middleware. The app sends only the new user
 * turn; the middleware stores every turn (user, assistant, tool calls and results) and builds each
 * prompt from the stored conversation under the token budget. Runs offline:
 *   npx tsx examples/ai-sdk/chat-with-middleware.ts
 */
import { generateText, isStepCount, streamText, tool, wrapLanguageModel } from 'ai';
import { z } from 'zod';
// In an app: import { ContextManager } from 'llm-context'; import { contextMiddleware } from 'llm-context/ai-sdk';
import { ContextManager, defaultScope } from '../../src/index.js';
import { contextMiddleware } from '../../integrations/ai-sdk/index.js';
import { createOfflineModel } from './offline-model.js';

export async function main() {
  const manager = new ContextManager(); // in-memory store; pass { store } for Postgres or Redis
  const baseModel = createOfflineModel(); // e.g. openai('gpt-4o') or anthropic('claude-sonnet-4-5')
  const model = wrapLanguageModel({ model: baseModel, middleware: contextMiddleware({ manager, budget: { maxTokens: 8000 } }) });
  const tools = { weather: tool({ description: 'Current weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, tempC: 21 }) }) };
  const call = { instructions: 'You are a concise assistant.', tools, stopWhen: isStepCount(3), providerOptions: { llmContext: { conversationId: 'chat-42' } } };

  const first = await generateText({ model, prompt: 'What is the weather in Paris?', ...call });
  const second = streamText({ model, prompt: 'Thanks! Remember that I prefer Celsius.', ...call });
  const secondText = await second.text;

  const stored = await manager.listMessages('chat-42', { scope: defaultScope(), order: 'asc', limit: 100 });
  return { replies: [first.text, secondText], stored, prompts: [...baseModel.doGenerateCalls, ...baseModel.doStreamCalls].map((recorded) => recorded.prompt) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { replies, stored } = await main();
  console.log(replies.join('\n'));
  for (const message of stored) console.log(`#${message.seq} ${message.role}: ${JSON.stringify(message.content)}`);
}
