import { prepareMessages } from '../messages/prepare.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { MessageInput, NewMessage } from '../types.js';

export const ENCODING = 'o200k_base';

/** Prepares messages the way the manager does (ids, token counts, hashes), for store-level tests. */
export async function newMessages(inputs: readonly MessageInput[], now: () => number = Date.now): Promise<NewMessage[]> {
  const tokenizer = await getTokenizer({ encoding: ENCODING });
  return prepareMessages(inputs, { tokenizer, now });
}

/** `count` user/assistant text messages with ids `${prefix}-${i}`. */
export function textTurns(count: number, prefix = 'm', text = (index: number) => `message number ${index}`): MessageInput[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}-${index}`,
    role: index % 2 === 0 ? 'user' : 'assistant',
    content: text(index),
  }));
}

/** An assistant tool call and its result. */
export function toolExchange(callId: string, prefix = callId): MessageInput[] {
  return [
    { id: `${prefix}-call`, role: 'assistant', content: [{ type: 'tool-call', toolCallId: callId, toolName: 'lookup', input: { q: callId } }] },
    { id: `${prefix}-result`, role: 'tool', content: [{ type: 'tool-result', toolCallId: callId, toolName: 'lookup', output: { ok: true, callId } }] },
  ];
}
