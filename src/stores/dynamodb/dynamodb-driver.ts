import { LRUCache } from 'lru-cache';
import { ConversationExistsError, IdempotencyConflictError, NotFoundError, StateConflictError, StoreError, StoreUnavailableError } from '../../errors.js';
import type { AppendResult, ContextRead, ErasureResult, StoreCapabilities, TailResult } from '../../spec/store.js';
import type { Conversation, JsonObject, Message, NewMessage, Scope, Summary } from '../../types.js';
import type { ConversationChanges, ConversationSnapshot, DriverContextReadOptions, DriverTailOptions, StoreDriver } from '../define-store/driver.js';
import { expiredAtOf, isRetriedBatch, ownedBy, primaryTokens } from '../define-store/records.js';
import { conversationItem, decodeBatch, decodeConversation, decodeSummary, encodeBatch, expiryAttributes, summaryItem, type DecodedBatch, type EncodedMessage, type Item } from './codec.js';
import { createConversationReads, isDead, type LiveConversation } from './conversation-table.js';
import { BATCH_PREFIX, batchSk, CONVERSATION_SK, conversationPk, idSk, KEY_SCHEMA, listSk, parentListPk, scopeListPk, SUMMARY_SK, vectorPk } from './keys.js';
import { createDynamoDBMemories } from './memory-table.js';
import { createMessageSearch, type SearchWindow } from './message-search.js';
import { backoff, type TableClient } from './table-client.js';
import { buildUpdate } from './update-expression.js';
import { createDynamoDBVectors } from './vector-table.js';

export const STORE = 'dynamodb';

/**
 * Batch items read by `readContext`'s single Query besides the conversation and summary items:
 * ~100 chat messages, enough for a 4,000-token window of typical turns in one request.
 */
const FIRST_PAGE_BATCHES = 50;
/** Messages per batch item when copying (fork, import). */
const COPY_BATCH_MESSAGES = 50;
/** Messages one group commit takes from the queue at most. */
const GROUP_MESSAGES = 500;
/** Conversation items an appending process keeps (see `seen` in the driver). */
const CACHED_CONVERSATIONS = 1000;
/** Attempts at committing one append before giving up under contention. */
const MAX_APPEND_ATTEMPTS = 200;

interface PendingAppend {
  readonly scope: Scope;
  readonly scopeKey: string;
  readonly conversationId: string;
  readonly messages: readonly NewMessage[];
  readonly dedupe: boolean;
  readonly now: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface DriverOptions {
  readonly table: TableClient;
  readonly clock: { now(): number };
  /** Seconds DynamoDB's native TTL waits past `expiresAt`. */
  readonly ttlGraceSeconds: number;
  readonly searchWindow?: Partial<SearchWindow>;
}

/**
 * The DynamoDB {@link StoreDriver}: single-item conditional writes only (no transactions), so it
 * runs unchanged on DynamoDB and on dynalite. See README.md beside this file for the item layout,
 * the append protocol and its crash points.
 */
export function createDynamoDBDriver(options: DriverOptions): StoreDriver {
  const { table, clock } = options;
  const reads = createConversationReads(table, clock);
  const memories = createDynamoDBMemories({ table });
  const vectors = createDynamoDBVectors({ table, reads });
  const search = createMessageSearch({ table, reads, ...(options.searchWindow ? { window: options.searchWindow } : {}) });
  /** Appends waiting per conversation partition in this process (group commit). */
  const appendQueues = new Map<string, PendingAppend[]>();
  /**
   * The conversation item as this process last read or wrote it, per partition (at most
   * {@link CACHED_CONVERSATIONS}, least recently used dropped). An append commits at its cached
   * `lastSeq + 1` without reading the item: a stale view fails the commit's slot condition or the
   * counters' condition (generation, tombstone, expiry, TTL mode) and is re-read.
   */
  const seen = new LRUCache<string, Item>({ max: CACHED_CONVERSATIONS });
  const remember = (item: Item) => seen.set(item.pk as string, item);
  /** Batch items the last `readContext` of a partition took messages from (bounded like `seen`): sizes the next one's Query. */
  const firstPageBatches = new LRUCache<string, number>({ max: CACHED_CONVERSATIONS });
  const learnFirstPage = (pk: string, batchItems: number) => firstPageBatches.set(pk, Math.max(1, batchItems));
  const newGen = () => crypto.randomUUID();
  const convKey = (pk: string) => ({ pk, sk: CONVERSATION_SK });

  async function require(scope: Scope, conversationId: string): Promise<LiveConversation> {
    const live = await reads.find(scope, conversationId);
    if (!live) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    return live;
  }

  /** Deletes every item of a conversation partition except the conversation item; returns visible messages of generation `gen`. */
  async function purgePartition(pk: string, gen?: string): Promise<number> {
    const items = await table.queryAll({ keyCondition: 'pk = :pk', values: { ':pk': pk } });
    let messages = 0;
    const deletes: Array<{ pk: string; sk: string }> = [];
    for (const item of items) {
      if (item.sk === CONVERSATION_SK) continue;
      if (gen !== undefined && item.gen === gen && typeof item.sk === 'string' && item.sk.startsWith(BATCH_PREFIX)) messages += decodeBatch(item).messages.length;
      deletes.push({ pk, sk: item.sk as string });
    }
    await table.writeMany({ deletes });
    return messages;
  }

  /** Deletes the embeddings of one conversation generation (scans the owner's vector partition). */
  async function purgeVectors(owner: Scope, conversationId: string): Promise<void> {
    const items = await table.queryAll({ keyCondition: 'pk = :pk', filter: 'conversationId = :c', values: { ':pk': vectorPk(owner), ':c': conversationId } });
    await table.writeMany({ deletes: items.map((item) => ({ pk: item.pk as string, sk: item.sk as string })) });
  }

  const ownerOfItem = (item: Item): Scope => (item.userId === undefined ? { tenantId: item.tenantId as string } : { tenantId: item.tenantId as string, userId: item.userId as string });

  /**
   * Deletes a conversation: tombstone (invisible at once, out of the indexes), then its partition
   * and embeddings, then the item. A crash in between leaves a tombstone that the next create of
   * the id, `eraseUser` or a repeated delete finishes. @returns visible messages deleted, or -1 when the tombstone lost a race.
   */
  async function destroy(item: Item): Promise<number> {
    const pk = item.pk as string;
    const gen = item.gen as string;
    seen.delete(pk);
    const tombstoned = await table.update(convKey(pk), buildUpdate({ set: { deleting: Date.now() }, remove: ['lpk', 'ppk', 'xpk'], condition: 'gen = :gen', conditionValues: { ':gen': gen } }));
    if (!tombstoned) return -1;
    const messages = await purgePartition(pk, gen);
    await purgeVectors(ownerOfItem(item), item.id as string);
    await table.delete(convKey(pk), { expression: 'gen = :gen', values: { ':gen': gen } });
    return messages;
  }

  /**
   * Claims a conversation id with a conditional PutItem of `item`. A dead item (expired, deleted,
   * stale pending) holding the id is purged first and replaced conditionally on its generation.
   * @returns null when claimed, or the live conversation holding the id.
   */
  async function claim(scope: Scope, item: Item): Promise<Item | null> {
    const pk = item.pk as string;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      if (await table.put(item, { expression: 'attribute_not_exists(pk)' })) return null;
      const existing = await table.get(convKey(pk));
      if (!existing) continue;
      if (!isDead(existing, clock.now())) return existing;
      await purgePartition(pk);
      await purgeVectors(ownerOfItem(existing), existing.id as string);
      if (await table.put(item, { expression: 'gen = :gen', values: { ':gen': existing.gen } })) return null;
    }
    throw new StoreError({ store: STORE, operation: 'claim conversation id', detail: 'the id kept changing hands; retry', retryable: true });
  }

