import type { ListConversationsOptions } from '../../spec/store.js';
import type { ListCursor } from '../../spec/cursor.js';
import type { Conversation, Scope } from '../../types.js';
import { decodeConversation, isVisible } from './codec.js';
import { conversationKeyList, conversationKeys, EXPIRY_BUCKETS, expiryBucketKey, expiryKey, expiryMember, scopeKeys } from './keys.js';
import { runScript, type RedisClientLike, type RedisScript } from './redis-client.js';
import * as scripts from './scripts.js';

/** `ZADD key score member` through a script so the structural client type stays small. */
const ZADD_EXPIRY: RedisScript = { name: 'zadd-expiry', source: "return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])" };

/** A repair moves an entry; the page is then read again from the same cursor, at most this often. */
const MAX_RELISTS = 3;

/**
 * The cross-slot half of the Redis store: per-scope conversation indexes (all, per tag, per
 * parent; sorted sets by `updatedAt` ms) and the expiry buckets. In a Cluster these live in other
 * slots than the conversation, so every write here is a second, idempotent step (see the ordering
 * in `createRedisStore`'s docs), and every listing checks each entry against the conversation's
 * meta hash and repairs it with a compare-and-set on the score it saw.
 */
export function createScopeIndex(options: { client: RedisClientLike; prefix: string; removed?: (scope: Scope, conversationId: string) => Promise<void> }) {
  const { client, prefix } = options;
  const metaKey = (scope: Scope, id: string) => conversationKeys(prefix, scope.tenantId, id).meta;

  /** The index keys that list a conversation with these tags and parent: the scope's `all`, then one per tag, then the parent's. */
  function entryKeys(scope: Scope, entry: { tags: readonly string[]; parentId?: string | undefined }): string[] {
    const keys = scopeKeys(prefix, scope);
    return [keys.all, ...entry.tags.map((tag) => keys.tag(tag)), ...(entry.parentId !== undefined ? [keys.parent(entry.parentId)] : [])];
  }

  /**
   * Moves entries an `INDEX_TOUCH` moved to `touchedScore` back to `score`, each with a
   * compare-and-set on `touchedScore`, so an entry a concurrent writer moved on is left alone.
   */
  async function untouch(id: string, indexKeys: readonly string[], touchedScore: number, score: number): Promise<void> {
    await Promise.all(indexKeys.map((key) => runScript(client, scripts.INDEX_REPAIR, [key], [id, String(touchedScore), 'set', String(score)])));
  }

  /** Adds `id` to the scope's indexes (and tag/parent ones), removing it from `removeTags`. `NX` before a create, `GT` after a write. */
  async function write(scope: Scope, id: string, score: number, mode: 'NX' | 'GT', add: { tags: readonly string[]; parentId?: string }, removeTags: readonly string[] = []): Promise<void> {
    const keys = scopeKeys(prefix, scope);
    const addKeys = [...add.tags.map((tag) => keys.tag(tag)), ...(add.parentId !== undefined ? [keys.parent(add.parentId)] : [])];
    const removeKeys = removeTags.map((tag) => keys.tag(tag));
    await runScript(client, scripts.INDEX_WRITE, [keys.registry, keys.all, ...addKeys, ...removeKeys], [id, String(score), mode, addKeys.length, removeKeys.length]);
  }

  /** Removes a deleted or swept conversation's entries (and, through `options.removed`, what else its scope keeps of it). */
  async function remove(scope: Scope, id: string, tags: readonly string[], parentId?: string): Promise<void> {
    await Promise.all([...entryKeys(scope, { tags, parentId }).map((key) => client.zrem(key, id)), options.removed?.(scope, id)]);
  }

  /** Records (or clears) the conversation's `expiresAt` in its expiry bucket. */
  async function writeExpiry(scope: Scope, conversation: Conversation): Promise<void> {
    const key = expiryKey(prefix, scope.tenantId, conversation.id);
    const member = expiryMember(scope, conversation.id);
    if (conversation.expiresAt) await runScript(client, ZADD_EXPIRY, [key], [String(conversation.expiresAt.getTime()), member]);
    else await client.zrem(key, member);
  }

  /** Checks one batch of index entries: returns the live conversations and applies repairs. */
  async function check(scope: Scope, indexKey: string, candidates: Array<[string, number]>, filter: ListConversationsOptions, now: number) {
    const metas = await Promise.all(candidates.map(([id]) => client.hgetall(metaKey(scope, id))));
    const live: Conversation[] = [];
    let moved = false;
    const repairs: Array<Promise<unknown>> = [];
    candidates.forEach(([id, score], position) => {
      const map = metas[position]!;
      if (map.pending !== undefined && map.tenantId !== undefined) return; // a fork or import still filling
      const conversation = isVisible(map, scope, now) ? decodeConversation(map) : undefined;
      const belongs =
        conversation !== undefined &&
        (filter.tag === undefined || conversation.tags.includes(filter.tag)) &&
        (filter.parentId === undefined || conversation.parentId === filter.parentId);
      if (!belongs) {
        repairs.push(runScript(client, scripts.INDEX_REPAIR, [indexKey], [id, String(score), 'rem', '0']));
        return;
      }
      const updatedAt = conversation.updatedAt.getTime();
      if (updatedAt !== score) {
        moved = true;
        repairs.push(runScript(client, scripts.INDEX_REPAIR, [indexKey], [id, String(score), 'set', String(updatedAt)]));
        return;
      }
      live.push(conversation);
    });
    await Promise.all(repairs);
    return { live, moved };
  }

  /** Up to `limit + 1` live conversations newest first (updatedAt desc, id desc) after `start` (the caller pages with the extra one). */
  async function list(request: { scope: Scope; indexKey: string; limit: number; start?: ListCursor; filter: ListConversationsOptions; now: number }): Promise<Conversation[]> {
    const { scope, indexKey, limit, filter, now } = request;
    for (let attempt = 0; ; attempt += 1) {
      const items: Conversation[] = [];
      let position = request.start;
      let anyMoved = false;
      for (;;) {
        const want = limit + 1 - items.length;
        const raw = (await runScript(client, scripts.INDEX_PAGE, [indexKey], [position ? String(position.updatedAt) : '', position?.id ?? '', want])) as string[];
        const candidates: Array<[string, number]> = [];
        for (let offset = 0; offset + 1 < raw.length; offset += 2) candidates.push([raw[offset]!, Number(raw[offset + 1])]);
        const { live, moved } = await check(scope, indexKey, candidates, filter, now);
        anyMoved ||= moved;
        items.push(...live);
        const last = candidates.at(-1);
        if (items.length > limit || candidates.length < want || !last) break;
        position = { updatedAt: last[1], id: last[0] };
      }
      if (anyMoved && attempt < MAX_RELISTS) continue;
      return items.slice(0, limit + 1);
    }
  }

  /**
   * Walks the expiry buckets for entries due at `now`: deletes conversations that are expired,
   * re-scores ones whose sliding TTL moved, and drops entries of conversations Redis already
   * expired natively (counted as swept: their index entries are cleaned here or on the next read).
   */
  async function sweep(request: { now: number; limit: number }): Promise<number> {
    let swept = 0;
    for (let bucket = 0; bucket < EXPIRY_BUCKETS && swept < request.limit; bucket += 1) {
      const key = expiryBucketKey(prefix, bucket);
      const members = await client.zrangebyscore(key, '-inf', request.now, 'LIMIT', 0, request.limit - swept);
      for (const member of members) {
        const [tenantId, userId, conversationId] = JSON.parse(member) as [string, string | null, string];
        const scope: Scope = userId === null ? { tenantId } : { tenantId, userId };
        const keys = conversationKeyList(conversationKeys(prefix, tenantId, conversationId));
        const reply = (await runScript(client, scripts.SWEEP_ONE, keys, [String(request.now)])) as unknown[];
        if (reply[0] === 'pending') continue;
        if (reply[0] === 'live') {
          if (reply[1] === '') await client.zrem(key, member);
          else await runScript(client, ZADD_EXPIRY, [key], [String(reply[1]), member]);
          continue;
        }
        if (reply[0] === 'swept') await remove(scope, conversationId, JSON.parse(String(reply[1] ?? '[]')) as string[], String(reply[2] ?? '') || undefined);
        else await options.removed?.(scope, conversationId);
        await client.zrem(key, member);
        swept += 1;
      }
    }
    return swept;
  }

  return { write, remove, writeExpiry, list, sweep, entryKeys, untouch };
}

export type ScopeIndex = ReturnType<typeof createScopeIndex>;
