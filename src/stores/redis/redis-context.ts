import { NotFoundError } from '../../errors.js';
import type { Scope } from '../../types.js';
import { createAppender } from './append.js';
import { conversationKeyList, conversationKeys } from './keys.js';
import { runScript, type RedisClientLike, type RedisScript } from './redis-client.js';
import { createLexicalIndex, type LexicalIndexOperations } from './lexical-index.js';
import { createScopeIndex, type ScopeIndex } from './scope-index.js';
import { readRange, TailEstimates } from './tail-read.js';

/** What every area of the Redis driver shares: the client, key prefix, clock, scope index and learned tail sizes. */
export interface RedisContext {
  readonly client: RedisClientLike;
  readonly prefix: string;
  readonly clock: { now(): number };
  readonly index: ScopeIndex;
  readonly append: ReturnType<typeof createAppender>;
  /** The scopes' lexical indexes (search, and removal when messages or conversations go). */
  readonly lexical: LexicalIndexOperations;
  /** Average tokens per message learned by tail reads, per conversation and encoding (this process). */
  readonly tailEstimates: TailEstimates;
  /** Per conversation, the stored summary's `coversThroughSeq` the last `readContext` saw. */
  readonly summaryFloors: TailEstimates;
  /** The keys of a conversation, in the order every conversation script expects. */
  keysOf(scope: Scope, conversationId: string): string[];
  /** Runs a conversation script with the standard header (now, has-user flag, user); returns the reply array. */
  conversationScript(script: RedisScript, scope: Scope, conversationId: string, now: number, args: ReadonlyArray<string | number>): Promise<unknown[]>;
  /** Message JSON members with scores in `[min, max]` (ZRANGEBYSCORE bounds), or null when the conversation is not visible. */
  range(scope: Scope, conversationId: string, now: number, order: 'asc' | 'desc', min: string, max: string, limit: number): Promise<string[] | null>;
}

export function createRedisContext(options: { client: RedisClientLike; prefix: string; clock: { now(): number } }): RedisContext {
  const { client, prefix } = options;
  const lexical = createLexicalIndex({ client, prefix });
  // A conversation leaving its scope's indexes (delete, TTL sweep) leaves its lexical index too.
  const index = createScopeIndex({ client, prefix, removed: (scope, conversationId) => lexical.purge(scope, conversationId) });
  const keysOf = (scope: Scope, conversationId: string) => conversationKeyList(conversationKeys(prefix, scope.tenantId, conversationId));
  return {
    ...options,
    index,
    lexical,
    append: createAppender({ client, prefix, index }),
    tailEstimates: new TailEstimates(),
    summaryFloors: new TailEstimates(),
    keysOf,
    async conversationScript(script, scope, conversationId, now, args) {
      return (await runScript(client, script, keysOf(scope, conversationId), [String(now), scope.userId === undefined ? '0' : '1', scope.userId ?? '', ...args])) as unknown[];
    },
    range: (scope, conversationId, now, order, min, max, limit) =>
      readRange({ client, keys: conversationKeys(prefix, scope.tenantId, conversationId), scope, now, order, min, max, limit }),
  };
}

export function notFound(conversationId: string): never {
  throw new NotFoundError({ kind: 'conversation', id: conversationId });
}

/** `ZRANGEBYSCORE` upper bound for "seq < beforeSeq" (none: everything). */
export const upperBound = (beforeSeq: number | undefined) => (beforeSeq === undefined ? '+inf' : `(${beforeSeq}`);
