import { LLMContextError } from '../../errors.js';
import type { Store } from '../../spec/store.js';
import type { Scope } from '../../types.js';
import type { TieredHealth, TieredStoreOptions } from './tiered-options.js';

/**
 * Error codes of a hot-store call that are answers, not hot-store failures: a missing or taken
 * conversation, a reused message id whose stored copy differs (the hot copy is stale: the durable
 * store already decided), and bad input.
 */
const ANSWERS: ReadonlySet<string> = new Set(['not_found', 'conversation_exists', 'idempotency_conflict', 'invalid_input']);

/**
 * The hot tier's bookkeeping for {@link createTieredStore}: runs hot-store calls (skipping the hot
 * store for `hotRetryAfterMs` after a failure), mirrors writes, drops stale copies, reads through
 * to the durable store on a miss and repopulates the hot copy in the background, and counts it all
 * for `health()`.
 */
export function createHotTier(options: TieredStoreOptions) {
  const { hot, durable } = options;
  const retryAfter = options.hotRetryAfterMs ?? 5000;
  const clock = options.clock ?? { now: () => Date.now() };
  const counters = { hotHits: 0, hotMisses: 0, repopulations: 0, invalidations: 0, hotFailures: 0 };
  let lastHotError: string | undefined;
  let downUntil = 0;
  /** key → scope of conversations whose hot copy may be stale. */
  const stale = new Map<string, { scope: Scope; conversationId: string }>();
  const background = new Set<Promise<void>>();

  const staleKey = (scope: Scope, conversationId: string) => JSON.stringify([scope.tenantId, scope.userId ?? null, conversationId]);

  function recordFailure(operation: string, error: unknown): void {
    counters.hotFailures += 1;
    lastHotError = LLMContextError.isInstance(error) ? error.code : 'unknown';
    downUntil = clock.now() + retryAfter;
    options.onHotError?.({ operation, error });
  }

  /** True when the hot store may be used: not in its back-off, and pending invalidations flushed. */
  async function hotUsable(): Promise<boolean> {
    if (clock.now() < downUntil) return false;
    for (const [key, { scope, conversationId }] of stale) {
      try {
        await hot.deleteConversation(scope, conversationId);
        stale.delete(key);
      } catch (error) {
        recordFailure('deleteConversation', error);
        return false;
      }
    }
    return true;
  }

  /**
   * Runs a hot-store call; on failure records it and marks the conversation stale. Returns undefined
   * on failure. Errors in {@link ANSWERS} are rethrown: bad input (`invalid_input`, from the shared
   * validators every store uses, so the durable store would say the same), and the data answers a
   * mirror turns into an invalidation.
   */
  async function onHot<T>(operation: string, scope: Scope, conversationId: string | undefined, run: () => Promise<T>): Promise<T | undefined> {
    if (!(await hotUsable())) {
      if (conversationId !== undefined) stale.set(staleKey(scope, conversationId), { scope, conversationId });
      return undefined;
    }
    try {
      return await run();
    } catch (error) {
      // Answers about the data or the call, not failures of the hot store: the caller decides.
      if (LLMContextError.isInstance(error) && ANSWERS.has(error.code)) throw error;
      recordFailure(operation, error);
      if (conversationId !== undefined) stale.set(staleKey(scope, conversationId), { scope, conversationId });
      return undefined;
    }
  }

  async function invalidate(scope: Scope, conversationId: string): Promise<void> {
    counters.invalidations += 1;
    await onHot('deleteConversation', scope, conversationId, () => hot.deleteConversation(scope, conversationId));
  }

  /** Mirrors a write to the hot copy; a missing copy is fine (it is repopulated on the next miss). */
  async function mirror(operation: string, scope: Scope, conversationId: string, run: () => Promise<boolean>): Promise<void> {
    try {
      const consistent = await onHot(operation, scope, conversationId, run);
      if (consistent === false) await invalidate(scope, conversationId);
    } catch (error) {
      if (LLMContextError.isInstance(error) && error.code === 'not_found') return;
      await invalidate(scope, conversationId);
    }
  }

  function repopulate(scope: Scope, conversationId: string): void {
    const task = (async () => {
      try {
        const exported = await durable.exportConversation(scope, conversationId);
        const copied = await onHot('importConversation', scope, conversationId, () => hot.importConversation(scope, exported));
        if (!copied) return;
        counters.repopulations += 1;
        const current = await durable.getConversation(scope, conversationId);
        if (!current || current.lastSeq !== copied.lastSeq || current.messageCount !== copied.messageCount) await invalidate(scope, conversationId);
      } catch {
        // Absent in the durable store, or already copied by a concurrent reader: nothing to do.
      }
    })();
    background.add(task);
    void task.finally(() => background.delete(task));
  }

  /** Reads from the hot store; `isMiss` says when its answer cannot be trusted to be complete. */
  async function readThrough<T>(operation: string, scope: Scope, conversationId: string, read: (store: Store) => Promise<T>, isMiss: (value: T) => boolean): Promise<T> {
    const fromHot = await onHot(operation, scope, conversationId, () => read(hot)).catch((error: unknown) => {
      // Bad input: the durable store runs the same shared validators, so its answer would be the same.
      if (LLMContextError.isInstance(error) && error.code === 'invalid_input') throw error;
      return undefined;
    });
    if (fromHot !== undefined && !isMiss(fromHot)) {
      counters.hotHits += 1;
      return fromHot;
    }
    counters.hotMisses += 1;
    const fromDurable = await read(durable);
    if (fromHot !== undefined && !isMiss(fromDurable)) repopulate(scope, conversationId);
    return fromDurable;
  }

  return {
    onHot,
    invalidate,
    mirror,
    readThrough,
    health(): TieredHealth {
      return {
        hot: clock.now() < downUntil ? 'down' : 'up',
        ...counters,
        ...(lastHotError !== undefined ? { lastHotError } : {}),
        pendingInvalidations: stale.size,
      };
    },
    async settle() {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
}
