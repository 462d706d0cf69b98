import { ValidationError } from '../errors.js';
import type { Conversation, ConversationExport, JsonObject, Message, Summary } from '../types.js';
import { validateExport, validateNewMessages } from './validate.js';

/**
 * The JSON form of conversations, messages and summaries used by `exportConversation` /
 * `importConversation` in every store: Dates become ISO-8601 strings, absent optionals are omitted.
 */

export function conversationToJson(conversation: Conversation): JsonObject {
  return dropUndefined({
    id: conversation.id,
    title: conversation.title,
    tags: [...conversation.tags],
    state: conversation.state,
    stateVersion: conversation.stateVersion,
    metadata: conversation.metadata,
    parentId: conversation.parentId,
    forkedFromSeq: conversation.forkedFromSeq,
    ttl: conversation.ttl ? { seconds: conversation.ttl.seconds, mode: conversation.ttl.mode } : undefined,
    expiresAt: conversation.expiresAt?.toISOString(),
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
    lastSeq: conversation.lastSeq,
  });
}

export function messageToJson(message: Message): JsonObject {
  return dropUndefined({
    id: message.id,
    seq: message.seq,
    role: message.role,
    name: message.name,
    content: message.content as JsonObject['x'],
    createdAt: message.createdAt.toISOString(),
    metadata: message.metadata,
    tags: [...message.tags],
    tokenCounts: { ...message.tokenCounts },
    contentHash: message.contentHash,
  });
}

export function summaryToJson(summary: Summary): JsonObject {
  return {
    text: summary.text,
    coversThroughSeq: summary.coversThroughSeq,
    tokenCount: summary.tokenCount,
    encoding: summary.encoding,
    updatedAt: summary.updatedAt.toISOString(),
  };
}

export function buildExport(conversation: Conversation, messages: readonly Message[], summary: Summary | null): ConversationExport {
  return {
    format: 'llm-context.conversation/v1',
    conversation: conversationToJson(conversation),
    messages: messages.map(messageToJson),
    summary: summary ? summaryToJson(summary) : null,
  };
}

/** What a store needs to recreate an exported conversation, validated. */
export interface ParsedExport {
  readonly conversation: {
    readonly id: string;
    readonly title?: string;
    readonly tags: string[];
    readonly state: JsonObject;
    readonly stateVersion: number;
    readonly metadata: JsonObject;
    readonly parentId?: string;
    readonly forkedFromSeq?: number;
    readonly ttl?: { seconds: number; mode: 'sliding' | 'fixed' };
    readonly expiresAt?: Date;
    readonly createdAt: Date;
    readonly updatedAt: Date;
    readonly lastSeq: number;
  };
  /** Ascending seq, each with its original seq. */
  readonly messages: ReadonlyArray<Omit<Message, 'conversationId'>>;
  readonly summary: Summary | null;
}

/** @throws {ValidationError} (as a rejection) for a malformed export. */
export async function parseExport(data: unknown): Promise<ParsedExport> {
  const value = validateExport(data);
  const conversation = value.conversation as Record<string, unknown>;
  const messages = value.messages.map((raw, index) => {
    const message = raw as Record<string, unknown>;
    const seq = message.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
      throw new ValidationError({ field: `data.messages[${index}].seq`, message: 'must be a positive integer' });
    }
    return { ...message, seq, createdAt: parseDate(`data.messages[${index}].createdAt`, message.createdAt) } as unknown as Omit<Message, 'conversationId'>;
  });
  if (messages.length > 0) await validateNewMessages(messages);
  for (let index = 1; index < messages.length; index += 1) {
    if (messages[index]!.seq <= messages[index - 1]!.seq) {
      throw new ValidationError({ field: `data.messages[${index}].seq`, message: 'must be strictly increasing' });
    }
  }
  const lastSeq = Math.max(Number(conversation.lastSeq ?? 0), messages.at(-1)?.seq ?? 0);
  const summary = value.summary as Record<string, unknown> | null;
  return {
    conversation: {
      id: String(conversation.id),
      title: typeof conversation.title === 'string' ? conversation.title : undefined,
      tags: Array.isArray(conversation.tags) ? (conversation.tags as string[]) : [],
      state: (conversation.state as JsonObject | undefined) ?? {},
      stateVersion: typeof conversation.stateVersion === 'number' ? conversation.stateVersion : 0,
      metadata: (conversation.metadata as JsonObject | undefined) ?? {},
      parentId: typeof conversation.parentId === 'string' ? conversation.parentId : undefined,
      forkedFromSeq: typeof conversation.forkedFromSeq === 'number' ? conversation.forkedFromSeq : undefined,
      ttl: conversation.ttl as ParsedExport['conversation']['ttl'],
      expiresAt: conversation.expiresAt === undefined ? undefined : parseDate('data.conversation.expiresAt', conversation.expiresAt),
      createdAt: parseDate('data.conversation.createdAt', conversation.createdAt),
      updatedAt: parseDate('data.conversation.updatedAt', conversation.updatedAt),
      lastSeq,
    },
    messages,
    summary: summary
      ? {
          text: String(summary.text),
          coversThroughSeq: Number(summary.coversThroughSeq),
          tokenCount: Number(summary.tokenCount),
          encoding: String(summary.encoding),
          updatedAt: parseDate('data.summary.updatedAt', summary.updatedAt),
        }
      : null,
  };
}

function parseDate(field: string, value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new ValidationError({ field, message: 'must be an ISO-8601 date string' });
  return date;
}

function dropUndefined(object: Record<string, unknown>): JsonObject {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result as JsonObject;
}
