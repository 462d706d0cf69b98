export { createMemories, hashMemoryText, type Memories, type MemoryHit } from './memories.js';
export { selectMemories, type SelectedMemories } from './select-memories.js';
export { extractMemories, type ExtractedMemory, type ExtractMemoriesResult, type MemoryExtractor } from './extract-memories.js';
export { createMemorySource } from './memory-source.js';

