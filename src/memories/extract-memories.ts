import { cosineSimilarity, type Embedder } from '../search/embedder.js';
import { contentSearchText } from '../search/message-text.js';
import { termJaccard } from '../search/text-similarity.js';
import type { JsonObject, Memory, MemorySource, Message, Scope } from '../types.js';
import { ownsMemory, type Memories } from './memories.js';

/** A fact proposed by a {@link MemoryExtractor}. */
export interface ExtractedMemory {
  /** Structured key (e.g. `user.home_city`): an existing memory with this key is updated. */
  readonly key?: string;
  readonly text: string;
  readonly tags?: readonly string[];
  readonly pinned?: boolean;
  /** Ids of the turns the fact came from; defaults to every turn passed in. */
  readonly messageIds?: readonly string[];
  readonly metadata?: JsonObject;
}

/**
 * Extracts long-term facts from new turns. LLM-backed implementations come with the LangChain and
 * AI SDK adapters; run it off the hot path (after the response).
 */
export interface MemoryExtractor {
  extract(options: {
    scope: Scope;
    conversationId: string;
    /** The new turns, ascending `seq`. */
    messages: readonly Message[];
    /** Memories already stored that look related, so the extractor can skip or rephrase known facts. */
    existing: readonly Memory[];
    signal?: AbortSignal;
  }): Promise<readonly ExtractedMemory[]>;
}

export interface ExtractMemoriesResult {
  readonly created: readonly Memory[];
  /** Memories updated because a proposal carried their key. */
  readonly updated: readonly Memory[];
  /** Proposals dropped as duplicates of an existing memory, with that memory's id. */
  readonly duplicates: ReadonlyArray<{ readonly text: string; readonly duplicateOf: string }>;
}

/**
 * The memory-extraction pipeline: asks the extractor for facts in `messages`, then writes each
 * one with provenance (`source: { conversationId, messageIds }`), deduplicating against stored
 * memories:
 * - by key: a proposal with a key upserts the memory with that key (the fact changed);
 * - by similarity: a keyless proposal whose text is at least `similarityThreshold` similar to one
 *   of the 5 best lexical matches among stored memories (or to an earlier proposal of this run) is
 *   dropped. Similarity is cosine of embeddings when an embedder is given, else the Jaccard
 *   similarity of stemmed term sets.
 *
 * @param options.similarityThreshold 0–1. @default 0.9 with an embedder, 0.8 without
 * @throws whatever the extractor throws (nothing is written then).
 */
export async function extractMemories(options: {
  memories: Memories;
  extractor: MemoryExtractor;
  scope: Scope;
  conversationId: string;
  messages: readonly Message[];
  embedder?: Embedder;
  similarityThreshold?: number;
  signal?: AbortSignal;
}): Promise<ExtractMemoriesResult> {
  const { memories, scope } = options;
  if (options.messages.length === 0) return { created: [], updated: [], duplicates: [] };
  const threshold = options.similarityThreshold ?? (options.embedder ? 0.9 : 0.8);
  // The new turns' text (bounded) finds the stored memories the extractor should know about.
  const query = options.messages.map((message) => contentSearchText(message.content)).join(' ').slice(0, 2000);
  const related = query.trim().length > 0 ? (await memories.search(query, { scope, limit: 20 })).map((hit) => hit.memory) : [];
  const proposals = await options.extractor.extract({
    scope,
    conversationId: options.conversationId,
    messages: options.messages,
    existing: related,
    ...(options.signal ? { signal: options.signal } : {}),
  });

  const created: Memory[] = [];
  const updated: Memory[] = [];
  const duplicates: Array<{ text: string; duplicateOf: string }> = [];
  const accepted: Memory[] = [];
  for (const proposal of proposals) {
    options.signal?.throwIfAborted();
    const source: MemorySource = { conversationId: options.conversationId, messageIds: proposal.messageIds ?? options.messages.map((message) => message.id) };
    const input = {
      text: proposal.text,
      source,
      ...(proposal.key !== undefined ? { key: proposal.key } : {}),
      ...(proposal.tags !== undefined ? { tags: proposal.tags } : {}),
      ...(proposal.pinned !== undefined ? { pinned: proposal.pinned } : {}),
      ...(proposal.metadata !== undefined ? { metadata: proposal.metadata } : {}),
    };
    if (proposal.key !== undefined) {
      const existed = related.some((memory) => memory.key === proposal.key && ownsMemory(memory, scope)) || (await hasKey(memories, scope, proposal.key));
      const memory = await memories.put(input, { scope });
      (existed ? updated : created).push(memory);
      accepted.push(memory);
      continue;
    }
    const candidates = [...(await memories.search(proposal.text, { scope, limit: 5 })).map((hit) => hit.memory), ...accepted];
    const duplicate = await findDuplicate(proposal.text, candidates, threshold, options.embedder, options.signal);
    if (duplicate) {
      duplicates.push({ text: proposal.text, duplicateOf: duplicate.id });
      continue;
    }
    const memory = await memories.put(input, { scope });
    created.push(memory);
    accepted.push(memory);
  }
  return { created, updated, duplicates };
}

async function findDuplicate(text: string, candidates: readonly Memory[], threshold: number, embedder: Embedder | undefined, signal?: AbortSignal): Promise<Memory | undefined> {
  if (candidates.length === 0) return undefined;
  if (!embedder) return candidates.find((memory) => termJaccard(text, memory.text) >= threshold);
  const [vector, ...others] = await embedder.embed([text, ...candidates.map((memory) => memory.text)], signal ? { signal } : {});
  return candidates.find((_, index) => cosineSimilarity(vector!, others[index]!) >= threshold);
}

/** Whether the scope's own memory with this key exists (one page of the newest 1000; keys are rare enough). */
async function hasKey(memories: Memories, scope: Scope, key: string): Promise<boolean> {
  const page = await memories.list({ scope, limit: 1000 });
  return page.items.some((memory) => memory.key === key && ownsMemory(memory, scope));
}
