import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage, mapChatMessagesToStoredMessages, type BaseMessage } from '@langchain/core/messages';
import fc from 'fast-check';
import type { ContentPart, JsonObject, MessageInput } from '../../src/types.js';

/**
 * fast-check arbitraries for LangChain messages and our messages, shared by the converter and
 * history property tests. Strings are well-formed and NUL-free, as the store requires.
 */

export const safeText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((text) => !text.includes('\u0000'));
export const idText = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,24}$/);

const jsonLeaf = fc.oneof(safeText, fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Object.is(value, -0)));
const jsonKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/).filter((key) => key !== '__proto__' && key !== 'lc');
export const jsonObject: fc.Arbitrary<JsonObject> = fc.dictionary(jsonKey, fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 }), fc.dictionary(jsonKey, jsonLeaf, { maxKeys: 3 })), { maxKeys: 4 });

const textBlock = fc.record({ type: fc.constant('text'), text: safeText });
const imageBlock = fc.oneof(
  fc.record({ type: fc.constant('image'), url: fc.webUrl(), mimeType: fc.constantFrom('image/png', 'image/jpeg') }),
  fc.record({ type: fc.constant('image'), data: fc.base64String({ maxLength: 16 }), mimeType: fc.constant('image/png') }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.webUrl() }) }),
);
const fileBlock = fc.record(
  { type: fc.constant('file'), url: fc.webUrl(), mimeType: fc.constant('application/pdf'), metadata: fc.record({ filename: idText }) },
  { requiredKeys: ['type', 'url', 'mimeType'] },
);
const reasoningBlock = fc.oneof(fc.record({ type: fc.constant('reasoning'), reasoning: safeText }), fc.record({ type: fc.constant('thinking'), thinking: safeText, signature: idText }));
// A block with no neutral part: must survive through metadata.langchain.
const providerBlock = fc.record({ type: fc.constant('tool_use'), id: idText, name: idText, input: jsonObject });
const annotatedText = fc.record({ type: fc.constant('text'), text: safeText, annotations: fc.array(jsonObject, { maxLength: 2 }) });

/** User and system turns must say something (`ContextManager.append` refuses blank ones); model and tool output may be empty. */
const isSpoken = (content: string | ReadonlyArray<{ type: string; text?: string }>) =>
  typeof content === 'string' ? content.trim().length > 0 : content.some((block) => block.type !== 'text' || (block.text ?? '').trim().length > 0);
const humanContent = fc.oneof(safeText, fc.array(fc.oneof(textBlock, imageBlock, fileBlock, annotatedText), { maxLength: 4 })).filter(isSpoken);
const aiContent = fc.oneof(safeText, fc.array(fc.oneof(textBlock, reasoningBlock, providerBlock, annotatedText), { maxLength: 4 }));
const systemContent = fc.oneof(safeText, fc.array(fc.oneof(textBlock, annotatedText), { maxLength: 3 })).filter(isSpoken);

const optionalId = fc.option(idText, { nil: undefined });
const optionalName = fc.option(idText, { nil: undefined });
const optionalKwargs = fc.option(jsonObject, { nil: undefined });

function fieldsOf(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
}

const toolCall = fc.record({ id: idText, name: idText, args: jsonObject });

export const langChainHuman = fc
  .record({ content: humanContent, id: optionalId, name: optionalName, additional_kwargs: optionalKwargs })
  .map((fields) => new HumanMessage(fieldsOf(fields) as ConstructorParameters<typeof HumanMessage>[0]));

export const langChainSystem = fc
  .record({ content: systemContent, id: optionalId, name: optionalName })
  .map((fields) => new SystemMessage(fieldsOf(fields) as ConstructorParameters<typeof SystemMessage>[0]));

export const langChainAi = fc
  .record({
    content: aiContent,
    id: optionalId,
    name: optionalName,
    tool_calls: fc.option(fc.uniqueArray(toolCall, { selector: (call) => call.id, maxLength: 3 }), { nil: undefined }),
    additional_kwargs: optionalKwargs,
    response_metadata: optionalKwargs,
    usage_metadata: fc.option(fc.record({ input_tokens: fc.nat(), output_tokens: fc.nat(), total_tokens: fc.nat() }), { nil: undefined }),
  })
  .map((fields) => new AIMessage(fieldsOf(fields) as ConstructorParameters<typeof AIMessage>[0]));

