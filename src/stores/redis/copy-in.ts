import { ConversationExistsError } from '../../errors.js';
import type { Conversation, Message, Scope, Summary } from '../../types.js';
import { primaryTokens } from '../define-store/records.js';
import { conversationPairs, decodeConversation, decodeMessage, messageJson, summaryJson, toFieldMap, type ConversationFields } from './codec.js';
import type { RedisContext } from './redis-context.js';
import * as scripts from './scripts.js';

/** A fork or import that crashes mid-fill leaves a claim that Redis expires after this long (ms). */
const PENDING_TTL_MS = 10 * 60 * 1000;
/** Messages per round trip when copying (fork, import, export). */
const COPY_CHUNK = 500;

/** The meta fields of `conversation` as the codec writes them (times in epoch ms). */
export function conversationFields(scope: Scope, conversation: Conversation): ConversationFields {
  return {
    id: conversation.id,
    scope,
    ...(conversation.title !== undefined ? { title: conversation.title } : {}),
    tags: conversation.tags,
    state: conversation.state,
    stateVersion: conversation.stateVersion,
    metadata: conversation.metadata,
    ...(conversation.parentId !== undefined ? { parentId: conversation.parentId } : {}),
    ...(conversation.forkedFromSeq !== undefined ? { forkedFromSeq: conversation.forkedFromSeq } : {}),
    ...(conversation.ttl !== undefined ? { ttl: { seconds: conversation.ttl.seconds, mode: conversation.ttl.mode } } : {}),
    ...(conversation.expiresAt !== undefined ? { expiresAt: conversation.expiresAt.getTime() } : {}),
    createdAt: conversation.createdAt.getTime(),
    updatedAt: conversation.updatedAt.getTime(),
    messageCount: conversation.messageCount,
    tokenCount: conversation.tokenCount,
    lastSeq: conversation.lastSeq,
  };
}

/** Every message of a conversation with `seq <= maxSeq`, ascending, read in chunks; null when it is not visible. */
export async function readAllMessages(context: RedisContext, scope: Scope, conversationId: string, now: number, maxSeq?: number): Promise<Message[] | null> {
  const messages: Message[] = [];
  let after = 0;
  for (;;) {
    const members = await context.range(scope, conversationId, now, 'asc', `(${after}`, maxSeq === undefined ? '+inf' : String(maxSeq), COPY_CHUNK);
    if (members === null) return null;
    const page = members.map((json) => decodeMessage(json, conversationId));
    messages.push(...page);
    if (page.length < COPY_CHUNK) return messages;
    after = page.at(-1)!.seq;
  }
}

/**
 * Claim → fill in chunks → publish: builds a conversation whose messages come from elsewhere (a
 * fork's parent, an import). The claim is a `pending` marker invisible to reads that expires
 * after 10 minutes, so a crashed copy vanishes.
 * @throws {ConversationExistsError} when a live conversation of the tenant holds the id.
 */
export async function buildConversation(context: RedisContext, scope: Scope, conversation: Conversation, messages: ReadonlyArray<Omit<Message, 'conversationId'>>, summary: Summary | null): Promise<Conversation> {
  const { index, conversationScript, clock } = context;
  const { id } = conversation;
  const fields = conversationFields(scope, conversation);
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
      ...conversationPairs(fields),
    ]);
    if (published[0] !== 'ok') throw new ConversationExistsError({ id });
    const stored = decodeConversation(toFieldMap(published[1]));
    await index.write(scope, id, stored.updatedAt.getTime(), 'GT', { tags: stored.tags, ...(stored.parentId !== undefined ? { parentId: stored.parentId } : {}) });
    if (stored.expiresAt) await index.writeExpiry(scope, stored);
    return stored;
  } catch (error) {
    await conversationScript(scripts.ABORT, scope, id, now, [nonce]).catch(() => undefined);
    throw error;
  }
}
