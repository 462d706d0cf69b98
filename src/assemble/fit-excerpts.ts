import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Message } from '../types.js';
import type { DroppedItem } from './report.js';
import { blockCost, renderRecall, type RecallExcerpt } from './system-blocks.js';

/**
 * Keeps whole excerpts, best first as given, while the rendered block stays under `cap`; returns
 * them oldest first. Each excerpt is counted once (its lines plus a 2-token boundary allowance);
 * the block is counted exactly when the system message is composed. Excerpts left out are listed
 * in `dropped` (reason `cap`).
 */
export function fitExcerpts(tokenizer: Tokenizer, excerpts: readonly RecallExcerpt[], cap: number, conversationId: string, dropped: DroppedItem[]): RecallExcerpt[] {
  const kept: RecallExcerpt[] = [];
  const header = tokenizer.count(renderRecall([], conversationId));
  let used = blockCost(tokenizer, renderRecall([], conversationId));
  for (const excerpt of excerpts) {
    const cost = tokenizer.count(renderRecall([excerpt], conversationId)) - header + 2;
    if (used + cost > cap) {
      for (const message of excerpt.messages) dropped.push({ section: 'recall', reason: 'cap', messageId: message.id, seq: message.seq, tokens: message.tokenCounts[tokenizer.encoding] ?? 0 });
      continue;
    }
    kept.push(excerpt);
    used += cost;
  }
  return kept.sort(compareExcerpts);
}

function compareExcerpts(a: RecallExcerpt, b: RecallExcerpt): number {
  const timeA = a.messages[0]?.createdAt.getTime() ?? 0;
  const timeB = b.messages[0]?.createdAt.getTime() ?? 0;
  return timeA - timeB || (a.messages[0]?.seq ?? 0) - (b.messages[0]?.seq ?? 0);
}

/**
 * Recalled messages of this conversation that the final window holds anyway (`seq >= windowStart`)
 * are not repeated: they leave their excerpt (reason `already-in-window` in `dropped`), and an
 * excerpt left empty goes. Excerpts of other conversations are kept as they are.
 */
export function dedupeAgainstWindow(
  excerpts: readonly RecallExcerpt[],
  conversationId: string,
  windowStart: number,
  dropped: DroppedItem[],
  tokensOf: (message: Message) => number,
): RecallExcerpt[] {
  const result: RecallExcerpt[] = [];
  for (const excerpt of excerpts) {
    if (excerpt.conversationId !== conversationId) {
      result.push(excerpt);
      continue;
    }
    const kept = excerpt.messages.filter((message) => message.seq < windowStart);
    for (const message of excerpt.messages) {
      if (message.seq >= windowStart) dropped.push({ section: 'recall', reason: 'already-in-window', messageId: message.id, seq: message.seq, tokens: tokensOf(message) });
    }
    if (kept.length > 0) result.push({ conversationId, messages: kept });
  }
  return result;
}
