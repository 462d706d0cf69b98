import { LRUCache } from 'lru-cache';
import { IdempotencyConflictError, NotFoundError } from '../../errors.js';
import type { AppendResult } from '../../spec/store.js';
import { primaryTokens } from '../define-store/records.js';
import type { Conversation, Message, NewMessage, Scope } from '../../types.js';
import { decodeConversation, decodeMessage, messageBody, toFieldMap } from './codec.js';
import { conversationKeyList, conversationKeys } from './keys.js';
import { runScript, scriptSha, sendScript, type RedisClientLike } from './redis-client.js';
import type { ScopeIndex } from './scope-index.js';
import * as scripts from './scripts.js';

/** Conversations whose index entries (tags, parent) this process remembers; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * `appendMessages` of the Redis store: the `APPEND` script on the conversation's slot, then the
 * index step on the scope's slot (moving the conversation's entries to its new `updatedAt`).
 *
 * On one connection (a plain `Redis` client, `isCluster` false) both go out as one script
 * (`APPEND_TOUCH`: one command, so one round trip and one reply to wait for; the keys span two
 * hash tags, which a standalone server allows; a server that answers `CROSSSLOT` gets them as two
 * scripts written back to back on the connection, run in that order).
 * The index step is sent before the script's reply is known, so it is an `INDEX_TOUCH`: it only
 * moves existing entries forward, to `now`, in the index keys of the tags and parent this process
 * last saw on the conversation (none at first). When the reply shows that was not enough (entries
 * missing, other tags or parent, `updatedAt` ≠ `now` because another writer's clock is ahead) the
 * full index write of before follows, a second round trip; when the append wrote nothing (every id
 * already stored) the touched entries are put back with a compare-and-set. Either way the indexes
 * end as they would after the script and a full index write. Only a listing running between the
 * two steps can see an entry ahead of its conversation, as it could see one behind before, and it
 * repairs that (see scope-index.ts).
 *
 * On a `Cluster` the two slots are served over different connections, so there is no order to
 * rely on: the full index write follows the script's reply (two round trips).
 * A sliding TTL's expiry-bucket entry is written after the reply in both cases.
 */
/** What this process last saw of a conversation: its index entries, the keys an append sends with them, its last seq. */
interface Remembered {
  readonly tags: readonly string[];
  readonly parentId: string | undefined;
  /** The conversation's five keys, then the index keys of `tags` and `parentId` (APPEND_TOUCH's KEYS), built once per change. */
  readonly keys: readonly string[];
  /** `lastSeq` after this process's last append: the next append builds its members with the seqs that follow. */
  lastSeq: number;
}

/** The conversation's key count in a script's KEYS (see keys.ts). */
const CONVERSATION_KEYS = 5;

