export { createMemories, hashMemoryText, ownsMemory, type Memories, type MemoryHit, type MemoryScopeOptions } from './memories.js';
export { selectMemories, type SelectedMemories } from './select-memories.js';
export { extractMemories, type ExtractedMemory, type ExtractMemoriesResult, type MemoryExtractor } from './extract-memories.js';
export { createPatternExtractor, DEFAULT_MEMORY_PATTERNS, type MemoryPattern } from './pattern-extractor.js';

export {
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
  type SearchInput as MemoryToolSearchInput,
  type RememberOutput,
  type ForgetOutput,
  type RecallMemoriesOutput,
  type SearchHistoryOutput,
} from './memory-tools.js';
