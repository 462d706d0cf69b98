import type { Conversation, Message, Scope, Summary } from '../../types.js';
import { isExpired, ownedBy } from '../define-store/records.js';
import { chunkKeys, decodeBatch, decodeConversation, decodeSummary, parseMessage, type DecodedBatch, type EncodedMessage, type Item } from './codec.js';
import { BATCH_PREFIX, batchSk, CONVERSATION_SK, conversationPk, SUMMARY_SK } from './keys.js';
import type { TableClient } from './table-client.js';

/** A conversation item read back, visible in the asking scope. */
export interface LiveConversation {
  readonly pk: string;
  readonly gen: string;
  readonly conversation: Conversation;
  readonly item: Item;
}

/** Why a conversation item is not live: absent, tombstoned by a delete, a fork/import still filling, or expired. */
export function isDead(item: Item, nowMs: number): boolean {
  if (item.deleting !== undefined) return true;
  if (item.pending !== undefined) return Number(item.pending) + PENDING_TIMEOUT_MS <= Date.now();
  return item.expiresAt !== undefined && Number(item.expiresAt) <= nowMs;
}

/** A fork or import that crashed mid-fill leaves a pending claim; after this long (wall clock, ms) the id can be taken again. */
export const PENDING_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Reads of one conversation partition: the conversation item, its batches (newest first or by seq
 * range) and the chunks of large messages. Every read keeps only items of the conversation's
 * current generation (`gen`), so leftovers of a deleted or expired conversation with the same id
 * are never shown.
 */
export function createConversationReads(table: TableClient, clock: { now(): number }) {
  /** The item as a live conversation of `scope`, or null (absent, another owner, pending, deleted, expired). */
  function live(scope: Scope, item: Item | undefined): LiveConversation | null {
    if (!item || item.pending !== undefined || item.deleting !== undefined) return null;
    const conversation = decodeConversation(item);
    if (!ownedBy(conversation, scope) || isExpired(conversation, clock.now())) return null;
    return { pk: item.pk as string, gen: item.gen as string, conversation, item };
  }

  async function find(scope: Scope, conversationId: string): Promise<LiveConversation | null> {
    return live(scope, await table.get({ pk: conversationPk(scope.tenantId, conversationId), sk: CONVERSATION_SK }));
  }

  /** Loads the full messages of `wanted` headers (inline JSON, or their chunks in one BatchGetItem). */
  async function materialize(pk: string, conversationId: string, wanted: ReadonlyArray<{ batch: DecodedBatch; message: EncodedMessage }>): Promise<Message[]> {
    const keys = wanted.flatMap(({ batch, message }) => (message.j === undefined ? chunkKeys(pk, batch, message) : []));
    const chunks = new Map<string, string>();
    if (keys.length > 0) for (const item of await table.getMany(keys)) chunks.set(item.sk as string, item.d as string);
    return wanted.map(({ batch, message }) => {
      if (message.j !== undefined) return parseMessage(message.j, conversationId);
      const json = chunkKeys(pk, batch, message)
        .map((key) => {
          const part = chunks.get(key.sk);
          if (part === undefined) throw new Error('a chunk of a large message is missing');
          return part;
        })
        .join('');
      return parseMessage(json, conversationId);
    });
  }

  /**
   * Walks the conversation's visible messages newest first (seq < beforeSeq), page by page,
   * `pageSize` batch items per Query. `first` optionally supplies batches already read.
   */
  async function* newestFirst(live: LiveConversation, options: { beforeSeq?: number; pageSize: number; first?: { batches: DecodedBatch[]; lastKey?: Item; exhausted: boolean } }) {
    const before = options.beforeSeq ?? Number.MAX_SAFE_INTEGER;
    let batches = options.first?.batches ?? [];
    let lastKey = options.first?.lastKey;
    let exhausted = options.first?.exhausted ?? false;
    let pageSize = options.pageSize;
    if (!options.first) {
      const page = await batchPage(live, { upper: before, pageSize });
      batches = page.batches;
      lastKey = page.lastKey;
      exhausted = !page.lastKey;
    }
    for (;;) {
      for (const batch of batches) {
        for (let index = batch.messages.length - 1; index >= 0; index -= 1) {
          const message = batch.messages[index]!;
          if (message.s < before) yield { batch, message };
        }
      }
      if (exhausted) return;
      pageSize = Math.min(pageSize * 2, 500);
      const page = await batchPage(live, { upper: before, pageSize, startKey: lastKey });
      batches = page.batches;
      lastKey = page.lastKey;
      exhausted = !page.lastKey;
    }
  }

  /** One descending page of batch items (first seq < upper), of the current generation. */
  async function batchPage(live: LiveConversation, options: { upper: number; pageSize: number; startKey?: Item }) {
    const upper = options.upper >= Number.MAX_SAFE_INTEGER ? `${BATCH_PREFIX}~` : batchSk(Math.max(0, options.upper - 1));
    const page = await table.queryPage(
      { keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high', values: { ':pk': live.pk, ':low': BATCH_PREFIX, ':high': upper }, forward: false, limit: options.pageSize },
      options.startKey,
    );
    return { batches: page.items.filter((item) => item.gen === live.gen).map(decodeBatch), ...(page.lastKey ? { lastKey: page.lastKey } : {}) };
  }

  /** The summary of the current generation, or null. */
  async function summary(live: LiveConversation): Promise<Summary | null> {
    const item = await table.get({ pk: live.pk, sk: SUMMARY_SK });
    return item && item.gen === live.gen ? decodeSummary(item) : null;
  }

  /** Every visible message in ascending seq (export, fork): one paged Query of the batches. */
  async function allMessages(live: LiveConversation, throughSeq = Number.MAX_SAFE_INTEGER): Promise<Message[]> {
    const upper = throughSeq >= Number.MAX_SAFE_INTEGER ? `${BATCH_PREFIX}~` : batchSk(throughSeq);
    const items = await table.queryAll({ keyCondition: 'pk = :pk AND sk BETWEEN :low AND :high', values: { ':pk': live.pk, ':low': BATCH_PREFIX, ':high': upper } });
    const wanted = items
      .filter((item) => item.gen === live.gen)
      .map(decodeBatch)
      .flatMap((batch) => batch.messages.filter((message) => message.s <= throughSeq).map((message) => ({ batch, message })));
    return materialize(live.pk, live.conversation.id, wanted);
  }

  return { live, find, materialize, newestFirst, batchPage, summary, allMessages };
}

export type ConversationReads = ReturnType<typeof createConversationReads>;
