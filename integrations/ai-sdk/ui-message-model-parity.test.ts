import { convertToModelMessages, type ModelMessage, type UIMessage } from 'ai';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/types.js';
import { toModelMessages } from './model-message.js';
import { uiMessageToMessages } from './ui-message.js';

/** JSON as it arrives over the wire (no -0). */
const json = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);
const text = fc.string({ minLength: 1, maxLength: 12 });
/** Tool inputs are JSON objects (a null input on an errored call is where the SDK drops `input`, issue #14349; we keep it). */
const input = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), json, { maxKeys: 3 });
const modelPart = fc.oneof(
  { weight: 3, arbitrary: text.map((value) => ({ type: 'text', text: value })) },
  text.map((value) => ({ type: 'reasoning', text: value })),
  fc.constant({ type: 'step-start' }),
  { weight: 3, arbitrary: fc.record({ input, output: json, errorText: text, error: fc.boolean() }).map(({ input, output, errorText, error }) =>
    error ? { type: 'tool-weather', toolCallId: '', state: 'output-error', input, errorText } : { type: 'tool-weather', toolCallId: '', state: 'output-available', input, output }) },
);
const conversation: fc.Arbitrary<UIMessage[]> = fc
  .array(fc.record({ user: text, assistant: fc.array(modelPart, { minLength: 1, maxLength: 6 }) }), { minLength: 1, maxLength: 3 })
  .map((turns) =>
    turns.flatMap((turn, turnIndex) => [
      { id: `u${turnIndex}`, role: 'user', parts: [{ type: 'text', text: turn.user }] },
      { id: `a${turnIndex}`, role: 'assistant', parts: turn.assistant.map((part, partIndex) => ('toolCallId' in part ? { ...part, toolCallId: `c${turnIndex}-${partIndex}` } : part)) },
    ]) as UIMessage[],
  );

/**
 * String content and one text part are the same prompt. An assistant message with no parts (a step
 * that produced nothing) is stored, to rebuild the UI, but not sent: `streamChatResponse` drops it
 * as the SDK does.
 */
function normalize(messages: readonly ModelMessage[]): unknown[] {
  return messages.filter((message) => !(Array.isArray(message.content) && message.content.length === 0)).map((message) => (typeof message.content === 'string' && message.role !== 'system' ? { ...message, content: [{ type: 'text', text: message.content }] } : message));
}

describe('UIMessage → stored → ModelMessage', () => {
  it('should send the model the same prompt the AI SDK builds from the UI messages (convertToModelMessages)', async () => {
    await fc.assert(
      fc.asyncProperty(conversation, async (messages) => {
        const stored = messages.flatMap((message) => uiMessageToMessages({ message }));
        expect(normalize(toModelMessages(stored))).toEqual(normalize(await convertToModelMessages(messages)));
      }),
      { numRuns: 200 },
    );
  });
});
