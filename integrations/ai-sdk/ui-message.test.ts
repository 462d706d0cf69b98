import type { UIMessage } from 'ai';
import { validateUIMessages } from 'ai';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNewMessages } from '../../src/spec/validate.js';
import type { ContentPart, JsonObject, JsonValue, MessageInput } from '../../src/types.js';
import { messagesToUIMessages, uiMessageToMessages, UI_LAYOUT_KEY } from './ui-message.js';

type Part = Record<string, unknown> & { type: string };

/** UI messages arrive as JSON, so values are what JSON.parse gives (no -0). */
const json = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);
const jsonObject = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), json, { maxKeys: 3 });
const providerMetadata = fc.option(fc.record({ openai: jsonObject }), { nil: undefined });
const text = fc.string({ maxLength: 20 });

const textPart = fc.record({ type: fc.constant('text'), text, state: fc.option(fc.constantFrom('streaming', 'done'), { nil: undefined }), providerMetadata }, { requiredKeys: ['type', 'text'] });
const reasoningPart = fc.record({ type: fc.constant('reasoning'), text, id: fc.option(fc.string({ minLength: 1, maxLength: 6 }), { nil: undefined }), state: fc.option(fc.constantFrom('streaming', 'done'), { nil: undefined }) }, { requiredKeys: ['type', 'text'] });
const filePart = fc.record(
  { type: fc.constant('file'), mediaType: fc.constantFrom('image/png', 'application/pdf'), url: fc.webUrl(), filename: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }), providerMetadata },
  { requiredKeys: ['type', 'mediaType', 'url'] },
);
const dataPart = fc.record({ type: fc.constant('data-weather'), id: fc.option(fc.string({ minLength: 1, maxLength: 6 }), { nil: undefined }), data: json }, { requiredKeys: ['type', 'data'] });
const sourceUrlPart = fc.record({ type: fc.constant('source-url'), sourceId: fc.string({ minLength: 1, maxLength: 6 }), url: fc.webUrl(), title: fc.option(text, { nil: undefined }) }, { requiredKeys: ['type', 'sourceId', 'url'] });
const stepStart = fc.constant({ type: 'step-start' });

const approval = fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), reason: fc.option(text, { nil: undefined }) }, { requiredKeys: ['id'] });
/** Tool parts in every state; toolCallId is filled in later so ids are unique in the conversation. */
const toolPart: fc.Arbitrary<Part> = fc
  .record({
    name: fc.constantFrom('weather', 'search'),
    dynamic: fc.boolean(),
    input: json,
    output: json,
    errorText: text,
    title: fc.option(text, { nil: undefined }),
    providerExecuted: fc.option(fc.boolean(), { nil: undefined }),
    callProviderMetadata: providerMetadata,
    approval,
    state: fc.constantFrom('input-streaming', 'input-available', 'approval-requested', 'approval-responded', 'output-available', 'output-error', 'output-denied'),
  })
  .map(({ name, dynamic, input, output, errorText, title, providerExecuted, callProviderMetadata, approval: approvalValue, state }) => {
    const base: Part = dynamic ? { type: 'dynamic-tool', toolName: name } : { type: `tool-${name}` };
    Object.assign(base, { toolCallId: '', state, title, providerExecuted, callProviderMetadata });
    switch (state) {
      case 'input-streaming':
        return { ...base, input: undefined, rawInput: '{"ci' };
      case 'input-available':
        return { ...base, input };
      case 'approval-requested':
        return { ...base, input, approval: { id: approvalValue.id } };
      case 'approval-responded':
        return { ...base, input, approval: { ...approvalValue, approved: true } };
      case 'output-available':
        return { ...base, input, output, preliminary: undefined };
      case 'output-error':
        return { ...base, input, errorText };
      default:
        return { ...base, input, approval: { ...approvalValue, approved: false } };
    }
  });

