/**
 * `llm-context/langchain`: LangChain JS adapters.
 * - {@link LLMContextChatMessageHistory}: a `BaseListChatMessageHistory` for `RunnableWithMessageHistory`.
 * - {@link contextMiddleware}: `createAgent` middleware that records turns and sends an assembled, budgeted prompt.
 * - {@link langChainSummarizer}, {@link langChainMemoryExtractor}, {@link langChainEmbedder}: LangChain models behind our interfaces.
 * - {@link toLangChainMessages} / {@link fromLangChainMessages}: lossless message conversion.
 * - {@link createMemoryTools}: `remember`, `forget`, `recall_memories`, `search_history` tools scoped by the agent's runtime context.
 *
 * Peer dependencies: `@langchain/core` (>=1) and, for the middleware, `langchain` (>=1).
 */
export { LLMContextChatMessageHistory, type LLMContextChatMessageHistoryOptions } from './chat-message-history.js';
export { contextMiddleware, type ContextMiddlewareOptions, type ContextMiddlewareRuntime } from './context-middleware.js';
export { langChainSummarizer, DEFAULT_SUMMARY_INSTRUCTIONS } from './langchain-summarizer.js';
export { langChainMemoryExtractor, DEFAULT_MEMORY_INSTRUCTIONS } from './langchain-memory-extractor.js';
export { langChainEmbedder } from './langchain-embedder.js';
export type { ChatModelLike } from './chat-model-like.js';
export {
  fromLangChainMessages,
  fromLangChainMessage,
  toLangChainMessages,
  toLangChainMessageList,
  LANGCHAIN_METADATA_KEY,
  UNKNOWN_TOOL_NAME,
  type ConvertibleMessage,
  type LangChainResidual,
} from './convert-messages.js';
export type { LangChainFields, LangChainToolCall } from './langchain-fields.js';
export { toolDefinitionsOf } from './tool-definitions.js';
export type { ManagerLike, AssembleBudget, AssembledMessage } from './manager-like.js';
export { createMemoryTools, memoryToolContextSchema, type LangChainMemoryToolsOptions } from './memory-tools.js';
