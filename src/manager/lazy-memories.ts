import type { Memories } from '../memories/memories.js';

/** The memories API, created on first use (it needs the tokenizer, which loads lazily). */
export function lazyMemories(create: () => Promise<Memories>): Memories {
  let memories: Promise<Memories> | undefined;
  const get = () => (memories ??= create());
  return {
    put: async (options) => (await get()).put(options),
    get: async (options) => (await get()).get(options),
    list: async (options) => (await get()).list(options),
    update: async (options) => (await get()).update(options),
    delete: async (options) => (await get()).delete(options),
    search: async (options) => (await get()).search(options),
  };
}
