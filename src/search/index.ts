export { analyzeText, CJK_CHARACTER_CLASS } from './analyze-text.js';
/** The Porter (1980) stemmer that {@link analyzeText} applies, from the `stemmer` package. */
export { stemmer as porterStem } from 'stemmer';
export { ENGLISH_STOPWORDS } from './stopwords.js';
export { messageSearchText, contentSearchText } from './message-text.js';
export { reciprocalRankFusion } from './rank-fusion.js';
export { termJaccard } from './text-similarity.js';
export { cosineSimilarity, embedInBatches, embedQuery, type Embedder } from './embedder.js';
export { createHashingEmbedder } from './hashing-embedder.js';
export { indexEmbeddings, messageEmbeddingTarget, memoryEmbeddingTarget, type EmbeddingTarget } from './index-embeddings.js';
export { recallExcerpts, type RecallExcerpt, type RecallOptions, type RecallResult } from './recall.js';
export { searchMessages, type SearchMessagesResult } from './search-messages.js';
export { createInProcessMessageSearch, type InProcessMessageSearch } from './in-process-message-search.js';
