import type { Conversation, CreateConversationInput, Message, NewMessage, Scope } from '../../types.js';

/**
 * The token count a conversation's `tokenCount` sums: a message's first stored count (the
 * manager's encoding). Every store adds and subtracts the same number.
 */
export function primaryTokens(message: Pick<NewMessage, 'tokenCounts'>): number {
  for (const count of Object.values(message.tokenCounts)) return count;
  return 0;
}

/** The sum of {@link primaryTokens} over `messages`. */
export function totalPrimaryTokens(messages: readonly Pick<NewMessage, 'tokenCounts'>[]): number {
  let total = 0;
  for (const message of messages) total += primaryTokens(message);
  return total;
}

/**
 * A retried write without ids: the newest stored messages have the same roles and content hashes
 * as the batch (`appendMessages({ dedupeByContentHash: true })`).
 */
export function isRetriedBatch(newest: readonly Pick<Message, 'role' | 'contentHash'>[], batch: readonly NewMessage[]): boolean {
  if (newest.length < batch.length) return false;
  const tail = newest.slice(-batch.length);
  return tail.every((message, index) => message.role === batch[index]!.role && message.contentHash === batch[index]!.contentHash);
}

/** The owner fields a record of `scope` carries: `tenantId`, and `userId` when the scope has one. */
export function ownerOf(scope: Scope): Scope {
  return scope.userId === undefined ? { tenantId: scope.tenantId } : { tenantId: scope.tenantId, userId: scope.userId };
}

/** True when `record` belongs to exactly `scope` (same tenant, same user or both without one). */
export function ownedBy(record: { readonly tenantId: string; readonly userId?: string }, scope: Scope): boolean {
  return record.tenantId === scope.tenantId && (record.userId ?? undefined) === (scope.userId ?? undefined);
}

/** True when the conversation has expired at `nowMs` (ms since epoch). */
export function isExpired(conversation: Pick<Conversation, 'expiresAt'>, nowMs: number): boolean {
  return conversation.expiresAt !== undefined && conversation.expiresAt.getTime() <= nowMs;
}

/**
 * A new conversation record of `scope` from validated input: the given or a random id, empty
 * counters, `createdAt = updatedAt = now`, and `expiresAt = now + ttl.seconds` when a TTL is set.
 */
export function newConversation(scope: Scope, input: CreateConversationInput, now: Date, extra: Partial<Conversation> = {}): Conversation {
  return {
    id: input.id ?? crypto.randomUUID(),
    ...ownerOf(scope),
    ...(input.title !== undefined ? { title: input.title } : {}),
    tags: [...(input.tags ?? [])],
    state: structuredClone(input.state ?? {}),
    stateVersion: 0,
    metadata: structuredClone(input.metadata ?? {}),
    ...(input.ttl ? { ttl: { seconds: input.ttl.seconds, mode: input.ttl.mode }, expiresAt: new Date(now.getTime() + input.ttl.seconds * 1000) } : {}),
    createdAt: now,
    updatedAt: now,
    messageCount: 0,
    tokenCount: 0,
    lastSeq: 0,
    ...extra,
  };
}

/**
 * The owner fields a memory written in `scope` carries: {@link ownerOf}, and `shared` — true for a
 * tenant-level memory (no `userId`), which every user of the tenant reads.
 */
export function memoryOwner(scope: Scope): Scope & { readonly shared: boolean } {
  return { ...ownerOf(scope), shared: scope.userId === undefined };
}

/**
 * True when `scope` reads `memory`: it owns it exactly, or the memory is the tenant's shared
 * (user-less) memory and `scope` is a user of that tenant.
 */
export function memoryVisibleTo(memory: { readonly tenantId: string; readonly userId?: string }, scope: Scope): boolean {
  return memory.tenantId === scope.tenantId && (memory.userId === undefined || memory.userId === scope.userId);
}
