import type { Conversation, JsonObject, Message, MessageContent, Role, Summary } from '../../types.js';
import { primaryTokens } from '../define-store/records.js';
import { batchSk, chunkSk, CONVERSATION_SK, conversationPk, expiryPk, expirySk, listSk, parentListPk, scopeListPk, SUMMARY_SK } from './keys.js';

/** A DynamoDB item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/**
 * Inline budget of one batch item in UTF-8 bytes. DynamoDB items are at most 400 KB (names and
 * values); messages beyond this budget go to chunk items written before the batch commits.
 */
export const INLINE_BATCH_BYTES = 300_000;
/** UTF-16 code units per chunk item: at most 3 UTF-8 bytes each (a pair is 4 bytes for 2 units), so ≤ 300 KB. */
export const CHUNK_UNITS = 100_000;

const encoder = new TextEncoder();
export const utf8Bytes = (text: string) => encoder.encode(text).length;

/** The conversation item's own fields (not the keys): everything a `Conversation` holds. */
export function conversationItem(conversation: Conversation, gen: string, extra: Item = {}, graceSeconds = DEFAULT_TTL_GRACE_SECONDS): Item {
  const pk = conversationPk(conversation.tenantId, conversation.id);
  const updatedAt = conversation.updatedAt.getTime();
  const item: Item = {
    pk,
    sk: CONVERSATION_SK,
    gen,
    id: conversation.id,
    tenantId: conversation.tenantId,
    ...(conversation.userId !== undefined ? { userId: conversation.userId } : {}),
    ...(conversation.title !== undefined ? { title: JSON.stringify(conversation.title) } : {}),
    tags: JSON.stringify(conversation.tags),
    state: JSON.stringify(conversation.state),
    stateVersion: conversation.stateVersion,
    metadata: JSON.stringify(conversation.metadata),
    ...(conversation.parentId !== undefined ? { parentId: conversation.parentId, ppk: parentListPk(conversation.tenantId, conversation.parentId) } : {}),
    ...(conversation.forkedFromSeq !== undefined ? { forkedFromSeq: conversation.forkedFromSeq } : {}),
    ...(conversation.ttl ? { ttlSeconds: conversation.ttl.seconds, ttlMode: conversation.ttl.mode } : {}),
    createdAt: conversation.createdAt.getTime(),
    updatedAt,
    messageCount: conversation.messageCount,
    tokenCount: conversation.tokenCount,
    lastSeq: conversation.lastSeq,
    lpk: scopeListPk(conversation),
    lsk: listSk(updatedAt, conversation.id),
    ...extra,
  };
  if (conversation.expiresAt) Object.assign(item, expiryAttributes(conversation.tenantId, conversation.id, conversation.expiresAt.getTime(), graceSeconds));
  return item;
}

/**
 * Expiry attributes: `expiresAt` (ms, read-time filtering), `ttl` (epoch **seconds**, DynamoDB's
 * native TTL attribute; see README: set to expiry + grace so `sweepExpired` can purge the
 * conversation's other items first), and the sparse `byExpiry` index keys.
 */
export function expiryAttributes(tenantId: string, conversationId: string, expiresAt: number, graceSeconds = DEFAULT_TTL_GRACE_SECONDS): Item {
  const pk = conversationPk(tenantId, conversationId);
  return { expiresAt, ttl: Math.ceil(expiresAt / 1000) + graceSeconds, xpk: expiryPk(tenantId, conversationId), xsk: expirySk(expiresAt, pk) };
}

/** Seconds DynamoDB's native TTL waits after `expiresAt` before deleting a conversation item (reads hide it at `expiresAt`). */
export const DEFAULT_TTL_GRACE_SECONDS = 24 * 60 * 60;

export function decodeConversation(item: Item): Conversation {
  const conversation: Record<string, unknown> = {
    id: item.id,
    tenantId: item.tenantId,
    ...(item.userId !== undefined ? { userId: item.userId } : {}),
    ...(item.title !== undefined ? { title: JSON.parse(item.title as string) } : {}),
    tags: JSON.parse(item.tags as string),
    state: JSON.parse(item.state as string),
    stateVersion: Number(item.stateVersion),
    metadata: JSON.parse(item.metadata as string),
    ...(item.parentId !== undefined ? { parentId: item.parentId } : {}),
    ...(item.forkedFromSeq !== undefined ? { forkedFromSeq: Number(item.forkedFromSeq) } : {}),
    ...(item.ttlSeconds !== undefined ? { ttl: { seconds: Number(item.ttlSeconds), mode: item.ttlMode } } : {}),
    ...(item.expiresAt !== undefined ? { expiresAt: new Date(Number(item.expiresAt)) } : {}),
    createdAt: new Date(Number(item.createdAt)),
    updatedAt: new Date(Number(item.updatedAt)),
    messageCount: Number(item.messageCount),
    tokenCount: Number(item.tokenCount),
    lastSeq: Number(item.lastSeq),
  };
  return conversation as unknown as Conversation;
}

/** A stored message as a batch item holds it: the whole message (`full`) or, when chunked, its header. */
export interface EncodedMessage {
  /** seq */
  readonly s: number;
  readonly i: string;
  readonly r: Role;
  readonly h: string;
  readonly k: Record<string, number>;
  /** The message JSON (see {@link messageJson}) when inline. */
  readonly j?: string;
  /** Number of chunk items holding the JSON when it is not inline. */
  readonly x?: number;
}

