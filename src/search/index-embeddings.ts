import { CapabilityError } from '../errors.js';
import type { EmbeddingRecord, Store } from '../spec/store.js';
import type { Memory, Message, Scope } from '../types.js';
import { embedInBatches, type Embedder } from './embedder.js';
import { messageSearchText } from './message-text.js';

/** Something to embed: a message or a memory, with the text that represents it. */
export interface EmbeddingTarget {
  readonly kind: 'message' | 'memory';
  readonly targetId: string;
  readonly conversationId?: string;
  readonly seq?: number;
  readonly text: string;
  readonly contentHash: string;
}

/**
 * The embedding pipeline: embeds the targets that have no vector for `embedder.modelId` yet
 * (checked with `store.vectors.has`, so each message is embedded once), in batches, and stores
 * the vectors with their model id and content hash. Targets with equal content hashes in one call
 * share one embedding. Meant to run off the hot path (after the response, or in a queue).
 *
 * @param options.force re-embed even when a vector exists (a memory whose text changed).
 * @param options.batchSize texts per embedder call. @default 64
 * @returns how many targets were embedded now and how many already had a vector.
 * @throws {CapabilityError} when the store has no vector index.
 * @throws whatever the embedder throws; nothing is stored for the failing batch or after it.
 */
export async function indexEmbeddings(options: {
  store: Store;
  scope: Scope;
  embedder: Embedder;
  targets: readonly EmbeddingTarget[];
  force?: boolean;
  batchSize?: number;
  signal?: AbortSignal;
}): Promise<{ embedded: number; cached: number }> {
  const { store, scope, embedder } = options;
  const vectors = store.vectors;
  if (!vectors) {
    throw new CapabilityError({ store: store.name, capability: 'vectorSearch', hint: 'use a store with a vector index (PostgreSQL with pgvector, PGlite, or the in-memory store)' });
  }
  let pending = options.targets;
  if (!options.force) {
    const existing = new Set<string>();
    for (const kind of ['message', 'memory'] as const) {
      const targetIds = pending.filter((target) => target.kind === kind).map((target) => target.targetId);
      if (targetIds.length === 0) continue;
      for (const id of await vectors.has(scope, { model: embedder.modelId, kind, targetIds })) existing.add(`${kind}:${id}`);
    }
    pending = pending.filter((target) => !existing.has(`${target.kind}:${target.targetId}`));
  }
  const uniqueTexts = new Map<string, string>();
  for (const target of pending) if (!uniqueTexts.has(target.contentHash)) uniqueTexts.set(target.contentHash, target.text);
  const hashes = [...uniqueTexts.keys()];
  const embedded = await embedInBatches({ embedder, texts: [...uniqueTexts.values()], ...(options.batchSize ? { batchSize: options.batchSize } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const byHash = new Map(hashes.map((hash, index) => [hash, embedded[index]!]));
  const records: EmbeddingRecord[] = pending.map((target) => ({
    kind: target.kind,
    targetId: target.targetId,
    ...(target.conversationId !== undefined ? { conversationId: target.conversationId } : {}),
    ...(target.seq !== undefined ? { seq: target.seq } : {}),
    model: embedder.modelId,
    vector: byHash.get(target.contentHash)!,
    contentHash: target.contentHash,
  }));
  if (records.length > 0) await vectors.upsert(scope, records);
  return { embedded: records.length, cached: options.targets.length - pending.length };
}

/** The embedding target of a stored message (its {@link messageSearchText}). Tool and system messages are included. */
export function messageEmbeddingTarget(message: Message): EmbeddingTarget {
  return { kind: 'message', targetId: message.id, conversationId: message.conversationId, seq: message.seq, text: messageSearchText(message), contentHash: message.contentHash };
}

/** The embedding target of a memory (its text). */
export function memoryEmbeddingTarget(memory: Memory): EmbeddingTarget {
  return { kind: 'memory', targetId: memory.id, text: memory.text, contentHash: memory.contentHash };
}
