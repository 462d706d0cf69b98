import { countMessageTokens } from '../tokens/message-tokens.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Message } from '../types.js';

/** Token counts of read messages: the count stored at write time, else counted now (and tallied). */
export interface MessageCounter {
  /** The message's stored count for the tokenizer's encoding, else its count now. */
  tokensOf(message: Message): number;
  /** {@link tokensOf}, tallying messages that had no stored count. */
  countChecked(message: Message): number;
  /** How many `countChecked` calls found no stored count (for the report's note). */
  readonly recounted: number;
}

export function createMessageCounter(tokenizer: Tokenizer): MessageCounter {
  const encoding = tokenizer.encoding;
  const tokensOf = (message: Message) => message.tokenCounts[encoding] ?? countMessageTokens(tokenizer, message);
  let recounted = 0;
  return {
    tokensOf,
    countChecked(message) {
      if (message.tokenCounts[encoding] === undefined) recounted += 1;
      return tokensOf(message);
    },
    get recounted() {
      return recounted;
    },
  };
}