  /** Writes a conversation with its messages and summary (fork, import): pending claim, fill, publish. */
  async function writeSnapshot(scope: Scope, snapshot: ConversationSnapshot): Promise<Conversation> {
    const { conversation, messages, summary } = snapshot;
    const gen = newGen();
    const full = conversationItem(conversation, gen, {}, options.ttlGraceSeconds);
    const { lpk, ppk, xpk, ...claimed } = full;
    const existing = await claim(scope, { ...claimed, pending: Date.now() });
    if (existing) throw new ConversationExistsError({ id: conversation.id });
    const pk = full.pk as string;
    try {
      const puts: Item[] = [];
      for (let start = 0; start < messages.length; start += COPY_BATCH_MESSAGES) {
        const group = messages.slice(start, start + COPY_BATCH_MESSAGES);
        const batch = encodeBatch({ pk, gen, messages: group });
        puts.push(...batch.chunks, batch.item, ...group.map((message) => idItem(pk, gen, message.id, message.seq, group[0]!.seq)));
      }
      if (summary) puts.push(summaryItem(pk, gen, summary));
      await table.writeMany({ puts });
      const published = await table.update(
        convKey(pk),
        buildUpdate({ set: { lpk, ...(ppk !== undefined ? { ppk } : {}), ...(xpk !== undefined ? { xpk } : {}) }, remove: ['pending'], condition: 'gen = :gen', conditionValues: { ':gen': gen } }),
      );
      if (!published) throw new ConversationExistsError({ id: conversation.id });
      return decodeConversation(published);
    } catch (error) {
      await purgePartition(pk).catch(() => undefined);
      await table.delete(convKey(pk), { expression: 'gen = :gen', values: { ':gen': gen } }).catch(() => undefined);
      throw error;
    }
  }

  const idItem = (pk: string, gen: string, messageId: string, seq: number, first: number): Item => ({ pk, sk: idSk(messageId), gen, seq, first });

