/**
 * Helper process for embedded.test.ts:
 * - `write DIR` stores a conversation, `read DIR` prints it back;
 * - `hold DIR` opens the store, prints `open`, and closes it when stdin ends;
 * - `open DIR` opens the store and prints `{"opened":true}` or the error's `{"code","message"}`;
 * - `leave-open DIR` writes without calling `close()` and prints which resources keep Node alive.
 */
import { createEmbeddedStore } from '../../src/stores/embedded/index.js';
import { newMessages } from '../../src/testing/index.js';

const [mode, dataDir] = process.argv.slice(2);
const scope = { tenantId: 'default' };

if (mode === 'open') {
  try {
    const store = await createEmbeddedStore({ dataDir: dataDir! });
    await store.close();
    console.log(JSON.stringify({ opened: true }));
  } catch (error) {
    console.log(JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message }));
  }
} else if (mode === 'leave-open') {
  const store = await createEmbeddedStore({ dataDir: dataDir! });
  await store.createConversation(scope, { id: 'c1', title: 'left open' });
  await store.appendMessages(scope, 'c1', await newMessages([{ role: 'user', content: 'one' }]));
  // Let the just-settled call's callbacks run, then list what would keep the process alive.
  await new Promise((resolve) => setImmediate(resolve));
  console.log(JSON.stringify({ timers: process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length }));
} else {
  const store = await createEmbeddedStore({ dataDir: dataDir! });
  try {
    if (mode === 'hold') {
      await store.createConversation(scope, { id: 'held', title: 'first process' });
      console.log('open');
      process.stdin.resume();
      await new Promise((resolve) => process.stdin.on('end', resolve));
    } else if (mode === 'write') {
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
}
