/**
 * llm-context: store LLM conversations and assemble the prompt for the next call under a token
 * budget. This entry imports no backend driver, framework, or `node:` module.
 */
export * from './types.js';
export * from './errors.js';
export {
  ContextManager,
  type ContextManagerOptions,
  type ContextMessage,
  type AppendOptions as ManagerAppendOptions,
  type AssembleOptions,
  type AssembleResult,
  type SectionShares,
  type RecallOptions,
  type ConversationSearchHit,
  type SearchOptions as ManagerSearchOptions,
} from './context-manager.js';
export type { AssemblyReport, SectionName, SectionReport, DroppedItem, DropReason } from './assemble/report.js';
export type { BudgetOptions, ResolvedBudget, BudgetPlan, SectionCaps } from './assemble/plan-budget.js';
export { resolveBudget, planBudget, capSections } from './assemble/plan-budget.js';
export type { SectionSources, MemorySourceArgs, SummarySourceArgs, SummarySourceResult, RecallSourceArgs } from './assemble/sources.js';
export { type RecallExcerpt } from './assemble/system-blocks.js';
export { messageText } from './messages/message-text.js';
export { groupIntoUnits, type MessageUnit } from './assemble/tool-groups.js';
export type * from './spec/store.js';
export * as validate from './spec/validate.js';
export { createMemoryStore, type MemoryStoreOptions } from './stores/memory/index.js';
export { prepareMessages, hashMessageContent } from './messages/prepare.js';
export { canonicalJson, sha256Hex } from './messages/content-hash.js';
export * from './tokens/index.js';
export { createSummarySource, createMemorySource, createRecallSource } from './assemble/sections/index.js';
// Summaries, memories, search and recall: the section sources and their building blocks.
export {
  createExtractiveSummarizer,
  prepareSummary,
  compactConversation,
  formatTranscript,
  type Summarizer,
  type SummaryPolicyOptions,
  type SummaryPolicyResult,
  type SummaryStatus,
} from './summarize/index.js';
export {
  createMemories,
  selectMemories,
  extractMemories,
  createPatternExtractor,
  DEFAULT_MEMORY_PATTERNS,
  type MemoryPattern,
  hashMemoryText,
  type Memories,
  type MemoryHit,
  type MemoryScopeOptions,
  ownsMemory,
  type SelectedMemories,
  type MemoryExtractor,
  type ExtractedMemory,
  type ExtractMemoriesResult,
  createMemoryToolHandlers,
  truncateToTokens,
  MEMORY_TOOL_DESCRIPTIONS,
  MAX_TOOL_SEARCH_LIMIT,
  MEMORY_TOOL_CONTEXT_SCHEMA,
  MEMORY_TOOL_INPUT_SCHEMAS,
  type MemoryToolContext,
  type MemoryToolManager,
  type MemoryToolsOptions,
  type MemoryToolHandlers,
  type RememberInput,
  type ForgetInput,
  type MemoryToolSearchInput,
  type RememberOutput,
  type ForgetOutput,
  type RecallMemoriesOutput,
  type SearchHistoryOutput,
} from './memories/index.js';
export {
  recallExcerpts,
  searchMessages,
  indexEmbeddings,
  messageEmbeddingTarget,
  memoryEmbeddingTarget,
  createHashingEmbedder,
  embedInBatches,
  embedQuery,
  cosineSimilarity,
  reciprocalRankFusion,
  analyzeText,
  porterStem,
  messageSearchText,
  type Embedder,
  type EmbeddingTarget,
  type RecallResult,
  type RecallOptions as RecallExcerptsOptions,
  type SearchMessagesResult,
} from './search/index.js';
export { LexicalIndex, type LexicalHit, type LexicalIndexOptions } from './search/lexical-index.js';
