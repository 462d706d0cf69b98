import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { validateNewMessages } from '../../src/spec/validate.js';
import type { ContentPart, MessageInput } from '../../src/types.js';
import { fromLangChainMessage, fromLangChainMessages, toLangChainMessages } from './convert-messages.js';
import { langChainMessage, neutralMessage, storedForm } from '../../test/support/langchain-arbitraries.js';
import { deepFrozen } from '../../test/support/deep-frozen.js';

describe('fromLangChainMessages / toLangChainMessages', () => {
  it('should convert messages whose nested values are frozen (as the Redis store returns them) exactly as mutable ones', () => {
    fc.assert(
      fc.property(fc.array(neutralMessage, { maxLength: 6 }), (messages) => {
        expect(toLangChainMessages(deepFrozen(messages))).toEqual(toLangChainMessages(messages));
      }),
      { numRuns: 200 },
    );
  });

  it('should map human, ai with tool calls, tool and system messages to neutral parts', () => {
    const inputs = fromLangChainMessages([
      new SystemMessage('Be brief.'),
      new HumanMessage({ content: 'Weather in Paris?', id: 'h1' }),
      new AIMessage({ content: '', id: 'a1', tool_calls: [{ id: 'call_1', name: 'get_weather', args: { city: 'Paris' } }] }),
      new ToolMessage({ content: '18°C', tool_call_id: 'call_1', id: 't1' }),
      new AIMessage({ content: 'It is 18°C.', id: 'a2' }),
    ]);
    expect(inputs.map((input) => input.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(inputs[2]!.content).toEqual([{ type: 'tool-call', toolCallId: 'call_1', toolName: 'get_weather', input: { city: 'Paris' } }]);
    // The tool name comes from the AI message's tool call when the ToolMessage has none.
    expect(inputs[3]!.content).toEqual([{ type: 'tool-result', toolCallId: 'call_1', toolName: 'get_weather', output: '18°C' }]);
    // Nothing LangChain-specific to keep for the AI messages; the unnamed ToolMessage records that its name was absent.
    expect(inputs[1]!.metadata).toEqual({});
    expect(inputs[2]!.metadata).toEqual({});
    expect(inputs[3]!.metadata).toEqual({ langchain: { unset: ['name'] } });
  });

  it('should keep LangChain-only fields under metadata.langchain and restore them', () => {
    const original = new AIMessage({
      content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'text', text: 'Done.' }],
      id: 'a1',
      response_metadata: { model_name: 'gpt-x', finish_reason: 'stop' },
      usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    });
    const [input] = fromLangChainMessages([original]);
    expect(input!.content).toEqual([{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'Done.' }]);
    expect(Object.keys((input!.metadata as { langchain: object }).langchain).sort()).toEqual(['content', 'response_metadata', 'usage_metadata']);
    const [back] = toLangChainMessages([input!]);
    expect(storedForm(back!)).toEqual(storedForm(original));
  });

  it('should not restore saved content over content that was changed after conversion', () => {
    const [input] = fromLangChainMessages([new AIMessage({ content: [{ type: 'text', text: 'long answer', id: 'blk' }], id: 'a1', response_metadata: { model_name: 'm' } })]);
    const [back] = toLangChainMessages([{ ...input!, content: 'short' }]);
    expect(back!.content).toBe('short');
    expect(back!.response_metadata).toEqual({ model_name: 'm' });
  });

  it('should split a tool message with several results into one ToolMessage per result', () => {
    const messages = toLangChainMessages([
      {
        id: 'm1',
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'a', output: { type: 'json', value: { ok: true } } },
          { type: 'tool-result', toolCallId: 'c2', toolName: 'b', output: { type: 'error-text', value: 'boom' }, isError: true },
        ],
      },
    ]);
    expect(messages.map((message) => [message.id, (message as ToolMessage).tool_call_id, message.content, (message as ToolMessage).status])).toEqual([
      ['m1', 'c1', '{"ok":true}', undefined],
      ['m1:1', 'c2', 'boom', 'error'],
    ]);
  });

  it('should reject a message type the store cannot hold', () => {
    const remove = { type: 'remove', id: 'x', content: '' } as unknown as HumanMessage;
    expect(() => fromLangChainMessage(remove)).toThrow(ValidationError);
  });

  it('should round-trip any LangChain message losslessly (property)', () => {
    fc.assert(
      fc.property(fc.array(langChainMessage, { maxLength: 6 }), (messages) => {
        const inputs = fromLangChainMessages(messages);
        const back = toLangChainMessages(inputs);
        expect(back.map(storedForm)).toEqual(messages.map(storedForm));
      }),
      { numRuns: 300 },
    );
  });

  it('should produce messages the store accepts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(langChainMessage, { minLength: 1, maxLength: 6 }), async (messages) => {
        const inputs = fromLangChainMessages(messages).map((input, index) => ({
          ...input,
          id: `m${index}`,
          createdAt: new Date(0),
          metadata: input.metadata ?? {},
          tags: [],
          tokenCounts: {},
          contentHash: '0'.repeat(64),
        }));
        expect(await validateNewMessages(inputs)).toHaveLength(messages.length);
      }),
      { numRuns: 200 },
    );
  });

  it('should round-trip our canonical messages through LangChain without residue (property)', () => {
    fc.assert(
      fc.property(neutralMessage, (message) => {
        const back = fromLangChainMessages(toLangChainMessages([message]));
        const expected: MessageInput =
          message.role === 'tool' && message.name === undefined ? { ...message, name: (message.content as ContentPart[] as Array<{ toolName: string }>)[0]!.toolName } : message;
        expect(back).toEqual([expected]);
      }),
      { numRuns: 300 },
    );
  });
});