export const langChainTool = fc
  .record({
    content: fc.oneof(safeText, fc.array(textBlock, { maxLength: 2 })),
    tool_call_id: idText,
    id: optionalId,
    name: optionalName,
    status: fc.option(fc.constantFrom('success' as const, 'error' as const), { nil: undefined }),
    artifact: fc.option(jsonObject, { nil: undefined }),
  })
  .map((fields) => new ToolMessage(fieldsOf(fields) as unknown as ConstructorParameters<typeof ToolMessage>[0]));

export const langChainGeneric = fc
  .record({ content: safeText.filter(isSpoken), role: fc.constantFrom('user', 'assistant', 'critic'), id: optionalId })
  .map((fields) => new ChatMessage(fieldsOf(fields) as unknown as ConstructorParameters<typeof ChatMessage>[0]));

export const langChainMessage: fc.Arbitrary<BaseMessage> = fc.oneof(langChainHuman, langChainSystem, langChainAi, langChainTool, langChainGeneric);

/**
 * A LangChain message as JSON for comparisons: LangChain's own `StoredMessage` (`toDict()`), with
 * empty defaults dropped and `type: "tool_call"` filled in on tool calls.
 */
export function storedForm(message: BaseMessage): unknown {
  const [stored] = mapChatMessagesToStoredMessages([message]);
  const data = JSON.parse(JSON.stringify(stored!.data)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data)) {
    const empty = (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
    if (empty) delete data[key];
  }
  if (Array.isArray(data.tool_calls)) data.tool_calls = data.tool_calls.map((call: Record<string, unknown>) => ({ ...call, type: 'tool_call' }));
  return { type: stored!.type, data };
}

// Our messages, in the canonical shapes the LangChain format can express exactly.
const userPart: fc.Arbitrary<ContentPart> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text: safeText }),
  fc.record({ type: fc.constant('file' as const), mediaType: fc.constantFrom('image/png', 'application/pdf', 'text/plain'), url: fc.webUrl() }),
  fc.record({ type: fc.constant('file' as const), mediaType: fc.constant('image/png'), url: fc.base64String({ maxLength: 12 }).map((data) => `data:image/png;base64,${data}`), filename: idText }),
);
const nonEmptyText = safeText.filter((text) => text.length > 0);
const toolCallPart = fc.record({ type: fc.constant('tool-call' as const), toolCallId: idText, toolName: idText, input: jsonObject });

export const neutralMessage: fc.Arbitrary<MessageInput> = fc.oneof(
  fc.record({ id: idText, role: fc.constant('user' as const), content: fc.oneof(safeText, fc.array(userPart, { maxLength: 3 })), metadata: fc.constant({}) }),
  fc.record({ id: idText, role: fc.constant('system' as const), content: safeText, metadata: fc.constant({}) }),
  fc.record({
    id: idText,
    role: fc.constant('assistant' as const),
    name: optionalName,
    content: fc.oneof(
      safeText,
      fc.array(fc.oneof(fc.record({ type: fc.constant('text' as const), text: safeText }), fc.record({ type: fc.constant('reasoning' as const), text: safeText })), { minLength: 2, maxLength: 3 }),
      fc.tuple(fc.option(nonEmptyText, { nil: undefined }), fc.uniqueArray(toolCallPart, { selector: (part) => part.toolCallId, minLength: 1, maxLength: 3 })).map(
        ([text, calls]): ContentPart[] => (text === undefined ? calls : [{ type: 'text', text }, ...calls]),
      ),
    ),
    metadata: fc.constant({}),
  }),
  fc.record({
    id: idText,
    role: fc.constant('tool' as const),
    content: fc.tuple(idText, idText, safeText, fc.boolean()).map(([toolCallId, toolName, output, isError]): ContentPart[] => [
      isError ? { type: 'tool-result', toolCallId, toolName, output, isError } : { type: 'tool-result', toolCallId, toolName, output },
    ]),
    metadata: fc.constant({}),
  }),
).map((message) => fieldsOf(message) as unknown as MessageInput);
