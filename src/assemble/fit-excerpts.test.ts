import { describe, expect, it } from 'vitest';
import { storedMessages } from '../../test/support/stored-messages.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import { dedupeAgainstWindow, fitExcerpts } from './fit-excerpts.js';
import type { DroppedItem } from './report.js';
import { blockCost, renderRecall } from './system-blocks.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const messages = await storedMessages(
  Array.from({ length: 6 }, (_, index) => ({ role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${index + 1} about the weather in Lisbon` })),
  { tokenizer },
);

describe('fitExcerpts', () => {
  it('should keep excerpts best first while they fit, return them oldest first, and list the rest as cap drops', () => {
    const newer = { conversationId: 'c', messages: messages.slice(4, 6) };
    const older = { conversationId: 'c', messages: messages.slice(0, 2) };
    const middle = { conversationId: 'c', messages: messages.slice(2, 4) };
    const both = blockCost(tokenizer, renderRecall([older, newer], 'c'));
    const dropped: DroppedItem[] = [];
    const kept = fitExcerpts(tokenizer, [newer, older, middle], both + 4, 'c', dropped);
    expect(kept).toEqual([older, newer]);
    expect(dropped.map((item) => [item.reason, item.seq])).toEqual([['cap', 3], ['cap', 4]]);
    expect(blockCost(tokenizer, renderRecall(kept, 'c'))).toBeLessThanOrEqual(both + 4);
  });

  it('should keep nothing under a cap smaller than the header', () => {
    const dropped: DroppedItem[] = [];
    expect(fitExcerpts(tokenizer, [{ conversationId: 'c', messages: messages.slice(0, 1) }], 3, 'c', dropped)).toEqual([]);
    expect(dropped).toHaveLength(1);
  });
});

describe('dedupeAgainstWindow', () => {
  it('should remove recalled messages the window holds, keep other conversations, and drop emptied excerpts', () => {
    const dropped: DroppedItem[] = [];
    const other = { conversationId: 'other', messages: messages.slice(4, 6) };
    const result = dedupeAgainstWindow(
      [{ conversationId: 'c', messages: messages.slice(1, 4) }, { conversationId: 'c', messages: messages.slice(4, 6) }, other],
      'c',
      4,
      dropped,
      (message) => message.tokenCounts.o200k_base!,
    );
    expect(result.map((excerpt) => [excerpt.conversationId, excerpt.messages.map((message) => message.seq)])).toEqual([['c', [2, 3]], ['other', [5, 6]]]);
    expect(dropped.map((item) => [item.reason, item.seq])).toEqual([['already-in-window', 4], ['already-in-window', 5], ['already-in-window', 6]]);
  });
});
