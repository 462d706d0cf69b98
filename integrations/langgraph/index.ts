/**
 * `llm-context/langgraph`: a LangGraph `BaseStore` over llm-context memories
 * ({@link LLMContextStore}), for `createAgent({ store })` / LangGraph long-term memory in the same
 * tables as conversations, confined to one scope fixed when the store is created.
 *
 * Peer dependency: `@langchain/langgraph-checkpoint` (>=1; `@langchain/langgraph` depends on it).
 */
export { LLMContextStore, type LLMContextStoreOptions, type LangGraphStoreManager } from './store.js';
export { matchesFilter } from './filter.js';
