import { prepareMessages } from '../../src/messages/prepare.js';
import type { Tokenizer } from '../../src/tokens/tokenizer.js';
import type { Message, MessageInput } from '../../src/types.js';

/** Messages as a store would return them (seq from 1, counts for `tokenizer`), for unit tests of assembly stages. */
export async function storedMessages(inputs: readonly MessageInput[], options: { tokenizer: Tokenizer; conversationId?: string; firstSeq?: number }): Promise<Message[]> {
  let now = Date.UTC(2026, 0, 1);
  const prepared = await prepareMessages(inputs, { tokenizer: options.tokenizer, now: () => (now += 60_000) });
  return prepared.map((message, index) => ({ ...message, conversationId: options.conversationId ?? 'c', seq: (options.firstSeq ?? 1) + index }));
}
