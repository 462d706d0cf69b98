/**
 * A LangChain v1 agent (`createAgent`) whose prompt llm-context assembles under a token budget,
 * offline.
 *
 * `contextMiddleware` records every turn in the store and, before each model call, replaces the
 * prompt with the assembled context: the system prompt, then the newest turns that fit, with a
 * tool call and its results always kept together. The agent's own state is not rewritten.
 * A scripted fake model stands in for a real one (`model: 'openai:gpt-4o-mini'` for a provider).
 *
 * Run: npx tsx examples/langchain-agent/agent.ts
 */
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import { contextMiddleware } from '../../integrations/langchain/index.js';
import { ContextManager, defaultScope } from '../../src/index.js';

const getWeather = tool(async ({ city }: { city: string }) => `${city}: 18°C, light wind from the west, dry all day.`, {
  name: 'get_weather',
  description: 'Current weather for a city.',
  schema: z.object({ city: z.string() }),
});

// Each turn: the model asks for the weather, reads the tool result, answers.
const model = fakeModel();
for (const [turn, city] of ['Paris', 'Lyon', 'Nice'].entries()) {
  model.respond(new AIMessage({ content: '', id: `call-${turn}`, tool_calls: [{ id: `weather-${turn}`, name: 'get_weather', args: { city } }] }));
  model.respond(new AIMessage({ content: `It is 18°C and dry in ${city}.`, id: `answer-${turn}` }));
}

const manager = new ContextManager();
const promptTokens: number[] = [];
const agent = createAgent({
  model,
  tools: [getWeather],
  systemPrompt: 'You are a weather assistant. Answer in one sentence.',
  middleware: [contextMiddleware({ manager, budget: { maxTokens: 260 }, onReport: (report) => promptTokens.push(report.totalTokens) })],
});

for (const city of ['Paris', 'Lyon', 'Nice']) {
  const result = await agent.invoke({ messages: [new HumanMessage(`What is the weather in ${city}?`)] }, { configurable: { thread_id: 'trip-planning' } });
  console.log(`user: What is the weather in ${city}?`);
  console.log(`assistant: ${result.messages.at(-1)!.text}`);
}

// What the provider received on each call: never an orphan tool result, always under budget.
for (const [index, call] of model.calls.entries()) {
  console.log(`model call ${index + 1} (${promptTokens[index]}/260 tokens): ${call.messages.map((message) => message.type).join(' ')}`);
}
const stored = await manager.listMessages('trip-planning', { scope: defaultScope() });
console.log(`stored: ${stored.length} messages`);
