import type { ContextRead, MessageSearchHit, TailResult } from './store.js';
import type { Conversation, Memory, Message, NewMessage, Summary } from '../types.js';

/**
 * The JSON wire format of the context server (`llm-context/server`) and the remote store
 * (`llm-context/remote`): records travel as JSON with every `Date` as an ISO-8601 string
 * (`JSON.stringify` writes them so). These functions turn the known date fields back into `Date`s,
 * field by field — never by key name anywhere in the tree, so a `createdAt` inside user metadata
 * stays the string it was.
 */

type Raw = Record<string, unknown>;

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(value as string);
}

export function reviveConversation(raw: unknown): Conversation {
  const value = raw as Raw;
  return {
    ...value,
    createdAt: toDate(value.createdAt),
    updatedAt: toDate(value.updatedAt),
    ...(value.expiresAt !== undefined && value.expiresAt !== null ? { expiresAt: toDate(value.expiresAt) } : {}),
  } as unknown as Conversation;
}

export function reviveMessage(raw: unknown): Message {
  const value = raw as Raw;
  return { ...value, createdAt: toDate(value.createdAt) } as unknown as Message;
}

/** A prepared message (`NewMessage`) sent to the server: `createdAt` back to a `Date` when it is an ISO string. */
export function reviveNewMessage(raw: unknown): NewMessage {
  if (typeof raw !== 'object' || raw === null) return raw as NewMessage;
  const value = raw as Raw;
  return (typeof value.createdAt === 'string' ? { ...value, createdAt: new Date(value.createdAt) } : value) as unknown as NewMessage;
}

export function reviveSummary(raw: unknown): Summary | null {
  if (raw === null || raw === undefined) return null;
  const value = raw as Raw;
  return { ...value, updatedAt: typeof value.updatedAt === 'string' ? new Date(value.updatedAt) : value.updatedAt } as unknown as Summary;
}

export function reviveMemory(raw: unknown): Memory {
  const value = raw as Raw;
  return {
    ...value,
    createdAt: toDate(value.createdAt),
    updatedAt: toDate(value.updatedAt),
    validFrom: toDate(value.validFrom),
    ...(value.validTo !== undefined && value.validTo !== null ? { validTo: toDate(value.validTo) } : {}),
  } as unknown as Memory;
}

export function reviveTail(raw: unknown): TailResult {
  const value = raw as { messages: unknown[]; reachedStart: boolean };
  return { messages: value.messages.map(reviveMessage), reachedStart: value.reachedStart };
}

export function reviveContextRead(raw: unknown): ContextRead {
  const value = raw as { conversation: unknown; tail: unknown; summary: unknown; memories?: { pinned: unknown[]; morePinned: boolean; unpinned: boolean } };
  return {
    conversation: value.conversation === null ? null : reviveConversation(value.conversation),
    tail: reviveTail(value.tail),
    summary: reviveSummary(value.summary),
    ...(value.memories ? { memories: { pinned: value.memories.pinned.map(reviveMemory), morePinned: value.memories.morePinned, unpinned: value.memories.unpinned } } : {}),
  };
}

export function reviveSearchHits(raw: unknown): MessageSearchHit[] {
  return (raw as Array<{ message: unknown; score: number }>).map((hit) => ({ message: reviveMessage(hit.message), score: hit.score }));
}
