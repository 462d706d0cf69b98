/**
 * LangChain chat history backed by llm-context, offline.
 *
 * `RunnableWithMessageHistory` loads the conversation before each turn and saves the turn (input
 * and reply) in one atomic batch. A fake chat model stands in for a real one: swap in
 * `new ChatOpenAI({ model: 'gpt-4o-mini' })` to talk to a provider.
 *
 * Run: npx tsx examples/langchain-history/history.ts
 */
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { LLMContextChatMessageHistory } from '../../integrations/langchain/index.js';
import { ContextManager, defaultScope } from '../../src/index.js';

const manager = new ContextManager(); // in-memory store; pass { store } for Postgres or Redis
const model = new FakeListChatModel({ responses: ['Nice to meet you, Ada!', 'You live in Lyon.', 'Bonne journée, Ada!'] });
const prompt = ChatPromptTemplate.fromMessages([['system', 'You are a friendly assistant.'], new MessagesPlaceholder('history'), ['human', '{input}']]);

const chat = new RunnableWithMessageHistory({
  runnable: prompt.pipe(model),
  getMessageHistory: (sessionId: string) => new LLMContextChatMessageHistory({ manager, conversationId: sessionId }),
  inputMessagesKey: 'input',
  historyMessagesKey: 'history',
});

for (const input of ['Hi, I am Ada and I live in Lyon.', 'Where do I live?', 'Thanks, bye!']) {
  const reply = await chat.invoke({ input }, { configurable: { sessionId: 'ada-session' } });
  console.log(`user: ${input}`);
  console.log(`assistant: ${String(reply.content)}`);
}

const stored = await manager.listMessages('ada-session', { scope: defaultScope() });
console.log(`stored: ${stored.length} messages (${stored.map((message) => message.role).join(', ')})`);

// The same conversation as a budgeted context: a leading system message, then the newest turns that fit.
const budgeted = new LLMContextChatMessageHistory({
  manager,
  conversationId: 'ada-session',
  view: 'context',
  assemble: { budget: { maxTokens: 60 }, system: 'You are a friendly assistant.' },
});
const context = await budgeted.getMessages();
console.log(`context under 60 tokens: ${context.map((message) => message.type).join(', ')}`);
