// README: quick start — append turns, then assemble the next prompt under a budget.
import { ContextManager, defaultScope } from '../../src/index.js';

export async function quickstart() {
  const manager = new ContextManager(); // in-memory store; see llm-context/embedded, /postgres, /redis
  const scope = defaultScope('user-42');

  await manager.append('chat-1', [
    { role: 'user', content: 'My order A-1001 has not arrived.' },
    { role: 'assistant', content: 'Sorry! Let me check order A-1001.' },
    { role: 'user', content: 'Thanks. Can you also change the address?' },
  ], { scope });

  const { messages, report } = await manager.assemble('chat-1', {
    scope,
    budget: { model: 'gpt-4o', reserveOutput: 1000 },
    system: 'You are a helpful support agent.',
  });
  console.log(messages.length, 'messages,', report.totalTokens, 'tokens');
  return { messages, report };
}

if (import.meta.url === `file://${process.argv[1]}`) await quickstart();