  /**
   * Applies a committed batch to the conversation item: id items, then counters, conditional on
   * `lastSeq` being the seq before the batch — so each batch is counted exactly once, by whoever
   * (its appender or another one rolling forward) gets there first — and on the conversation being
   * as `live` saw it: same generation, not tombstoned, not expired, same TTL mode (an appender may
   * hold a cached `live`; a stale one fails here and re-reads). @returns the item, or undefined when a condition failed.
   */
  async function applyBatch(live: LiveConversation, batch: DecodedBatch, now: number): Promise<Item | undefined> {
    const all = JSON.parse(batch.item.msgs as string) as EncodedMessage[];
    await table.writeMany({ puts: all.map((message) => idItem(live.pk, live.gen, message.i, message.s, batch.first)) });
    const ttl = live.conversation.ttl;
    const sliding = ttl?.mode === 'sliding';
    const expires = sliding ? expiryAttributes(live.conversation.tenantId, live.conversation.id, now + ttl.seconds * 1000, options.ttlGraceSeconds) : {};
    return table.update(
      convKey(live.pk),
      buildUpdate({
        set: { lastSeq: batch.last, updatedAt: now, lsk: listSk(now, live.conversation.id), ...expires },
        add: { messageCount: Number(batch.item.n), tokenCount: Number(batch.item.tok) },
        condition: [
          'gen = :gen AND lastSeq = :prev AND attribute_not_exists(#cdel) AND (attribute_not_exists(#cexp) OR #cexp > :cnow)',
          sliding ? '#ctm = :csliding AND #cts = :csecs' : '(attribute_not_exists(#ctm) OR #ctm <> :csliding)',
        ].join(' AND '),
        conditionNames: { '#cdel': 'deleting', '#cexp': 'expiresAt', '#ctm': 'ttlMode', ...(sliding ? { '#cts': 'ttlSeconds' } : {}) },
        conditionValues: { ':gen': live.gen, ':prev': batch.first - 1, ':cnow': now, ':csliding': 'sliding', ...(sliding ? { ':csecs': ttl.seconds } : {}) },
      }),
    );
  }

  /** Counts every committed batch past the conversation's `lastSeq` (a crashed or in-flight appender's). */
  async function rollForward(scope: Scope, live: LiveConversation, now: number): Promise<LiveConversation> {
    let current = live;
    for (;;) {
      const pending = await table.queryAll({
        keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high',
        values: { ':pk': current.pk, ':low': batchSk(current.conversation.lastSeq + 1), ':high': `${BATCH_PREFIX}~` },
      });
      if (pending.length === 0) return current;
      for (const item of pending) {
        if (item.gen !== current.gen) {
          // Left by an appender of a previous conversation with this id: never visible, removed.
          await table.delete({ pk: current.pk, sk: item.sk as string }, { expression: 'gen = :gen', values: { ':gen': item.gen } });
          continue;
        }
        await applyBatch(current, decodeBatch(item), now);
        current = await require(scope, current.conversation.id);
      }
    }
  }

