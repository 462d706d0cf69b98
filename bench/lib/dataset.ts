import { prepareMessages } from '../../src/messages/prepare.js';
import { getTokenizer } from '../../src/tokens/index.js';
import type { MessageInput, NewMessage } from '../../src/types.js';

/**
 * The benchmark corpus: deterministic support-chat turns of ≈ 60 tokens (o200k_base), with an
 * assistant tool call and its tool result every 10 messages, so windows contain tool-call groups.
 */
const WORDS = (
  'the customer asked about an order shipping refund invoice account password reset delivery window warehouse ' +
  'tracking number support agent replied with details and next steps today tomorrow please thanks billing plan ' +
  'upgrade downgrade subscription renewal receipt address courier parcel damaged replacement voucher discount ' +
  'weekend holiday schedule confirm cancel question answer follow-up manager escalation priority ticket'
).split(' ');

function random(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function sentence(index: number, words: number): string {
  const next = random(index + 1);
  return Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]!).join(' ');
}

/** Message `index` of the corpus (ids `${prefix}${index}`). */
export function corpusMessage(index: number, prefix = 'm'): MessageInput {
  const position = index % 10;
  const id = `${prefix}${index}`;
  if (position === 7) {
    return { id, role: 'assistant', content: [{ type: 'tool-call', toolCallId: `call-${index}`, toolName: 'lookup_order', input: { order: `A-${index}`, fields: ['status', 'eta', 'carrier'] } }] };
  }
  if (position === 8) {
    return { id, role: 'tool', content: [{ type: 'tool-result', toolCallId: `call-${index - 1}`, toolName: 'lookup_order', output: { status: 'in transit', eta: '2 days', carrier: 'DHL', note: sentence(index, 20) } }] };
  }
  const role = position % 2 === 0 ? 'user' : 'assistant';
  return { id, role, content: `${index}: ${sentence(index, 48 + (index % 9))}.` };
}

export function corpusInputs(count: number, prefix = 'm'): MessageInput[] {
  return Array.from({ length: count }, (_, index) => corpusMessage(index, prefix));
}

/** The corpus prepared the way the manager prepares it (ids, token counts, hashes), in chunks. */
export async function preparedCorpus(count: number, prefix = 'm'): Promise<NewMessage[]> {
  const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
  const out: NewMessage[] = [];
  for (let start = 0; start < count; start += 5000) {
    const inputs = Array.from({ length: Math.min(5000, count - start) }, (_, offset) => corpusMessage(start + offset, prefix));
    out.push(...(await prepareMessages(inputs, { tokenizer })));
  }
  return out;
}

/** Plain text of a corpus message (for the raw baselines and the LangChain history). */
export function plainText(message: MessageInput): string {
  return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
}
