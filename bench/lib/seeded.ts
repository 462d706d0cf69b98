import type { Scope } from '../../src/types.js';
import { openBackend, type Backend, type BackendName } from './backends.js';
import { preparedCorpus, plainText, corpusMessage } from './dataset.js';
import type { NewMessage } from '../../src/types.js';
import { progress } from './table.js';

/**
 * Backends seeded with the corpus, shared by the benchmarks of one run so each size is written
 * once. Each size lives in its own conversation of its own user, so "messages per user" equals
 * the conversation's length (the search benchmark relies on it).
 */
export const TENANT = 'bench';
export const scopeOf = (size: number): Scope => ({ tenantId: TENANT, userId: `u${size}` });
export const conversationOf = (size: number) => `c${size}`;

const SEED_BATCH = 1000;
const backends = new Map<BackendName, Backend>();
const seeded = new Map<BackendName, Set<number>>();
let corpus: NewMessage[] = [];

async function corpusOf(size: number): Promise<NewMessage[]> {
  if (corpus.length < size) {
    progress(`preparing ${size.toLocaleString('en-US')} corpus messages (token counts, hashes)`);
    corpus = await preparedCorpus(size);
  }
  return corpus.slice(0, size);
}

export async function seededBackend(name: BackendName, size: number): Promise<Backend> {
  let backend = backends.get(name);
  if (!backend) {
    backend = await openBackend(name, 'shared');
    backends.set(name, backend);
    seeded.set(name, new Set());
  }
  const done = seeded.get(name)!;
  if (!done.has(size)) {
    const started = performance.now();
    const messages = await corpusOf(size);
    const scope = scopeOf(size);
    await backend.store.createConversation(scope, { id: conversationOf(size) });
    if (backend.seedStore) await backend.seedStore(scope, conversationOf(size), messages);
    else {
      // Bulk path: batched appends of 1,000 (one transaction / one Lua call each).
      for (let start = 0; start < size; start += SEED_BATCH) {
        await backend.store.appendMessages(scope, conversationOf(size), messages.slice(start, start + SEED_BATCH));
      }
    }
    if (backend.seedRaw) await backend.seedRaw(conversationOf(size), messages.map((message) => JSON.stringify(message)));
    done.add(size);
    progress(`${name}: seeded ${size.toLocaleString('en-US')} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return backend;
}

export async function closeSeeded(): Promise<void> {
  for (const backend of backends.values()) await backend.close().catch((error) => progress(`close failed: ${String(error)}`));
  backends.clear();
  seeded.clear();
}

export { plainText, corpusMessage };
