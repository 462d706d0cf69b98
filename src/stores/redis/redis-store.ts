import { ConversationExistsError, NotFoundError, StateConflictError, ValidationError } from '../../errors.js';
import { decodeCursor } from '../../spec/cursor.js';
import { buildExport, parseExport } from '../../spec/export-format.js';
import type {
  AppendOptions,
  AppendResult,
  ContextRead,
  ContextReadOptions,
  ErasureResult,
  ListConversationsOptions,
  ListMessagesOptions,
  MessageSearchHit,
  MessageSearchOptions,
  Store,
  TailOptions,
  TailResult,
} from '../../spec/store.js';
import {
  validateConversationId,
  validateCreateConversation,
  validateId,
  validateJsonObject,
  validateLimit,
  validateNewMessages,
  validateQuery,
  validateScope,
  validateSeq,
  validateTags,
  validateTailOptions,
  validateUpdateConversation,
  validateUserScope,
} from '../../spec/validate.js';
import type { Conversation, CreateConversationInput, JsonObject, Message, Page, Scope, Summary } from '../../types.js';
import {
  conversationPairs,
  decodeConversation,
  decodeMessage,
  decodeSummary,
  isVisible,
  messageJson,
  primaryTokens,
  summaryJson,
  toFieldMap,
} from './codec.js';
import { createAppender } from './append.js';
import { conversationKeyList, conversationKeys, expiryKey, expiryMember, scopeKeys } from './keys.js';
import { runScript, toStoreError, type RedisClientLike, type RedisScript } from './redis-client.js';
import * as scripts from './scripts.js';
import { searchWindow } from './search-window.js';
import { createScopeIndex } from './scope-index.js';
import { readContextFast } from './context-read.js';
import { readRange, readTailFast, TailEstimates } from './tail-read.js';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** An `ioredis` `Redis` or `Cluster` instance (typed structurally). The caller owns it and closes it. */
  readonly client: RedisClientLike;
  /** Prefix of every key. @default "llmctx:v1:" */
  readonly keyPrefix?: string;
  /** Clock in ms since epoch; tests inject one to exercise TTL. @default Date.now */
  readonly clock?: { now(): number };
  /** Per-message size limit in bytes (UTF-8 JSON of content + metadata). @default 1 MiB */
  readonly maxMessageBytes?: number;
}

const STORE = 'redis';
/** A fork or import that crashes mid-fill leaves a claim that Redis expires after this long (ms). */
const PENDING_TTL_MS = 10 * 60 * 1000;

/** Average tokens per message assumed for a conversation's first context read in this process (chat turns run 20–100). */
const FIRST_READ_AVERAGE_TOKENS = 40;

/** Key of a conversation's learned average tokens per message (per encoding) in {@link TailEstimates}. */
const tailEstimateKey = (scope: Scope, conversationId: string, encoding: string) => JSON.stringify([scope.tenantId, conversationId, encoding]);

/** `ZRANGEBYSCORE` upper bound for "seq < beforeSeq" (none: everything). */
const upperBound = (beforeSeq: number | undefined) => (beforeSeq === undefined ? '+inf' : `(${beforeSeq}`);
/** Messages per round trip when copying (fork, import, export). */
const COPY_CHUNK = 500;
/** Lexical search windows: newest messages of one conversation, or of each of the newest conversations. */
export const SEARCH_WINDOW = { conversationMessages: 1000, conversations: 20, messagesPerConversation: 200 } as const;

