/** Helper process for embedded.test.ts: `write DIR` stores a conversation, `read DIR` prints it back. */
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';
import { newMessages } from '../../src/testing/index.js';

const [mode, dataDir] = process.argv.slice(2);
const scope = { tenantId: 'default' };
const store = await createEmbeddedStore({ dataDir: dataDir! });
try {
  if (mode === 'write') {
    await store.createConversation(scope, { id: 'c1', title: 'persisted' });
    const { inserted } = await store.appendMessages(scope, 'c1', await newMessages([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'user', content: 'three' },
    ]));
    console.log(`wrote ${inserted}`);
  } else {
    const conversation = await store.getConversation(scope, 'c1');
    const messages = await store.listMessages(scope, 'c1', { order: 'asc', limit: 10 });
    const tail = await store.getTail(scope, 'c1', { maxTokens: 1, encoding: 'o200k_base' });
    console.log(JSON.stringify({ title: conversation?.title, seqs: messages.map((message) => message.seq), tail: tail.messages.map((message) => message.content) }));
  }
} finally {
  await store.close();
}
