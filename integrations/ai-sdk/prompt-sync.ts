import { canonicalJson } from './json-value.js';
import { type ContentPart, type MessageContent, type Role } from '../../src/index.js';

/**
 * Matches the prompt the SDK sends on every step against what is already stored, so the
 * middleware records each turn once although the SDK resends the whole history each step.
 */

/**
 * A comparison key for a message: role plus content with string content read as one text part,
 * empty text/reasoning dropped, provider options ignored, and a tool call keyed by id and name
 * only (the SDK re-sends the input after validating it against the tool schema, which may change it).
 */
export function messageKey(message: { role: Role; content: MessageContent }): string {
  const parts: ContentPart[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [...message.content];
  const normalized = parts.flatMap((part): unknown[] => {
    if ((part.type === 'text' || part.type === 'reasoning') && part.text === '') return [];
    if (part.type === 'tool-call') return [{ type: part.type, toolCallId: part.toolCallId, toolName: part.toolName }];
    return [part];
  });
  return canonicalJson({ role: message.role, content: normalized });
}

/**
 * How many leading prompt messages are already stored, and where. Prefers the stored tail
 * (`prompt[0..k)` equals the last `k` stored messages: the SDK resent history, or the app sends
 * only new turns after it); otherwise the longest prompt prefix found anywhere in `stored`
 * (a regenerate, which resends history that ends before the stored tail).
 * @returns `length` prompt messages matched `stored[storedStart .. storedStart + length)`.
 */
export function findRecordedPrefix(promptKeys: readonly string[], storedKeys: readonly string[]): { length: number; storedStart: number } {
  for (let length = Math.min(promptKeys.length, storedKeys.length); length > 0; length--) {
    const storedStart = storedKeys.length - length;
    if (rangeEquals(promptKeys, storedKeys, storedStart, length)) return { length, storedStart };
  }
  let best = { length: 0, storedStart: 0 };
  for (let storedStart = 0; storedStart < storedKeys.length; storedStart++) {
    let length = 0;
    while (length < promptKeys.length && storedStart + length < storedKeys.length && promptKeys[length] === storedKeys[storedStart + length]) length++;
    if (length > best.length) best = { length, storedStart };
  }
  return best;
}

function rangeEquals(promptKeys: readonly string[], storedKeys: readonly string[], storedStart: number, length: number): boolean {
  for (let index = 0; index < length; index++) {
    if (promptKeys[index] !== storedKeys[storedStart + index]) return false;
  }
  return true;
}

/**
 * A deterministic message id: the same new turn after the same stored tail gets the same id, so two
 * concurrent or retried steps write it once (the store is idempotent by id). SHA-256 via Web Crypto,
 * available in Node ≥ 20 and edge runtimes.
 */
export async function deriveMessageId(options: { conversationId: string; anchor: string; offset: number; key: string }): Promise<string> {
  const material = new TextEncoder().encode(`${options.conversationId}\n${options.anchor}\n${options.offset}\n${options.key}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', material));
  return `aisdk-${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