  /**
   * Reads `keys` of a conversation partition together with its conversation item, in one BatchGetItem.
   * @throws {NotFoundError} when the conversation is not live in `scope`.
   */
  async function readWithConversation(scope: Scope, conversationId: string, keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<[LiveConversation, Item[]]> {
    const items = await table.getMany([...keys, convKey(conversationPk(scope.tenantId, conversationId))]);
    const live = reads.live(
      scope,
      items.find((item) => item.sk === CONVERSATION_SK),
    );
    if (!live) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    return [live, items.filter((item) => item.sk !== CONVERSATION_SK)];
  }

  /**
   * Appends a group of batches queued for one conversation by this process, in queue order, as ONE
   * commit (group commit): each batch stays contiguous, ids repeated across the group resolve to
   * the first copy, and a batch that reuses a stored id with other content is rejected alone.
   * @returns per batch its result or error, or 'retry' when another process took the seq slot.
   */
  async function appendGroup(scope: Scope, conversationId: string, group: readonly PendingAppend[], now: number): Promise<Array<AppendResult | Error> | 'retry'> {
    const dedupe = group.length === 1 && group[0]!.dedupe;
    // Idempotency by id: id items point at the batch item holding the stored message. Read with the
    // conversation item (one BatchGetItem), or alone when this process's last view of it is cached.
    const allIds = [...new Set(group.flatMap((pending) => pending.messages.map((message) => message.id)))];
    const partition = conversationPk(scope.tenantId, conversationId);
    const idKeys = allIds.map((id) => ({ pk: partition, sk: idSk(id) }));
    const cached = dedupe ? null : reads.live(scope, seen.get(partition));
    const [live, idItemsRead] = cached
      ? [cached, await table.getMany(idKeys)]
      : dedupe
        ? [await require(scope, conversationId), []]
        : await readWithConversation(scope, conversationId, idKeys);
    remember(live.item);
    const { pk, gen } = live;
    if (dedupe) {
      const batch = group[0]!.messages;
      const newest: Array<{ role: Message['role']; contentHash: string; entry: { batch: DecodedBatch; message: EncodedMessage } }> = [];
      for await (const entry of reads.newestFirst(live, { pageSize: batch.length + 1 })) {
        newest.unshift({ role: entry.message.r, contentHash: entry.message.h, entry });
        if (newest.length >= batch.length) break;
      }
      if (isRetriedBatch(newest, batch)) {
        return [{ messages: await reads.materialize(pk, conversationId, newest.map((item) => item.entry)), inserted: 0, conversation: live.conversation }];
      }
    }
    const found = dedupe ? await table.getMany(idKeys) : idItemsRead;
    // With a cached view, any id item found re-reads the conversation first: one of this generation
    // answers without a write, so no condition would catch a stale view; one of another generation
    // may mean the view is stale, and applying under it would overwrite that id item.
    if (cached && found.length > 0) {
      seen.delete(pk);
      return 'retry';
    }
    const idItems = found.filter((item) => item.gen === gen);
    const storedHeaders = new Map<string, { batch: DecodedBatch; message: EncodedMessage }>();
    if (idItems.length > 0) {
      const seqOf = new Map(idItems.map((item) => [(item.sk as string).slice(2), Number(item.seq)]));
      const batches = (await table.getMany([...new Set(idItems.map((item) => Number(item.first)))].map((first) => ({ pk, sk: batchSk(first) }))))
        .filter((item) => item.gen === gen)
        .map(decodeBatch);
      for (const decoded of batches) for (const message of decoded.messages) if (seqOf.get(message.i) === message.s) storedHeaders.set(message.i, { batch: decoded, message });
    }
    const storedMessages = new Map<string, Message>();
    const headers = [...storedHeaders.values()];
    (await reads.materialize(pk, conversationId, headers)).forEach((message) => storedMessages.set(message.id, message));

    let seq = live.conversation.lastSeq;
    const fresh: Message[] = [];
    const assigned = new Map<string, Message>();
    const outcomes: Array<{ messages: Message[]; inserted: number } | Error> = group.map((pending) => {
      const conflict = pending.messages.find((input) => {
        const previous = storedMessages.get(input.id) ?? assigned.get(input.id);
        return previous !== undefined && (previous.role !== input.role || previous.contentHash !== input.contentHash);
      });
      if (conflict) return new IdempotencyConflictError({ messageId: conflict.id });
      let inserted = 0;
      const messages = pending.messages.map((input) => {
        const previous = storedMessages.get(input.id) ?? assigned.get(input.id);
        if (previous) return previous;
        seq += 1;
        inserted += 1;
        const message = { ...structuredClone(input), conversationId, seq } as Message;
        assigned.set(message.id, message);
        fresh.push(message);
        return message;
      });
      return { messages, inserted };
    });
    let conversation = live.conversation;
    if (fresh.length > 0) {
      const encoded = encodeBatch({ pk, gen, messages: fresh });
      if (encoded.chunks.length > 0) await table.writeMany({ puts: encoded.chunks });
      // The commit: one conditional PutItem at the next seq slot. Exactly one appender wins a slot.
      const chunkKeys = encoded.chunks.map((chunk) => ({ pk, sk: chunk.sk as string }));
      if (!(await table.put(encoded.item, { expression: 'attribute_not_exists(pk)' }))) {
        if (chunkKeys.length > 0) await table.writeMany({ deletes: chunkKeys });
        // The slot is taken: roll forward from a fresh read (a cached generation could be stale, and
        // rollForward removes items of other generations).
        seen.delete(pk);
        remember((await rollForward(scope, cached ? await require(scope, conversationId) : live, now)).item);
        return 'retry';
      }
      const applied = await settle(scope, live, decodeBatch(encoded.item), now);
      if (applied === 'orphaned') {
        // Committed under a generation the conversation no longer has (it was deleted and created
        // again since this process cached it): invisible to readers; removed, then retried.
        await table.delete({ pk, sk: encoded.item.sk as string }, { expression: 'gen = :gen', values: { ':gen': gen } });
        if (chunkKeys.length > 0) await table.writeMany({ deletes: chunkKeys });
        return 'retry';
      }
      conversation = applied;
    }
    return outcomes.map((outcome) => (outcome instanceof Error ? outcome : { ...outcome, conversation }));
  }

  /**
   * Applies this appender's just-committed batch (or finds it applied by a roll-forward) and caches
   * the conversation item. @returns the conversation after the batch, or 'orphaned' when the
   * conversation was replaced by a new generation since `live` was read.
   * @throws {NotFoundError} when the conversation was deleted or expired meanwhile (the batch is invisible).
   */
  async function settle(scope: Scope, live: LiveConversation, batch: DecodedBatch, now: number): Promise<Conversation | 'orphaned'> {
    let current = live;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt >= MAX_APPEND_ATTEMPTS) throw new StoreError({ store: STORE, operation: 'appendMessages', detail: 'the conversation kept changing while its counters were updated; the batch is committed and the next append or read applies it', retryable: true });
      const updated = await applyBatch(current, batch, now);
      if (updated) {
        remember(updated);
        return decodeConversation(updated);
      }
      const fresh = await reads.find(scope, live.conversation.id);
      seen.delete(live.pk);
      if (!fresh) throw new NotFoundError({ kind: 'conversation', id: live.conversation.id });
      if (fresh.gen !== live.gen) return 'orphaned';
      remember(fresh.item);
      if (fresh.conversation.lastSeq >= batch.last) return fresh.conversation;
      // Same generation, not yet applied: the cached TTL mode was stale. Apply with the fresh view.
      current = fresh;
    }
  }

  /** Takes the queue head's group: consecutive appends of the same scope, without dedupe, up to {@link GROUP_MESSAGES} messages. */
  function takeGroup(queue: PendingAppend[]): PendingAppend[] {
    const head = queue.shift()!;
    const group = [head];
    if (head.dedupe) return group;
    let size = head.messages.length;
    while (queue.length > 0) {
      const next = queue[0]!;
      if (next.dedupe || next.scopeKey !== head.scopeKey || size + next.messages.length > GROUP_MESSAGES) break;
      group.push(queue.shift()!);
      size += next.messages.length;
    }
    return group;
  }

  async function drain(key: string): Promise<void> {
    const queue = appendQueues.get(key)!;
    while (queue.length > 0) {
      const group = takeGroup(queue);
      const head = group[0]!;
      try {
        let outcomes: Array<AppendResult | Error> | 'retry' = 'retry';
        for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS && outcomes === 'retry'; attempt += 1) {
          if (attempt > 2) await backoff(Math.min(attempt, 5));
          outcomes = await appendGroup(head.scope, head.conversationId, group, head.now);
        }
        if (outcomes === 'retry') throw new StoreError({ store: STORE, operation: 'appendMessages', detail: `no free seq slot after ${MAX_APPEND_ATTEMPTS} attempts (heavy contention); nothing was written`, retryable: true });
        outcomes.forEach((outcome, index) => (outcome instanceof Error ? group[index]!.reject(outcome) : group[index]!.resolve(outcome)));
      } catch (error) {
        for (const pending of group) pending.reject(error);
      }
    }
    appendQueues.delete(key);
  }

  const capabilities: StoreCapabilities = {
    lexicalSearch: { available: true },
    vectorSearch: { available: true },
    memories: { available: true },
    ttlSweep: { available: true },
  };

  /**
   * The budget walk, newest first. `floor` > 0 (readContext with `stopAtSummary`): the walk ends
   * before the first message the summary covers. Also returns how many batch items the walk took
   * messages from.
   */
  async function tail(live: LiveConversation, tailOptions: DriverTailOptions, first?: Parameters<typeof reads.newestFirst>[1]['first'], floor = 0): Promise<TailResult & { batchItems: number }> {
    const conversation = live.conversation;
    const average = conversation.messageCount > 0 ? Math.max(1, conversation.tokenCount / conversation.messageCount) : 40;
    const estimate = Math.min(tailOptions.maxMessages, Math.ceil(tailOptions.maxTokens / average) + 1) + 1;
    const collected: Array<{ batch: DecodedBatch; message: EncodedMessage }> = [];
    let total = 0;
    let reachedStart = true;
    for await (const entry of reads.newestFirst(live, { pageSize: Math.max(2, Math.min(500, estimate)), ...(tailOptions.beforeSeq !== undefined ? { beforeSeq: tailOptions.beforeSeq } : {}), ...(first ? { first } : {}) })) {
      if (collected.length >= tailOptions.maxMessages || total >= tailOptions.maxTokens || entry.message.s <= floor) {
        reachedStart = false;
        break;
      }
      collected.push(entry);
      total += entry.message.k[tailOptions.encoding] ?? 0;
    }
    const batchItems = new Set(collected.map((entry) => entry.batch)).size;
    collected.reverse();
    return { messages: await reads.materialize(live.pk, conversation.id, collected), reachedStart, batchItems };
  }

  const driver: StoreDriver = {
    name: STORE,
    capabilities,

    async createConversation(scope, conversation, { ifExists }) {
      const existing = await claim(scope, conversationItem(conversation, newGen(), {}, options.ttlGraceSeconds));
      if (!existing) return conversation;
      const live = reads.live(scope, existing);
      if (ifExists === 'return' && live) return live.conversation;
      throw new ConversationExistsError({ id: conversation.id });
    },

    async getConversation(scope, conversationId) {
      return (await reads.find(scope, conversationId))?.conversation ?? null;
    },

    /**
     * Reads hide an expired item but it stays until `sweepExpired` deletes it or DynamoDB's native
     * TTL does (`ttlGraceSeconds` after `expiresAt`, then typically within days): until then it is
     * reported as expired.
     */
    async expiredAt(scope, conversationId, now) {
      const item = await table.get({ pk: conversationPk(scope.tenantId, conversationId), sk: CONVERSATION_SK });
      if (!item || item.pending !== undefined || item.deleting !== undefined) return null;
      return expiredAtOf(decodeConversation(item), scope, now);
    },

    async listConversations(scope, listOptions) {
      const index = listOptions.parentId !== undefined ? 'byParent' : 'byScope';
      const partition = listOptions.parentId !== undefined ? parentListPk(scope.tenantId, listOptions.parentId) : scopeListPk(scope);
      const keyName = listOptions.parentId !== undefined ? KEY_SCHEMA.indexes.byParent.partitionKey : KEY_SCHEMA.indexes.byScope.partitionKey;
      const after = listOptions.after;
      const found: Conversation[] = [];
      let startKey: Item | undefined;
      do {
        const page = await table.queryPage(
          {
            index,
            keyCondition: after ? `${keyName} = :p AND lsk < :c` : `${keyName} = :p`,
            values: { ':p': partition, ...(after ? { ':c': listSk(after.updatedAt, after.id) } : {}) },
            forward: false,
            limit: Math.min(1000, listOptions.limit + 1),
          },
          startKey,
        );
        for (const item of page.items) {
          const live = reads.live(scope, item);
          if (!live) continue;
          if (listOptions.tag !== undefined && !live.conversation.tags.includes(listOptions.tag)) continue;
          found.push(live.conversation);
          if (found.length > listOptions.limit) return found;
        }
        startKey = page.lastKey;
      } while (startKey);
      return found;
    },

    async updateConversation(scope, conversationId, changes: ConversationChanges) {
      const live = await require(scope, conversationId);
      const set: Record<string, unknown> = { updatedAt: changes.updatedAt.getTime(), lsk: listSk(changes.updatedAt.getTime(), conversationId) };
      const remove: string[] = [];
      if (changes.title !== undefined) {
        if (changes.title === null) remove.push('title');
        else set.title = JSON.stringify(changes.title);
      }
      if (changes.tags !== undefined) set.tags = JSON.stringify(changes.tags);
      if (changes.metadata !== undefined) set.metadata = JSON.stringify(changes.metadata);
      if (changes.ttl !== undefined) {
        if (changes.ttl === null || !changes.expiresAt) remove.push('ttlSeconds', 'ttlMode', 'expiresAt', 'ttl', 'xpk', 'xsk');
        else Object.assign(set, { ttlSeconds: changes.ttl.seconds, ttlMode: changes.ttl.mode, ...expiryAttributes(scope.tenantId, conversationId, changes.expiresAt.getTime(), options.ttlGraceSeconds) });
      }
      const updated = await table.update(convKey(live.pk), buildUpdate({ set, remove, condition: 'gen = :gen', conditionValues: { ':gen': live.gen } }));
      if (!updated) throw new NotFoundError({ kind: 'conversation', id: conversationId });
      return decodeConversation(updated);
    },

    async updateState(scope, conversationId, state: JsonObject, stateOptions) {
      const live = await require(scope, conversationId);
      const at = stateOptions.now.getTime();
      const expected = stateOptions.expectedVersion;
      const updated = await table.update(
        convKey(live.pk),
        buildUpdate({
          set: { state: JSON.stringify(state), updatedAt: at, lsk: listSk(at, conversationId) },
          add: { stateVersion: 1 },
          condition: expected === undefined ? 'gen = :gen' : 'gen = :gen AND stateVersion = :expected',
          conditionValues: { ':gen': live.gen, ...(expected === undefined ? {} : { ':expected': expected }) },
        }),
      );
      if (updated) return decodeConversation(updated);
      const current = await require(scope, conversationId);
      if (expected !== undefined && current.conversation.stateVersion !== expected) throw new StateConflictError({ expectedVersion: expected, actualVersion: current.conversation.stateVersion });
      throw new NotFoundError({ kind: 'conversation', id: conversationId });
    },

    async deleteConversation(scope, conversationId) {
      const live = await reads.find(scope, conversationId);
      if (!live) return false;
      return (await destroy(live.item)) >= 0;
    },

    async forkConversation(scope, parentId, { atSeq, child }) {
      const parent = await require(scope, parentId);
      const copied = (await reads.allMessages(parent, atSeq)).map((message) => ({ ...message, conversationId: child.id }));
      return writeSnapshot(scope, {
        conversation: { ...child, messageCount: copied.length, tokenCount: copied.reduce((sum, message) => sum + primaryTokens(message), 0), lastSeq: atSeq },
        messages: copied,
        summary: null,
      });
    },

    appendMessages(scope, conversationId, messages, appendOptions) {
      const key = conversationPk(scope.tenantId, conversationId);
      return new Promise<AppendResult>((resolve, reject) => {
        const pending: PendingAppend = { scope, scopeKey: JSON.stringify([scope.tenantId, scope.userId ?? null]), conversationId, messages, dedupe: appendOptions.dedupeByContentHash, now: appendOptions.now.getTime(), resolve, reject };
        const queue = appendQueues.get(key);
        if (queue) queue.push(pending);
        else {
          appendQueues.set(key, [pending]);
          void drain(key);
        }
      });
    },

    async listMessages(scope, conversationId, listOptions) {
      const live = await reads.find(scope, conversationId);
      if (!live) return [];
      const before = listOptions.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      const wanted: Array<{ batch: DecodedBatch; message: EncodedMessage }> = [];
      if (listOptions.order === 'desc') {
        for await (const entry of reads.newestFirst(live, { beforeSeq: before, pageSize: Math.min(500, listOptions.limit + 1) })) {
          if (entry.message.s <= listOptions.afterSeq || wanted.length >= listOptions.limit) break;
          wanted.push(entry);
        }
      } else {
        const take = (batch: DecodedBatch) => {
          for (const message of batch.messages) {
            if (message.s > listOptions.afterSeq && message.s < before && wanted.length < listOptions.limit) wanted.push({ batch, message });
          }
        };
        if (listOptions.afterSeq > 0) {
          // The batch holding afterSeq + 1 may start at or before afterSeq.
          const straddler = await table.queryPage({ keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high', values: { ':pk': live.pk, ':low': BATCH_PREFIX, ':high': batchSk(listOptions.afterSeq) }, forward: false, limit: 1 });
          for (const item of straddler.items) if (item.gen === live.gen) take(decodeBatch(item));
        }
        const high = before >= Number.MAX_SAFE_INTEGER ? `${BATCH_PREFIX}~` : batchSk(Math.max(0, before - 1));
        let startKey: Item | undefined;
        let pageSize = Math.min(500, listOptions.limit + 1);
        while (wanted.length < listOptions.limit) {
          const page = await table.queryPage({ keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high', values: { ':pk': live.pk, ':low': batchSk(listOptions.afterSeq + 1), ':high': high }, limit: pageSize }, startKey);
          for (const item of page.items) if (item.gen === live.gen) take(decodeBatch(item));
          if (!page.lastKey) break;
          startKey = page.lastKey;
          pageSize = Math.min(500, pageSize * 2);
        }
      }
      return reads.materialize(live.pk, conversationId, wanted);
    },

    async getTail(scope, conversationId, tailOptions) {
      const live = await reads.find(scope, conversationId);
      if (!live) return { messages: [], reachedStart: true };
      const { messages, reachedStart } = await tail(live, tailOptions);
      return { messages, reachedStart };
    },

    async readContext(scope, conversationId, readOptions: DriverContextReadOptions): Promise<ContextRead> {
      const pk = conversationPk(scope.tenantId, conversationId);
      const pinned = readOptions.pinnedMemories > 0 ? memories.prefetch(scope, readOptions.pinnedMemories) : undefined;
      const absent = async (): Promise<ContextRead> => ({ conversation: null, tail: { messages: [], reachedStart: true }, summary: null, ...(pinned ? { memories: await pinned } : {}) });
      if (readOptions.beforeSeq !== undefined) {
        const live = await reads.find(scope, conversationId);
        if (!live) return absent();
        const [summary, { messages, reachedStart }] = await Promise.all([reads.summary(live), tail(live, readOptions)]);
        return { conversation: live.conversation, tail: { messages, reachedStart }, summary, ...(pinned ? { memories: await pinned } : {}) };
      }
      // One Query, newest first over `B#… < B~ < CONV`: the conversation item, the summary, then the
      // newest batches — as many as the last read of this conversation took, plus one (the walk
      // continues with another Query when they run out), else FIRST_PAGE_BATCHES.
      const learned = firstPageBatches.get(pk);
      const page = await table.queryPage({
        keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high',
        values: { ':pk': pk, ':low': BATCH_PREFIX, ':high': CONVERSATION_SK },
        forward: false,
        limit: (learned === undefined ? FIRST_PAGE_BATCHES : Math.min(FIRST_PAGE_BATCHES, learned + 1)) + 2,
      });
      const [head, ...rest] = page.items;
      const live = head?.sk === CONVERSATION_SK ? reads.live(scope, head) : null;
      if (!live) return absent();
      // The turn's next append (the reply) commits from this view without reading the item again.
      remember(live.item);
      const summaryItemRead = rest[0]?.sk === SUMMARY_SK ? rest.shift() : undefined;
      const summary = summaryItemRead && summaryItemRead.gen === live.gen ? decodeSummary(summaryItemRead) : null;
      const batches = rest.filter((item) => item.gen === live.gen).map(decodeBatch);
      const floor = readOptions.stopAtSummary ? (summary?.coversThroughSeq ?? 0) : 0;
      const { batchItems, ...tailResult } = await tail(live, readOptions, { batches, ...(page.lastKey ? { lastKey: page.lastKey } : {}), exhausted: !page.lastKey }, floor);
      learnFirstPage(pk, batchItems);
      return { conversation: live.conversation, tail: tailResult, summary, ...(pinned ? { memories: await pinned } : {}) };
    },

    async deleteMessage(scope, conversationId, messageId) {
      {
        const found = await reads.find(scope, conversationId);
        if (!found) return false;
        const live = await rollForward(scope, found, clock.now());
        const pointer = await table.get({ pk: live.pk, sk: idSk(messageId) });
        if (!pointer || pointer.gen !== live.gen) return false;
        const batchItem = await table.get({ pk: live.pk, sk: batchSk(Number(pointer.first)) });
        if (!batchItem || batchItem.gen !== live.gen) return false;
        const batch = decodeBatch(batchItem);
        const message = batch.messages.find((candidate) => candidate.i === messageId && candidate.s === Number(pointer.seq));
        if (!message) return false;
        const marked = await table.update(
          { pk: live.pk, sk: batchSk(batch.first) },
          { expression: 'ADD #del :seq', condition: 'gen = :gen AND NOT contains(#del, :one)', names: { '#del': 'del' }, values: { ':seq': new Set([message.s]), ':one': message.s, ':gen': live.gen } },
        );
        if (!marked) return false;
        const now = clock.now();
        await table.update(
          convKey(live.pk),
          buildUpdate({ set: { updatedAt: now, lsk: listSk(now, conversationId) }, add: { messageCount: -1, tokenCount: -(Object.values(message.k)[0] ?? 0) }, condition: 'gen = :gen', conditionValues: { ':gen': live.gen } }),
        );
        await table.delete({ pk: live.pk, sk: idSk(messageId) }, { expression: 'gen = :gen AND seq = :seq', values: { ':gen': live.gen, ':seq': message.s } });
        return true;
      }
    },

    async getSummary(scope, conversationId) {
      const live = await reads.find(scope, conversationId);
      return live ? reads.summary(live) : null;
    },

    async putSummary(scope, conversationId, summary: Summary, { expectedCoversThroughSeq }) {
      const live = await require(scope, conversationId);
      const applied = await table.put(
        summaryItem(live.pk, live.gen, summary),
        expectedCoversThroughSeq === null
          ? { expression: 'attribute_not_exists(pk) OR gen <> :gen', values: { ':gen': live.gen } }
          : { expression: 'gen = :gen AND coversThroughSeq = :expected', values: { ':gen': live.gen, ':expected': expectedCoversThroughSeq } },
      );
      if (applied) return { applied: true, current: summary };
      return { applied: false, current: await reads.summary(live) };
    },

    async readConversation(scope, conversationId) {
      const found = await require(scope, conversationId);
      const live = await rollForward(scope, found, clock.now());
      const [messages, summary] = await Promise.all([reads.allMessages(live), reads.summary(live)]);
      return { conversation: live.conversation, messages, summary };
    },

    async writeConversation(scope, snapshot) {
      return writeSnapshot(scope, snapshot);
    },

    async eraseUser(scope): Promise<ErasureResult> {
      const items = await table.queryAll({ index: 'byScope', keyCondition: 'lpk = :p', values: { ':p': scopeListPk(scope) } });
      let conversations = 0;
      let messages = 0;
      for (const item of items) {
        if (!ownedBy(ownerOfItem(item), scope)) continue;
        const base = await table.get(convKey(item.pk as string));
        if (!base || base.gen !== item.gen) continue;
        const deleted = await destroy(base);
        if (deleted < 0) continue;
        conversations += 1;
        messages += deleted;
      }
      const vectorItems = await table.queryAll({ keyCondition: 'pk = :pk', values: { ':pk': vectorPk(scope) } });
      await table.writeMany({ deletes: vectorItems.map((item) => ({ pk: item.pk as string, sk: item.sk as string })) });
      return { conversations, messages, memories: await memories.eraseScope(scope) };
    },

    searchMessages: search,
    vectors,
    memories,

    async sweepExpired({ limit }) {
      const now = clock.now();
      let swept = 0;
      for (const shard of Array.from({ length: 4 }, (_, index) => index)) {
        let startKey: Item | undefined;
        do {
          const page = await table.queryPage({ index: 'byExpiry', keyCondition: 'xpk = :p AND xsk < :upper', values: { ':p': `exp:${shard}`, ':upper': String(now + 1).padStart(15, '0') }, limit: 100 }, startKey);
          for (const item of page.items) {
            if (swept >= limit) return swept;
            const base = await table.get(convKey(item.pk as string));
            if (!base || base.gen !== item.gen || base.expiresAt === undefined || Number(base.expiresAt) > now) continue;
            if ((await destroy(base)) >= 0) swept += 1;
          }
          startKey = page.lastKey;
        } while (startKey);
      }
      return swept;
    },

    mapError(error, operation) {
      return mapDynamoDBError(error, operation);
    },
  };
  return driver;
}

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
]);

/**
 * Maps an AWS SDK error (after the SDK's own retries with backoff) to a library error. Messages
 * name the error class only: DynamoDB messages can echo item values, which are user data.
 */
export function mapDynamoDBError(error: unknown, operation: string): unknown {
  const name = (error as { name?: string })?.name ?? 'Error';
  const code = (error as { code?: string })?.code;
  if (UNAVAILABLE.has(name) || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    if (name.includes('Throughput') || name.includes('Throttl') || name === 'RequestLimitExceeded') {
      return new StoreError({ store: STORE, operation, detail: `${name}: still throttled after the SDK's retries with backoff; the call can be retried (raise capacity or use on-demand billing)`, cause: error, retryable: true });
    }
    return new StoreUnavailableError({ store: STORE, operation, cause: error });
  }
  if (name === 'ResourceNotFoundException') {
    return new StoreError({ store: STORE, operation, detail: 'the table does not exist; create it with store.ensureTable() or your IaC (key schema in the llm-context/dynamodb README)', cause: error });
  }
  return new StoreError({ store: STORE, operation, detail: name, cause: error });
}