export function createAppender(options: { client: RedisClientLike; prefix: string; index: ScopeIndex }) {
  const { client, prefix, index } = options;
  /** By tenant, user and conversation (ids hold no NUL and a user id is never empty, so the joined key is unambiguous). */
  const remembered = new LRUCache<string, Remembered>({ max: MAX_REMEMBERED });
  /** Whether the append and the index touch go out as one script (false after a `CROSSSLOT` answer). */
  let combine = client.isCluster !== true;

  function entry(scope: Scope, conversationId: string, tags: readonly string[], parentId: string | undefined): Remembered {
    return { tags, parentId, keys: [...conversationKeyList(conversationKeys(prefix, scope.tenantId, conversationId)), ...index.entryKeys(scope, { tags, parentId })], lastSeq: 0 };
  }

  function remember(key: string, scope: Scope, conversationId: string, conversation: Conversation, known: Remembered | undefined): void {
    const unchanged = known !== undefined && known.parentId === conversation.parentId && sameTags(known.tags, conversation.tags);
    const next = unchanged ? known : entry(scope, conversationId, conversation.tags, conversation.parentId);
    next.lastSeq = conversation.lastSeq;
    remembered.set(key, next);
  }

  /**
   * Appends `batch` (validated by the store layer) at time `now` (ms).
   * @throws {NotFoundError} when the conversation is absent in this scope.
   * @throws {IdempotencyConflictError} when a stored id comes again with another role or content (nothing written).
   */
  return async function append(scope: Scope, conversationId: string, batch: readonly NewMessage[], dedupe: boolean, now: number): Promise<AppendResult> {
    const rememberKey = `${scope.tenantId}\u0000${scope.userId ?? ''}\u0000${conversationId}`;
    const known = remembered.get(rememberKey);
    const assumed = client.isCluster === true ? undefined : (known ?? entry(scope, conversationId, [], undefined));
    // Each message goes out as its stored JSON with the seq it gets if lastSeq is still the one this
    // process last saw (0 for a conversation it has not appended to): the script then stores it as
    // sent, and otherwise puts the right seq in front itself (see APPEND).
    const expected = known?.lastSeq ?? 0;
    const args: Array<string | number> = [now, scope.userId === undefined ? '0' : '1', scope.userId ?? '', dedupe ? '1' : '0', batch.length, 0, expected];
    let tokens = 0;
    for (let position = 0; position < batch.length; position += 1) {
      const message = batch[position]!;
      args.push(message.id, `{"seq":${expected + position + 1},${messageBody(message)}`);
      tokens += primaryTokens(message);
    }
    args[5] = tokens;
    let reply: unknown[] | undefined;
    let touched: Promise<string[] | null> = Promise.resolve(null);
    if (assumed && combine) {
      // One EVALSHA: the append, then the touch on the same server (see APPEND_TOUCH).
      args.push(conversationId);
      try {
        reply = (await runScript(client, scripts.APPEND_TOUCH, assumed.keys, args)) as unknown[];
        touched = Promise.resolve(reply[0] === 'ok' ? (reply[4] as string[]) : null);
      } catch (error) {
        // A server in cluster mode behind a plain client refuses keys of two slots: send them apart from now on.
        if (!(error instanceof Error && error.message.includes('CROSSSLOT'))) throw error;
        combine = false;
      }
      args.pop();
    }
    const touchKeys = assumed ? assumed.keys.slice(CONVERSATION_KEYS) : [];
    if (reply === undefined) {
      const conversationKeyNames = assumed ? assumed.keys.slice(0, CONVERSATION_KEYS) : conversationKeyList(conversationKeys(prefix, scope.tenantId, conversationId));
      const [appendSha, touchSha] = await Promise.all([scriptSha(scripts.APPEND), assumed ? scriptSha(scripts.INDEX_TOUCH) : undefined]);
      const replied = sendScript(client, scripts.APPEND, appendSha, conversationKeyNames, args);
      // Written right behind the script on the same connection; a failure only means the full write runs.
      touched = touchSha
        ? sendScript(client, scripts.INDEX_TOUCH, touchSha, touchKeys, [conversationId, now]).then(
            (before) => before as string[],
            () => null,
          )
        : Promise.resolve(null);
      try {
        reply = (await replied) as unknown[];
      } finally {
        await touched;
      }
    }
    if (reply[0] === 'conflict') {
      // Nothing written: put back what the touch moved forward, as for a batch of stored ids.
      const before = await touched;
      const moved = before === null ? [] : touchKeys.filter((_, position) => before[position] !== '' && Number(before[position]) < now);
      if (moved.length > 0) await index.untouch(conversationId, moved, now, Number(reply[2]));
      throw new IdempotencyConflictError({ messageId: String(reply[1]) });
    }
    if (reply[0] !== 'ok') throw new NotFoundError({ kind: 'conversation', id: conversationId });
    const inserted = Number(reply[1]);
    const conversation = decodeConversation(toFieldMap(reply[2]));
    const before = await touched;
    if (inserted > 0) {
      const entry = { tags: conversation.tags, ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}) };
      const indexed =
        assumed !== undefined &&
        before !== null &&
        before.every((score) => score !== '') &&
        conversation.updatedAt.getTime() === now &&
        // The touched keys are the entries' keys when the tags and parent are the ones assumed.
        ((assumed.parentId === conversation.parentId && sameTags(assumed.tags, conversation.tags)) || sameEntries(index.entryKeys(scope, entry), touchKeys));
      await Promise.all([
        indexed ? undefined : index.write(scope, conversationId, conversation.updatedAt.getTime(), 'GT', entry),
        conversation.ttl?.mode === 'sliding' ? index.writeExpiry(scope, conversation) : undefined,
      ]);
    } else if (before !== null) {
      // Nothing written, so updatedAt did not move: put back what the touch moved forward.
      const moved = touchKeys.filter((_, position) => before[position] !== '' && Number(before[position]) < now);
      if (moved.length > 0) await index.untouch(conversationId, moved, now, conversation.updatedAt.getTime());
    }
    remember(rememberKey, scope, conversationId, conversation, known ?? assumed);
    const stored = reply[3] as Array<string | number>;
    const messages: Message[] = batch.map((message, position) => {
      const result = stored[position]!;
      // A number is the new message's seq; a string the JSON of the message stored before.
      return typeof result === 'number' ? { ...message, conversationId, seq: result } : decodeMessage(result, conversationId);
    });
    return { messages, inserted, conversation };
  };
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let position = 0; position < a.length; position += 1) if (a[position] !== b[position]) return false;
  return true;
}

function sameEntries(actual: readonly string[], touched: readonly string[]): boolean {
  return actual.length === touched.length && actual.every((key) => touched.includes(key));
}