const userMessage = fc.record({ role: fc.constant('user'), parts: fc.array(fc.oneof(textPart, filePart, dataPart), { maxLength: 4 }), metadata: fc.option(jsonObject, { nil: undefined }) }, { requiredKeys: ['role', 'parts'] });
const systemMessage = fc.record({ role: fc.constant('system'), parts: fc.array(textPart, { minLength: 1, maxLength: 2 }) });
const assistantMessage = fc.record(
  {
    role: fc.constant('assistant'),
    parts: fc.array(fc.oneof({ weight: 2, arbitrary: textPart }, reasoningPart, filePart, sourceUrlPart, dataPart, { weight: 2, arbitrary: stepStart }, { weight: 3, arbitrary: toolPart }), { maxLength: 8 }),
    metadata: fc.option(jsonObject, { nil: undefined }),
  },
  { requiredKeys: ['role', 'parts'] },
);

/** A conversation of UI messages with unique message ids and tool call ids. */
const uiConversation: fc.Arbitrary<UIMessage[]> = fc.array(fc.oneof(userMessage, assistantMessage, systemMessage), { maxLength: 6 }).map((messages) =>
  messages.map((message, messageIndex) => ({
    ...message,
    id: `msg-${messageIndex}`,
    parts: (message.parts as Part[]).map((part, partIndex) => ('toolCallId' in part ? { ...part, toolCallId: `call-${messageIndex}-${partIndex}` } : part)),
  })) as unknown as UIMessage[],
);

function toStored(messages: readonly UIMessage[]): MessageInput[] {
  return messages.flatMap((message) => uiMessageToMessages({ message }));
}

/** What a store would receive: the derived fields the manager fills in. */
function asNewMessages(inputs: readonly MessageInput[]) {
  return inputs.map((input) => ({ ...input, createdAt: new Date(0), metadata: input.metadata ?? {}, tags: [], tokenCounts: {}, contentHash: 'a'.repeat(64) }));
}

function parts(content: MessageInput['content']): readonly ContentPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

