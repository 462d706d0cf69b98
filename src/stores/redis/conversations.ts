import { ConversationExistsError, StateConflictError } from '../../errors.js';
import type { StoreDriver } from '../define-store/driver.js';
import { totalPrimaryTokens } from '../define-store/records.js';
import type { Conversation, Scope } from '../../types.js';
import { conversationPairs, decodeConversation, isVisible, toFieldMap } from './codec.js';
import { buildConversation, conversationFields, readAllMessages } from './copy-in.js';
import { expiryKey, expiryMember, scopeKeys } from './keys.js';
import { notFound, type RedisContext } from './redis-context.js';
import * as scripts from './scripts.js';

type ConversationDriver = Pick<
  StoreDriver,
  'createConversation' | 'getConversation' | 'listConversations' | 'updateConversation' | 'updateState' | 'deleteConversation' | 'forkConversation' | 'expiredAt'
>;

const conversationFromReply = (reply: unknown): Conversation => decodeConversation(toFieldMap(reply));
const indexEntry = (conversation: Conversation) => ({ tags: conversation.tags, ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}) });

/**
 * Deletes one conversation (its keys in one script), then its index and expiry entries.
 * `force` also deletes an expired one (erasure).
 */
export async function deleteOne(context: RedisContext, scope: Scope, conversationId: string, force: boolean): Promise<{ deleted: boolean; messages: number }> {
  const { client, prefix, index } = context;
  const reply = await context.conversationScript(scripts.DELETE, scope, conversationId, context.clock.now(), [force ? 'force' : '']);
  if (reply[0] !== 'deleted') return { deleted: false, messages: 0 };
  const tags = JSON.parse(String(reply[1] ?? '[]')) as string[];
  const parentId = String(reply[2] ?? '') || undefined;
  await index.remove(scope, conversationId, tags, parentId);
  await client.zrem(expiryKey(prefix, scope.tenantId, conversationId), expiryMember(scope, conversationId));
  return { deleted: true, messages: Number(reply[3] ?? 0) };
}

/** Conversation meta hashes of the Redis driver and their scope indexes. */
export function createConversationOperations(context: RedisContext): ConversationDriver {
  const { client, prefix, clock, index, conversationScript } = context;

  return {
    async createConversation(scope, conversation, { ifExists }) {
      const { id } = conversation;
      const now = conversation.createdAt.getTime();
      await index.write(scope, id, now, 'NX', indexEntry(conversation));
      const reply = await conversationScript(scripts.CREATE, scope, id, now, [
        ifExists,
        conversation.ttl ? conversation.ttl.seconds * 1000 : 0,
        ...conversationPairs(conversationFields(scope, conversation)),
      ]);
      if (reply[0] === 'taken') {
        // The id belongs to another scope of the tenant: drop the entry the NX step may have added here.
        await index.remove(scope, id, conversation.tags, conversation.parentId);
        throw new ConversationExistsError({ id });
      }
      if (reply[0] === 'exists' && ifExists !== 'return') throw new ConversationExistsError({ id });
      const stored = conversationFromReply(reply[1]);
      if (reply[0] === 'created' && stored.expiresAt) await index.writeExpiry(scope, stored);
      return stored;
    },

    /**
     * The meta hash while it is still there (the test clock passed `expiresAt` before Redis's native
     * TTL did); once Redis has deleted it, the conversation's expiry-bucket entry, which stays until
     * `sweepExpired` drops it (or the id is deleted, erased or created again with another expiry).
     * So nothing is added to appends: the bucket entry is the sliding TTL's existing bookkeeping.
     */
    async expiredAt(scope, conversationId, now) {
      const at = now.getTime();
      const [meta, score] = await Promise.all([
        client.hgetall(context.keysOf(scope, conversationId)[0]!),
        client.zscore(expiryKey(prefix, scope.tenantId, conversationId), expiryMember(scope, conversationId)),
      ]);
      const expiresAt = meta.tenantId !== undefined ? (meta.pending === undefined && meta.tenantId === scope.tenantId && meta.userId === scope.userId ? meta.expiresAt : undefined) : (score ?? undefined);
      return expiresAt !== undefined && Number(expiresAt) <= at ? new Date(Number(expiresAt)) : null;
    },

    async getConversation(scope, conversationId) {
      const map = await client.hgetall(context.keysOf(scope, conversationId)[0]!);
      return isVisible(map, scope, clock.now()) ? decodeConversation(map) : null;
    },

    async listConversations(scope, { tag, parentId, limit, after }) {
      const keys = scopeKeys(prefix, scope);
      const indexKey = parentId !== undefined ? keys.parent(parentId) : tag !== undefined ? keys.tag(tag) : keys.all;
      const filter = { ...(tag !== undefined ? { tag } : {}), ...(parentId !== undefined ? { parentId } : {}) };
      return index.list({ scope, indexKey, limit, ...(after ? { start: after } : {}), filter, now: clock.now() });
    },

    async updateConversation(scope, conversationId, changes) {
      const now = clock.now();
      if (changes.tags !== undefined && changes.tags.length > 0) await index.write(scope, conversationId, now, 'NX', { tags: changes.tags });
      const reply = await conversationScript(scripts.UPDATE, scope, conversationId, now, [
        changes.title === undefined ? 'keep' : changes.title === null ? 'del' : 'set',
        changes.title ?? '',
        changes.tags === undefined ? 'keep' : 'set',
        JSON.stringify(changes.tags ?? []),
        changes.metadata === undefined ? 'keep' : 'set',
        JSON.stringify(changes.metadata ?? {}),
        changes.ttl === undefined ? 'keep' : changes.ttl === null ? 'del' : 'set',
        changes.ttl ? changes.ttl.seconds : 0,
        changes.ttl ? changes.ttl.mode : '',
      ]);
      if (reply[0] !== 'ok') notFound(conversationId);
      const oldTags = JSON.parse(String(reply[1] ?? '[]')) as string[];
      const conversation = conversationFromReply(reply[2]);
      const removed = oldTags.filter((tag) => !conversation.tags.includes(tag));
      await index.write(scope, conversationId, conversation.updatedAt.getTime(), 'GT', indexEntry(conversation), removed);
      if (changes.ttl !== undefined) await index.writeExpiry(scope, conversation);
      return conversation;
    },

    async updateState(scope, conversationId, state, { expectedVersion }) {
      const reply = await conversationScript(scripts.UPDATE_STATE, scope, conversationId, clock.now(), [JSON.stringify(state), expectedVersion === undefined ? '' : String(expectedVersion)]);
      if (reply[0] === 'nf') notFound(conversationId);
      if (reply[0] === 'conflict') throw new StateConflictError({ expectedVersion: expectedVersion!, actualVersion: Number(reply[1]) });
      const conversation = conversationFromReply(reply[1]);
      await index.write(scope, conversationId, conversation.updatedAt.getTime(), 'GT', indexEntry(conversation));
      return conversation;
    },

    async deleteConversation(scope, conversationId) {
      return (await deleteOne(context, scope, conversationId, false)).deleted;
    },

    /** The parent may live in another slot, so the child is built claim → fill → publish (copy-in.ts). */
    async forkConversation(scope, parentId, { atSeq, child }) {
      const copied = await readAllMessages(context, scope, parentId, clock.now(), atSeq);
      if (copied === null) notFound(parentId);
      return buildConversation(context, scope, { ...child, messageCount: copied.length, tokenCount: totalPrimaryTokens(copied), lastSeq: atSeq }, copied, null);
    },
  };
}
