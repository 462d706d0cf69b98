import { LRUCache } from 'lru-cache';
import type { Message } from '../../types.js';
import { decodeMessage } from './codec.js';

interface DecodedEntry {
  /** The stored member the message was decoded from: a hit must be this exact text. */
  readonly json: string;
  /** The decoded message; its nested values (content parts, metadata, tags, token counts) are frozen and shared by every copy handed out. */
  readonly message: Message;
  readonly createdAtMs: number;
}

/**
 * The messages of each conversation's last tail read, decoded, keyed by seq. Between two turns an
 * assembly reads back almost the same tail (the same members plus the newest one or two), and
 * parsing the members was the largest client cost left in a Redis assembly: measured ≈ 2.4 µs per
 * 600-byte member in the assembly loop, ≈ 67 µs of a 28-message tail (`bench/redis/README.md`).
 *
 * A hit is exact: the member read now must be the very text the cached message was decoded from
 * (one string comparison), and decoding is a pure function of that text and the conversation id.
 * Each hit is a fresh message object with a fresh `createdAt`; the nested values are deeply frozen
 * and shared, so a caller that tries to change them gets a `TypeError` instead of changing what the
 * next read returns.
 *
 * Each conversation keeps only the members of its last read (older ones leave as the tail moves
 * on); at most `maxChars` characters of member text in all, least recently read conversation
 * forgotten first.
 */
export class DecodedTails {
  private readonly tails: LRUCache<string, ReadonlyMap<number, DecodedEntry>>;

  /** @param maxChars member text kept in all, in UTF-16 code units. @default 4,000,000 (≈ 8 MB at most) */
  constructor(maxChars = 4_000_000) {
    this.tails = new LRUCache({ maxSize: maxChars, sizeCalculation: memberChars });
  }

  /**
   * Decodes `members` (any order; `seqs[i]` is the seq in `members[i]`'s head) of the conversation
   * `key` names, and makes them that conversation's cached tail.
   */
  decode(key: string, conversationId: string, members: readonly string[], seqs: readonly number[]): Message[] {
    const previous = this.tails.get(key);
    const next = new Map<number, DecodedEntry>();
    const messages: Message[] = new Array(members.length);
    for (let index = 0; index < members.length; index += 1) {
      const json = members[index]!;
      const seq = seqs[index]!;
      const known = previous?.get(seq);
      const entry = known !== undefined && known.json === json ? known : decodedEntry(json, conversationId);
      next.set(seq, entry);
      messages[index] = copyOf(entry);
    }
    // A tail larger than the whole bound is not kept (lru-cache refuses it) and the previous one is dropped.
    if (next.size > 0) this.tails.set(key, next);
    else this.tails.delete(key);
    return messages;
  }

  /** Conversations and member characters held (for tests). */
  size(): { readonly conversations: number; readonly chars: number } {
    return { conversations: this.tails.size, chars: this.tails.calculatedSize };
  }
}

function memberChars(tail: ReadonlyMap<number, DecodedEntry>): number {
  let chars = 0;
  for (const entry of tail.values()) chars += entry.json.length;
  return Math.max(1, chars);
}

function decodedEntry(json: string, conversationId: string): DecodedEntry {
  const message = decodeMessage(json, conversationId);
  deepFreeze(message.content);
  deepFreeze(message.metadata);
  deepFreeze(message.tags);
  deepFreeze(message.tokenCounts);
  return { json, message, createdAtMs: message.createdAt.getTime() };
}

function copyOf({ message, createdAtMs }: DecodedEntry): Message {
  // The same field order as decodeMessage: every message object gets one shape.
  const copy: { -readonly [K in keyof Message]: Message[K] } = {
    seq: message.seq,
    id: message.id,
    role: message.role,
    content: message.content,
    createdAt: new Date(createdAtMs),
    metadata: message.metadata,
    tags: message.tags,
    tokenCounts: message.tokenCounts,
    contentHash: message.contentHash,
    conversationId: message.conversationId,
  };
  if (message.name !== undefined) copy.name = message.name;
  return copy;
}

/** Freezes `value` and every object and array inside it, in place. */
export function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const nested of Object.values(value)) deepFreeze(nested);
}