describe('UIMessage converters', () => {
  it('should rebuild every UIMessage exactly after a round trip through stored messages', () => {
    fc.assert(
      fc.property(uiConversation, (messages) => {
        expect(messagesToUIMessages({ messages: toStored(messages) })).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('should produce messages the store accepts (roles, part types, JSON, unique ids)', async () => {
    await fc.assert(
      fc.asyncProperty(uiConversation, async (messages) => {
        const stored = toStored(messages);
        if (stored.length > 0) expect(await validateNewMessages(asNewMessages(stored))).toHaveLength(stored.length);
      }),
      { numRuns: 200 },
    );
  });

  it('should put every tool result right after the assistant message that made the call (no orphan tool message)', () => {
    fc.assert(
      fc.property(uiConversation, (messages) => {
        const stored = toStored(messages);
        stored.forEach((message, index) => {
          if (message.role !== 'tool') return;
          const previous = stored[index - 1];
          expect(previous?.role).toBe('assistant');
          const calls = new Set(parts(previous!.content).flatMap((part) => (part.type === 'tool-call' ? [part.toolCallId] : [])));
          for (const part of parts(message.content)) expect(part.type === 'tool-result' && calls.has(part.toolCallId)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('should derive the same ids when the same UI message is converted twice (idempotent appends)', () => {
    fc.assert(
      fc.property(uiConversation, (messages) => {
        expect(toStored(messages).map((message) => message.id)).toEqual(toStored(structuredClone(messages)).map((message) => message.id));
      }),
      { numRuns: 50 },
    );
  });

  it('should split an assistant message into steps with tool results between them', () => {
    const message = {
      id: 'a1',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'text', text: 'Checking.', state: 'done' },
        { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Paris' }, output: { tempC: 20 } },
        { type: 'step-start' },
        { type: 'text', text: 'It is 20°C.', state: 'done' },
      ],
    } as unknown as UIMessage;
    const stored = uiMessageToMessages({ message });
    expect(stored.map((item) => [item.id, item.role, item.content])).toEqual([
      ['a1', 'assistant', [{ type: 'text', text: 'Checking.' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } }]],
      ['a1:s0:tools', 'tool', [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { tempC: 20 } }]],
      ['a1:s1', 'assistant', [{ type: 'text', text: 'It is 20°C.' }]],
    ]);
  });

  it('should store a plain user text message as string content', () => {
    const stored = uiMessageToMessages({ message: { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] } });
    expect(stored).toEqual([{ id: 'u1', role: 'user', content: 'Hello', metadata: { [UI_LAYOUT_KEY]: { messageId: 'u1', step: 0, parts: [{ content: 0 }] } } }]);
  });

  it('should convert messages written without a UI layout by the AI SDK rules, keeping roles and content', () => {
    const toolName = fc.constantFrom('weather', 'search');
    const turn = fc.record({
      user: text,
      steps: fc.array(fc.record({ text, calls: fc.array(fc.record({ toolName, input: json, output: json, isError: fc.boolean() }), { maxLength: 2 }) }), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 3 }), (turns) => {
        const stored: MessageInput[] = [];
        turns.forEach((item, turnIndex) => {
          stored.push({ id: `u${turnIndex}`, role: 'user', content: item.user });
          item.steps.forEach((step, stepIndex) => {
            const calls = step.calls.map((call, callIndex) => ({ ...call, toolCallId: `c${turnIndex}-${stepIndex}-${callIndex}`, output: call.isError ? JSON.stringify(call.output) : call.output }));
            stored.push({ id: `a${turnIndex}-${stepIndex}`, role: 'assistant', content: [{ type: 'text', text: step.text }, ...calls.map((call) => ({ type: 'tool-call' as const, toolCallId: call.toolCallId, toolName: call.toolName, input: call.input }))] });
            if (calls.length > 0) {
              stored.push({
                id: `t${turnIndex}-${stepIndex}`,
                role: 'tool',
                content: calls.map((call) => ({ type: 'tool-result' as const, toolCallId: call.toolCallId, toolName: call.toolName, output: call.output, ...(call.isError ? { isError: true } : {}) })),
              });
            }
          });
        });
        const ui = messagesToUIMessages({ messages: stored });
        expect(ui.map((message) => message.id)).toEqual(turns.flatMap((_, turnIndex) => [`u${turnIndex}`, `a${turnIndex}-0`]));
        const back = toStored(ui);
        const normalize = (messages: readonly MessageInput[]) => messages.map((message) => [message.role, parts(message.content)]);
        expect(normalize(back)).toEqual(normalize(stored));
      }),
      { numRuns: 200 },
    );
  });

  it('should rebuild UI messages that the AI SDK itself accepts', async () => {
    const samples = fc.sample(uiConversation, { numRuns: 40, seed: 7 });
    for (const messages of samples) {
      const usable = messages.filter((message) => message.parts.length > 0);
      if (usable.length === 0) continue;
      const rebuilt = messagesToUIMessages({ messages: toStored(usable) });
      await expect(validateUIMessages({ messages: rebuilt })).resolves.toHaveLength(usable.length);
    }
  });

  it('should reject a message without an id or with an unknown role', () => {
    expect(() => uiMessageToMessages({ message: { id: '', role: 'user', parts: [] } })).toThrow(/message\.id/);
    expect(() => uiMessageToMessages({ message: { id: 'x', role: 'tool', parts: [] } as unknown as UIMessage })).toThrow(/message\.role/);
  });

  it('should keep UI metadata as JSON on the first stored message only', () => {
    const stored = uiMessageToMessages({
      message: { id: 'a', role: 'assistant', metadata: { model: 'm' }, parts: [{ type: 'text', text: 'x' }, { type: 'step-start' }, { type: 'text', text: 'y' }] },
    });
    expect(stored.map((message) => (message.metadata as JsonObject)[UI_LAYOUT_KEY])).toEqual([
      { messageId: 'a', step: 0, metadata: { model: 'm' }, parts: [{ content: 0 }] },
      { messageId: 'a', step: 1, parts: [{ ui: { type: 'step-start' } }, { content: 0 }] },
    ]);
  });
});