/**
 * A Redis store (`llm-context/redis`) for `ioredis` `Redis` or `Cluster` clients: low latency,
 * native TTL, one cluster slot per conversation.
 *
 * **Key layout** (prefix `P`, default `llmctx:v1:`; tenant, user and conversation ids
 * percent-encoded so `{`, `}` and `:` inside ids cannot break a hash tag):
 * - `P{t:<tenant>:c:<conversation>}:meta` — hash: the conversation's fields (`tags`, `state`,
 *   `metadata` as JSON; times in epoch ms; `lastSeq`, `messageCount`, `tokenCount`).
 * - `…:msgs` — sorted set: score = seq, member = the message JSON (with its seq and id, so unique),
 *   which starts `{"seq":N,"tc":";o200k_base=42;…"`: the per-message token counts, kept at a fixed
 *   head so the tail script reads them with one anchored match and never parses a message.
 * - `…:ids` — hash: message id → seq (idempotency, delete by id).
 * - `…:tok` — hash: seq → primary-encoding count (to keep `tokenCount` exact on delete).
 * - `…:sum` — hash: `c` = coversThroughSeq, `j` = the summary JSON.
 * - `P{t:<tenant>:u:<user or ->}:convs`, `…:tag:<tag>`, `…:parent:<id>` — sorted sets of
 *   conversation ids by `updatedAt` ms (one scope, one slot); `…:indexes` — set of that scope's
 *   tag/parent index keys, so erasure needs no SCAN.
 * - `P{x:<0..15>}:expiry` — sorted sets of `[tenant, user, id]` by `expiresAt` ms, read by
 *   {@link Store.sweepExpired}; 16 buckets so sliding-TTL refreshes do not all hit one slot.
 *
 * **Atomicity.** Every write to a conversation is one Lua script on its slot: `appendMessages`
 * reserves the seq range, skips ids already stored, writes messages, counts and the meta hash, and
 * refreshes the TTL of every key, all or nothing. The scope indexes live in another slot (in a
 * Cluster a script cannot span slots), so they are a second, idempotent step, ordered so the
 * indexes are always a superset of the live conversations: an entry is added (`ZADD NX`) before a
 * conversation is created and removed after it is deleted; scores only move forward (`ZADD GT`).
 * On a single connection an append sends its index step right behind the script, so both take one
 * round trip (see append.ts). A crash between the steps leaves at worst a stale entry, which every
 * listing repairs on read (it checks each entry against the meta hash and fixes or removes it with
 * a compare-and-set on the score it saw, so a repair never undoes a concurrent writer).
 *
 * **Fork and import** may read from another slot, so they build the new conversation in steps:
 * claim the id with a `pending` marker (invisible to reads, expiring after 10 minutes so a crashed
 * copy vanishes), fill messages in chunks of 500, then publish the meta fields in one script.
 *
 * **Time and TTL.** `now` comes from `clock` and is passed to the scripts; expiry is checked
 * against it on every read (so an injected test clock governs it). Every key of a conversation
 * also carries a native `PEXPIRE` of the remaining time, refreshed on append for sliding TTLs,
 * so Redis reclaims memory by itself; index entries of expired conversations are removed lazily
 * by listings and by {@link Store.sweepExpired}.
 *
 * **Tail read** (`getTail`, what assembly calls), one round trip: once a conversation's average
 * tokens per message is known (learned from the previous read, kept per process), a `MULTI` reads
 * the ownership fields and the newest ≈ budget ÷ average × 1.15 messages natively and the client
 * walks the budget using the counts in each member's head; otherwise, or when that read falls
 * short, the `TAIL` Lua script walks back inside Redis. Both read only the window they return
 * (plus one message), so the cost is flat in history length. The fast path does fetch the window
 * before the ownership check is applied (in the same transaction), then discards it for a stranger.
 *
 * **Search.** Lexical search scans a bounded window (see {@link SEARCH_WINDOW}): the newest 1,000
 * messages of one conversation, or the newest 200 messages of each of the scope's 20 most recently
 * updated conversations, scored with BM25. Vector search and memories are absent: pair Redis with
 * Postgres through `createTieredStore`.
 *
 * Reads never use `KEYS` or unbounded ranges; listings page through indexes with `LIMIT`.
 *
 * @throws {StoreUnavailableError} (retryable) when Redis is unreachable, naming the operation.
 * @throws {StoreError} for any other Redis failure.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const { client } = options;
  const prefix = options.keyPrefix ?? 'llmctx:v1:';
  const clock = options.clock ?? { now: () => Date.now() };

  const tailEstimates = new TailEstimates();
  const index = createScopeIndex({ client, prefix });
  const append = createAppender({ client, prefix, index });
  const keysOf = (scope: Scope, conversationId: string) => conversationKeyList(conversationKeys(prefix, scope.tenantId, conversationId));
  const header = (scope: Scope, now: number) => [String(now), scope.userId === undefined ? '0' : '1', scope.userId ?? ''];

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toStoreError(STORE, operation, error);
    }
  }

  /** Runs a conversation script with the standard header; returns the reply array. */
  async function conversationScript(script: RedisScript, scope: Scope, conversationId: string, now: number, args: ReadonlyArray<string | number>): Promise<unknown[]> {
    return (await runScript(client, script, keysOf(scope, conversationId), [...header(scope, now), ...args])) as unknown[];
  }

  const range = (scope: Scope, conversationId: string, now: number, order: 'asc' | 'desc', min: string, max: string, limit: number) =>
    readRange({ client, keys: conversationKeys(prefix, scope.tenantId, conversationId), scope, now, order, min, max, limit });

  function notFound(conversationId: string): never {
    throw new NotFoundError({ kind: 'conversation', id: conversationId });
  }

  function conversationFromReply(reply: unknown): Conversation {
    return decodeConversation(toFieldMap(reply));
  }

  async function createWith(scope: Scope, input: CreateConversationInput, ifExists: 'error' | 'return', extra: { parentId?: string; forkedFromSeq?: number } = {}): Promise<Conversation> {
    const now = clock.now();
    const id = input.id ?? crypto.randomUUID();
    const tags = [...(input.tags ?? [])];
    const expiresAt = input.ttl ? now + input.ttl.seconds * 1000 : undefined;
    const pairs = conversationPairs({
      id,
      scope,
      ...(input.title !== undefined ? { title: input.title } : {}),
      tags,
      state: input.state ?? {},
      stateVersion: 0,
      metadata: input.metadata ?? {},
      ...extra,
      ...(input.ttl ? { ttl: { seconds: input.ttl.seconds, mode: input.ttl.mode } } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      createdAt: now,
      updatedAt: now,
      messageCount: 0,
      tokenCount: 0,
      lastSeq: 0,
    });
    await index.write(scope, id, now, 'NX', { tags, ...(extra.parentId !== undefined ? { parentId: extra.parentId } : {}) });
    const reply = await conversationScript(scripts.CREATE, scope, id, now, [ifExists, input.ttl ? input.ttl.seconds * 1000 : 0, ...pairs]);
    if (reply[0] === 'taken') {
      // The id belongs to another scope of the tenant: drop the entry the NX step may have added here.
      await index.remove(scope, id, tags, extra.parentId);
      throw new ConversationExistsError({ id });
    }
    if (reply[0] === 'exists' && ifExists !== 'return') throw new ConversationExistsError({ id });
    const conversation = conversationFromReply(reply[1]);
    if (reply[0] === 'created' && conversation.expiresAt) await index.writeExpiry(scope, conversation);
    return conversation;
  }

  async function readAllMessages(scope: Scope, conversationId: string, now: number, maxSeq?: number): Promise<Message[] | null> {
    const messages: Message[] = [];
    let after = 0;
    for (;;) {
      const members = await range(scope, conversationId, now, 'asc', `(${after}`, maxSeq === undefined ? '+inf' : String(maxSeq), COPY_CHUNK);
      if (members === null) return null;
      const page = members.map((json) => decodeMessage(json, conversationId));
      messages.push(...page);
      if (page.length < COPY_CHUNK) return messages;
      after = page.at(-1)!.seq;
    }
  }

  /** Claim → fill in chunks → publish: builds a conversation whose messages come from elsewhere. */
  async function buildConversation(
    scope: Scope,
    id: string,
    messages: ReadonlyArray<Omit<Message, 'conversationId'>>,
    fields: Omit<Parameters<typeof conversationPairs>[0], 'id' | 'scope'>,
    summary: Summary | null,
  ): Promise<Conversation> {
    const nonce = crypto.randomUUID();
    const now = clock.now();
    await index.write(scope, id, fields.updatedAt, 'NX', { tags: fields.tags, ...(fields.parentId !== undefined ? { parentId: fields.parentId } : {}) });
    const claimed = await conversationScript(scripts.CLAIM, scope, id, now, [nonce, id, scope.tenantId, PENDING_TTL_MS]);
    if (claimed[0] !== 'claimed') throw new ConversationExistsError({ id });
    try {
      for (let start = 0; start < messages.length; start += COPY_CHUNK) {
        const args: Array<string | number> = [];
        const chunk = messages.slice(start, start + COPY_CHUNK);
        for (const message of chunk) args.push(message.seq, message.id, primaryTokens(message), messageJson(message));
        const filled = await conversationScript(scripts.FILL, scope, id, now, [nonce, chunk.length, ...args]);
        if (filled[0] !== 'ok') throw new ConversationExistsError({ id });
      }
      const ttlMs = fields.expiresAt !== undefined ? Math.max(1, fields.expiresAt - now) : 0;
      const published = await conversationScript(scripts.PUBLISH, scope, id, now, [
        nonce,
        ttlMs,
        summary ? String(summary.coversThroughSeq) : '',
        summary ? summaryJson(summary) : '',
        ...conversationPairs({ id, scope, ...fields }),
      ]);
      if (published[0] !== 'ok') throw new ConversationExistsError({ id });
      const conversation = conversationFromReply(published[1]);
      await index.write(scope, id, conversation.updatedAt.getTime(), 'GT', { tags: conversation.tags, ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}) });
      if (conversation.expiresAt) await index.writeExpiry(scope, conversation);
      return conversation;
    } catch (error) {
      await conversationScript(scripts.ABORT, scope, id, now, [nonce]).catch(() => undefined);
      throw error;
    }
  }

  async function deleteOne(scope: Scope, conversationId: string, force: boolean): Promise<{ deleted: boolean; messages: number }> {
    const reply = await conversationScript(scripts.DELETE, scope, conversationId, clock.now(), [force ? 'force' : '']);
    if (reply[0] !== 'deleted') return { deleted: false, messages: 0 };
    const tags = JSON.parse(String(reply[1] ?? '[]')) as string[];
    const parentId = String(reply[2] ?? '') || undefined;
    await index.remove(scope, conversationId, tags, parentId);
    await client.zrem(expiryKey(prefix, scope.tenantId, conversationId), expiryMember(scope, conversationId));
    return { deleted: true, messages: Number(reply[3] ?? 0) };
  }

  const store: Store = {
    specificationVersion: 'v1',
    name: STORE,
    capabilities: {
      lexicalSearch: { available: true },
      vectorSearch: {
        available: false,
        reason: 'Redis here has no vector search module; pair Redis with Postgres (createTieredStore({ hot: redisStore, durable: postgresStore })) for vector search',
      },
      memories: {
        available: false,
        reason: 'the Redis store keeps no long-term memories; pair Redis with Postgres (createTieredStore({ hot: redisStore, durable: postgresStore })) for memories',
      },
      ttlSweep: { available: true },
    },

    async createConversation(scope, input, createOptions = {}) {
      validateScope(scope);
      validateCreateConversation(input);
      return call('createConversation', () => createWith(scope, input, createOptions.ifExists ?? 'error'));
    },

    async getConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return call('getConversation', async () => {
        const map = await client.hgetall(keysOf(scope, conversationId)[0]!);
        return isVisible(map, scope, clock.now()) ? decodeConversation(map) : null;
      });
    },

    async listConversations(scope, listOptions: ListConversationsOptions = {}): Promise<Page<Conversation>> {
      validateScope(scope);
      const limit = validateLimit('limit', listOptions.limit, 50);
      if (listOptions.tag !== undefined) validateTags('tag', [listOptions.tag]);
      if (listOptions.parentId !== undefined) validateConversationId(listOptions.parentId);
      const start = listOptions.cursor === undefined ? undefined : decodeCursor('cursor', listOptions.cursor);
      const keys = scopeKeys(prefix, scope);
      const indexKey = listOptions.parentId !== undefined ? keys.parent(listOptions.parentId) : listOptions.tag !== undefined ? keys.tag(listOptions.tag) : keys.all;
      return call('listConversations', () => index.list({ scope, indexKey, limit, ...(start ? { start } : {}), filter: listOptions, now: clock.now() }));
    },

    async updateConversation(scope, conversationId, patch) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateUpdateConversation(patch);
      return call('updateConversation', async () => {
        const now = clock.now();
        if (patch.tags !== undefined && patch.tags.length > 0) await index.write(scope, conversationId, now, 'NX', { tags: patch.tags });
        const reply = await conversationScript(scripts.UPDATE, scope, conversationId, now, [
          patch.title === undefined ? 'keep' : patch.title === null ? 'del' : 'set',
          patch.title ?? '',
          patch.tags === undefined ? 'keep' : 'set',
          JSON.stringify(patch.tags ?? []),
          patch.metadata === undefined ? 'keep' : 'set',
          JSON.stringify(patch.metadata ?? {}),
          patch.ttl === undefined ? 'keep' : patch.ttl === null ? 'del' : 'set',
          patch.ttl ? patch.ttl.seconds : 0,
          patch.ttl ? patch.ttl.mode : '',
        ]);
        if (reply[0] !== 'ok') notFound(conversationId);
        const oldTags = JSON.parse(String(reply[1] ?? '[]')) as string[];
        const conversation = conversationFromReply(reply[2]);
        const removed = oldTags.filter((tag) => !conversation.tags.includes(tag));
        await index.write(scope, conversationId, conversation.updatedAt.getTime(), 'GT', { tags: conversation.tags, ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}) }, removed);
        if (patch.ttl !== undefined) await index.writeExpiry(scope, conversation);
        return conversation;
      });
    },

    async updateState(scope, conversationId, state: JsonObject, stateOptions = {}) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateJsonObject('state', state);
      if (stateOptions.expectedVersion !== undefined) validateSeq('expectedVersion', stateOptions.expectedVersion);
      return call('updateState', async () => {
        const reply = await conversationScript(scripts.UPDATE_STATE, scope, conversationId, clock.now(), [
          JSON.stringify(state),
          stateOptions.expectedVersion === undefined ? '' : String(stateOptions.expectedVersion),
        ]);
        if (reply[0] === 'nf') notFound(conversationId);
        if (reply[0] === 'conflict') throw new StateConflictError({ expectedVersion: stateOptions.expectedVersion!, actualVersion: Number(reply[1]) });
        const conversation = conversationFromReply(reply[1]);
        await index.write(scope, conversationId, conversation.updatedAt.getTime(), 'GT', { tags: conversation.tags, ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}) });
        return conversation;
      });
    },

    async deleteConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return call('deleteConversation', async () => (await deleteOne(scope, conversationId, false)).deleted);
    },

    async forkConversation(scope, parentId, forkOptions) {
      validateScope(scope);
      validateConversationId(parentId);
      const atSeq = validateSeq('atSeq', forkOptions.atSeq) ?? 0;
      const input = forkOptions.input ?? {};
      validateCreateConversation(input);
      return call('forkConversation', async () => {
        const now = clock.now();
        const copied = await readAllMessages(scope, parentId, now, atSeq);
        if (copied === null) notFound(parentId);
        const id = input.id ?? crypto.randomUUID();
        return buildConversation(
          scope,
          id,
          copied,
          {
            ...(input.title !== undefined ? { title: input.title } : {}),
            tags: [...(input.tags ?? [])],
            state: input.state ?? {},
            stateVersion: 0,
            metadata: input.metadata ?? {},
            parentId,
            forkedFromSeq: atSeq,
            ...(input.ttl ? { ttl: { ...input.ttl }, expiresAt: now + input.ttl.seconds * 1000 } : {}),
            createdAt: now,
            updatedAt: now,
            messageCount: copied.length,
            tokenCount: copied.reduce((sum, message) => sum + primaryTokens(message), 0),
            lastSeq: atSeq,
          },
          null,
        );
      });
    },

    async appendMessages(scope, conversationId, batch, appendOptions: AppendOptions = {}): Promise<AppendResult> {
      validateScope(scope);
      validateConversationId(conversationId);
      validateNewMessages(batch, options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes });
      return call('appendMessages', () => append(scope, conversationId, batch, appendOptions, clock.now()));
    },

    async listMessages(scope, conversationId, listOptions: ListMessagesOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      const limit = validateLimit('limit', listOptions.limit, 100);
      const after = validateSeq('afterSeq', listOptions.afterSeq);
      const before = validateSeq('beforeSeq', listOptions.beforeSeq);
      if (listOptions.order !== 'asc' && listOptions.order !== 'desc') throw new ValidationError({ field: 'order', message: 'must be "asc" or "desc"' });
      return call('listMessages', async () => {
        const members = await range(scope, conversationId, clock.now(), listOptions.order, after === undefined ? '-inf' : `(${after}`, before === undefined ? '+inf' : `(${before}`, limit);
        return (members ?? []).map((json) => decodeMessage(json, conversationId));
      });
    },

    async getTail(scope, conversationId, tailOptions: TailOptions): Promise<TailResult> {
      validateScope(scope);
      validateConversationId(conversationId);
      const { maxMessages, beforeSeq: before } = validateTailOptions(tailOptions);
      return call('getTail', async () => {
        const now = clock.now();
        const upper = upperBound(before);
        const estimateKey = tailEstimateKey(scope, conversationId, tailOptions.encoding);
        const average = tailEstimates.get(estimateKey);
        if (average !== undefined) {
          const fast = await readTailFast({ client, keys: conversationKeys(prefix, scope.tenantId, conversationId), scope, conversationId, now, encoding: tailOptions.encoding, maxTokens: tailOptions.maxTokens, maxMessages, upper, average });
          if (fast.kind === 'absent') return { messages: [], reachedStart: true };
          if (fast.kind === 'done') {
            if (fast.average !== undefined) tailEstimates.set(estimateKey, fast.average);
            return { messages: fast.messages, reachedStart: fast.reachedStart };
          }
        }
        const reply = await conversationScript(scripts.TAIL, scope, conversationId, now, [
          encodeURIComponent(tailOptions.encoding),
          String(Math.min(tailOptions.maxTokens, Number.MAX_SAFE_INTEGER)),
          maxMessages,
          upper,
        ]);
        if (reply[0] !== 'ok') return { messages: [], reachedStart: true };
        const newestFirst = reply[1] as string[];
        const messages: Message[] = [];
        for (let index = newestFirst.length - 1; index >= 0; index -= 1) messages.push(decodeMessage(newestFirst[index]!, conversationId));
        const tokens = messages.reduce((sum, message) => sum + (message.tokenCounts[tailOptions.encoding] ?? 0), 0);
        tailEstimates.set(estimateKey, messages.length > 0 && tokens > 0 ? tokens / messages.length : 1);
        return { messages, reachedStart: reply[2] === '1' };
      });
    },

    /**
     * One round trip in the common case ({@link readContextFast}): the conversation, the
     * speculative tail and the summary in one `MULTI`. Until this process has learned the
     * conversation's average tokens per message, the tail is sized for
     * {@link FIRST_READ_AVERAGE_TOKENS}; a read that falls short is finished by `getTail` (a second
     * round trip, sized from the conversation's stored average). Memories are absent in Redis.
     */
    async readContext(scope, conversationId, contextOptions: ContextReadOptions): Promise<ContextRead> {
      validateScope(scope);
      validateConversationId(conversationId);
      const { maxMessages, beforeSeq } = validateTailOptions(contextOptions);
      const estimateKey = tailEstimateKey(scope, conversationId, contextOptions.encoding);
      const read = await call('readContext', () =>
        readContextFast({
          client,
          keys: conversationKeys(prefix, scope.tenantId, conversationId),
          scope,
          conversationId,
          now: clock.now(),
          encoding: contextOptions.encoding,
          maxTokens: contextOptions.maxTokens,
          maxMessages,
          upper: upperBound(beforeSeq),
          average: tailEstimates.get(estimateKey) ?? FIRST_READ_AVERAGE_TOKENS,
        }),
      );
      if (read.kind === 'absent') return { conversation: null, tail: { messages: [], reachedStart: true }, summary: null };
      const { conversation, summary } = read;
      if (read.tail.kind === 'done') {
        if (read.tail.average !== undefined) tailEstimates.set(estimateKey, read.tail.average);
        return { conversation, tail: { messages: read.tail.messages, reachedStart: read.tail.reachedStart }, summary };
      }
      // Too short: size getTail's read from the conversation's stored average and finish there.
      if (conversation.messageCount > 0) tailEstimates.set(estimateKey, Math.max(1, conversation.tokenCount / conversation.messageCount));
      return { conversation, tail: await store.getTail(scope, conversationId, contextOptions), summary };
    },

    async deleteMessage(scope, conversationId, messageId) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateId('messageId', messageId);
      return call('deleteMessage', async () => {
        const reply = await conversationScript(scripts.DELETE_MESSAGE, scope, conversationId, clock.now(), [messageId]);
        return reply[0] === 'deleted';
      });
    },

    async getSummary(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return call('getSummary', async () => {
        const reply = await conversationScript(scripts.GET_SUMMARY, scope, conversationId, clock.now(), []);
        return reply[0] === 'ok' ? decodeSummary(reply[1] as string | null) : null;
      });
    },

    async putSummary(scope, conversationId, summary, putOptions) {
      validateScope(scope);
      validateConversationId(conversationId);
      validateJsonObject('summary', { text: summary?.text, encoding: summary?.encoding });
      validateSeq('summary.coversThroughSeq', summary.coversThroughSeq);
      validateSeq('summary.tokenCount', summary.tokenCount);
      if (!(summary.updatedAt instanceof Date) || Number.isNaN(summary.updatedAt.getTime())) throw new ValidationError({ field: 'summary.updatedAt', message: 'must be a valid Date' });
      const expected = putOptions.expectedCoversThroughSeq;
      if (expected !== null) validateSeq('expectedCoversThroughSeq', expected);
      return call('putSummary', async () => {
        const reply = await conversationScript(scripts.PUT_SUMMARY, scope, conversationId, clock.now(), [
          expected === null ? '' : String(expected),
          String(summary.coversThroughSeq),
          summaryJson(summary),
        ]);
        if (reply[0] === 'nf') notFound(conversationId);
        if (reply[0] === 'conflict') return { applied: false, current: decodeSummary(reply[1] as string | null) };
        return { applied: true, current: decodeSummary(summaryJson(summary)) };
      });
    },

    async exportConversation(scope, conversationId) {
      validateScope(scope);
      validateConversationId(conversationId);
      return call('exportConversation', async () => {
        const now = clock.now();
        const map = await client.hgetall(keysOf(scope, conversationId)[0]!);
        if (!isVisible(map, scope, now)) notFound(conversationId);
        const messages = await readAllMessages(scope, conversationId, now);
        const summary = await conversationScript(scripts.GET_SUMMARY, scope, conversationId, now, []);
        if (messages === null || summary[0] !== 'ok') notFound(conversationId);
        return buildExport(decodeConversation(map), messages, decodeSummary(summary[1] as string | null));
      });
    },

    async importConversation(scope, data) {
      validateScope(scope);
      const parsed = parseExport(data);
      validateConversationId(parsed.conversation.id);
      return call('importConversation', async () => {
        const { id, lastSeq, ...fields } = parsed.conversation;
        return buildConversation(
          scope,
          id,
          parsed.messages,
          {
            ...(fields.title !== undefined ? { title: fields.title } : {}),
            tags: fields.tags,
            state: fields.state,
            stateVersion: fields.stateVersion,
            metadata: fields.metadata,
            ...(fields.parentId !== undefined ? { parentId: fields.parentId } : {}),
            ...(fields.forkedFromSeq !== undefined ? { forkedFromSeq: fields.forkedFromSeq } : {}),
            ...(fields.ttl !== undefined ? { ttl: fields.ttl } : {}),
            ...(fields.expiresAt !== undefined ? { expiresAt: fields.expiresAt.getTime() } : {}),
            createdAt: fields.createdAt.getTime(),
            updatedAt: fields.updatedAt.getTime(),
            messageCount: parsed.messages.length,
            tokenCount: parsed.messages.reduce((sum, message) => sum + primaryTokens(message), 0),
            lastSeq,
          },
          parsed.summary,
        );
      });
    },

    async eraseUser(scope): Promise<ErasureResult> {
      validateUserScope(scope);
      return call('eraseUser', async () => {
        const keys = scopeKeys(prefix, scope);
        let conversations = 0;
        let messages = 0;
        for (;;) {
          const ids = await client.zrevrange(keys.all, 0, 199);
          if (ids.length === 0) break;
          const results = await Promise.all(ids.map((id) => deleteOne(scope, id, true)));
          for (const result of results) {
            if (!result.deleted) continue;
            conversations += 1;
            messages += result.messages;
          }
          // Entries that named nothing of this user (stale, or another scope's id) go too.
          await client.zrem(keys.all, ...ids);
        }
        const indexKeys = await client.smembers(keys.registry);
        await client.unlink(keys.registry, keys.all, ...indexKeys);
        return { conversations, messages, memories: 0 };
      });
    },

    async searchMessages(scope, searchOptions: MessageSearchOptions): Promise<MessageSearchHit[]> {
      validateScope(scope);
      const query = validateQuery('query', searchOptions.query);
      const limit = validateLimit('limit', searchOptions.limit, 10, 100);
      if (searchOptions.conversationId !== undefined) validateConversationId(searchOptions.conversationId);
      const before = validateSeq('beforeSeq', searchOptions.beforeSeq);
      if (searchOptions.tags !== undefined) validateTags('tags', searchOptions.tags);
      return call('searchMessages', async () => {
        const now = clock.now();
        const recent = async (conversationId: string, count: number) => {
          const members = await range(scope, conversationId, now, 'desc', '-inf', before === undefined ? '+inf' : `(${before}`, count);
          return (members ?? []).map((json) => decodeMessage(json, conversationId));
        };
        let candidates: Message[];
        if (searchOptions.conversationId !== undefined) {
          candidates = await recent(searchOptions.conversationId, SEARCH_WINDOW.conversationMessages);
        } else {
          const page = await store.listConversations(scope, { limit: SEARCH_WINDOW.conversations });
          candidates = (await Promise.all(page.items.map((conversation) => recent(conversation.id, SEARCH_WINDOW.messagesPerConversation)))).flat();
        }
        return searchWindow({ messages: candidates, query, limit, ...(searchOptions.tags !== undefined ? { tags: searchOptions.tags } : {}) });
      });
    },

    async sweepExpired(sweepOptions = {}) {
      const limit = validateLimit('limit', sweepOptions.limit, 1000, 100_000);
      return call('sweepExpired', () => index.sweep({ now: clock.now(), limit }));
    },
  };
  return store;
}