/** The JSON of one message as stored; the conversation id is implied by the partition. */
export function messageJson(message: Message): string {
  return JSON.stringify({
    id: message.id,
    role: message.role,
    ...(message.name !== undefined ? { name: message.name } : {}),
    content: message.content,
    createdAt: message.createdAt.getTime(),
    metadata: message.metadata,
    tags: message.tags,
    tokenCounts: message.tokenCounts,
    contentHash: message.contentHash,
    seq: message.seq,
  });
}

export function parseMessage(json: string, conversationId: string): Message {
  const raw = JSON.parse(json) as { id: string; role: Role; name?: string; content: MessageContent; createdAt: number; metadata: JsonObject; tags: string[]; tokenCounts: Record<string, number>; contentHash: string; seq: number };
  return {
    id: raw.id,
    role: raw.role,
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    content: raw.content,
    createdAt: new Date(raw.createdAt),
    metadata: raw.metadata,
    tags: raw.tags,
    tokenCounts: raw.tokenCounts,
    contentHash: raw.contentHash,
    conversationId,
    seq: raw.seq,
  };
}

/** One batch: the batch item and the chunk items it references (written first). */
export interface EncodedBatch {
  readonly item: Item;
  readonly chunks: Item[];
}

/**
 * Encodes messages (consecutive seqs of one conversation) as one batch item keyed by the first seq,
 * plus chunk items for messages that do not fit the inline budget (largest first).
 */
export function encodeBatch(options: { pk: string; gen: string; messages: readonly Message[]; extra?: Item }): EncodedBatch {
  const { pk, gen, messages } = options;
  const firstSeq = messages[0]!.seq;
  const token = crypto.randomUUID().replace(/-/g, '').slice(0, 16);
  const jsons = messages.map((message) => messageJson(message));
  const sizes = jsons.map((json) => utf8Bytes(json));
  const chunked = new Set<number>();
  let inline = sizes.reduce((sum, size) => sum + size, 0);
  const bySize = sizes.map((size, index) => ({ size, index })).sort((a, b) => b.size - a.size);
  for (const { size, index } of bySize) {
    if (inline <= INLINE_BATCH_BYTES) break;
    chunked.add(index);
    inline -= size;
  }
  const chunks: Item[] = [];
  const encoded: EncodedMessage[] = messages.map((message, index) => {
    const header = { s: message.seq, i: message.id, r: message.role, h: message.contentHash, k: { ...message.tokenCounts } };
    if (!chunked.has(index)) return { ...header, j: jsons[index]! };
    const parts = splitUnits(jsons[index]!);
    parts.forEach((data, part) => chunks.push({ pk, sk: chunkSk(firstSeq, token, message.seq, part), gen, d: data }));
    return { ...header, x: parts.length };
  });
  const item: Item = {
    pk,
    sk: batchSk(firstSeq),
    gen,
    first: firstSeq,
    last: messages.at(-1)!.seq,
    n: messages.length,
    tok: messages.reduce((sum, message) => sum + primaryTokens(message), 0),
    tk: token,
    msgs: JSON.stringify(encoded),
    ...options.extra,
  };
  return { item, chunks };
}

/** Splits a string into chunks of at most {@link CHUNK_UNITS} code units, never inside a surrogate pair. */
function splitUnits(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + CHUNK_UNITS);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts;
}

/** A batch item read back: its visible (not deleted) message headers. */
export interface DecodedBatch {
  readonly first: number;
  readonly last: number;
  readonly gen: string;
  readonly token: string;
  readonly messages: readonly EncodedMessage[];
  readonly item: Item;
}

export function decodeBatch(item: Item): DecodedBatch {
  const deleted = toNumberSet(item.del);
  const messages = (JSON.parse(item.msgs as string) as EncodedMessage[]).filter((message) => !deleted.has(message.s));
  return { first: Number(item.first), last: Number(item.last), gen: item.gen as string, token: item.tk as string, messages, item };
}

function toNumberSet(value: unknown): Set<number> {
  if (!value) return new Set();
  if (value instanceof Set) return new Set([...value].map(Number));
  if (Array.isArray(value)) return new Set(value.map(Number));
  return new Set();
}

export function chunkKeys(pk: string, batch: DecodedBatch, message: EncodedMessage): Array<{ pk: string; sk: string }> {
  return Array.from({ length: message.x ?? 0 }, (_, part) => ({ pk, sk: chunkSk(batch.first, batch.token, message.s, part) }));
}

export function summaryItem(pk: string, gen: string, summary: Summary): Item {
  return {
    pk,
    sk: SUMMARY_SK,
    gen,
    coversThroughSeq: summary.coversThroughSeq,
    doc: JSON.stringify({ text: summary.text, coversThroughSeq: summary.coversThroughSeq, tokenCount: summary.tokenCount, encoding: summary.encoding, updatedAt: summary.updatedAt.getTime() }),
  };
}

export function decodeSummary(item: Item): Summary {
  const raw = JSON.parse(item.doc as string) as { text: string; coversThroughSeq: number; tokenCount: number; encoding: string; updatedAt: number };
  return { text: raw.text, coversThroughSeq: raw.coversThroughSeq, tokenCount: raw.tokenCount, encoding: raw.encoding, updatedAt: new Date(raw.updatedAt) };
}
