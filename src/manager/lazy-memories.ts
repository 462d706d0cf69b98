import type { Memories } from '../memories/memories.js';

/** The memories API, created on first use (it needs the tokenizer, which loads lazily). */
export function lazyMemories(create: () => Promise<Memories>): Memories {
  let memories: Promise<Memories> | undefined;
  const get = () => (memories ??= create());
  return {
    put: async (memory, options) => (await get()).put(memory, options),
    get: async (id, options) => (await get()).get(id, options),
    list: async (options) => (await get()).list(options),
    update: async (id, options) => (await get()).update(id, options),
    delete: async (id, options) => (await get()).delete(id, options),
    search: async (query, options) => (await get()).search(query, options),
    history: async (id, options) => (await get()).history(id, options),
  };
}
