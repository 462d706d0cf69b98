import type { BaseMessage } from '@langchain/core/messages';
import { blocksToParts, partsToBlocks } from './content-blocks.js';
import {
  createLangChainMessage,
  jsonEqual,
  LANGCHAIN_FIELD_NAMES,
  readLangChainFields,
  type LangChainFieldName,
  type LangChainFields,
  type LangChainToolCall,
} from './langchain-fields.js';
import { type ContentPart, type JsonObject, type JsonValue, type MessageContent, type MessageInput, type Role, type ToolCallPart, type ToolResultPart } from '../../src/index.js';

/**
 * Lossless conversion between LangChain `BaseMessage`s and our messages.
 *
 * LangChain → ours: `human`/`ai`/`system`/`tool` become roles `user`/`assistant`/`system`/`tool`;
 * `tool_calls` become `tool-call` parts, a `ToolMessage` one `tool-result` part; text, reasoning
 * and file blocks become parts. Whatever the neutral message cannot say (`additional_kwargs`,
 * `response_metadata`, `usage_metadata`, `artifact`, provider-specific blocks, …) is kept under
 * `metadata.langchain` — only the fields that differ from what the neutral message rebuilds, so
 * plain messages carry nothing extra.
 *
 * Ours → LangChain: the inverse; `metadata.langchain` is applied back. When the neutral content
 * was changed after conversion (e.g. the assembler shortened it), the saved content is not
 * applied over it: the neutral content wins.
 *
 * Round trip guarantee (property-tested): `toLangChainMessages(fromLangChainMessages(m))` equals
 * `m` as LangChain's `StoredMessage` JSON, with empty defaults dropped and `type: "tool_call"` on
 * tool calls. A message without an id comes back with the id it was stored under.
 */

/** Anything with a role and content: a stored `Message`, a `MessageInput`, or an assembled `ContextMessage`. */
export interface ConvertibleMessage {
  readonly id?: string;
  readonly role: Role;
  readonly name?: string;
  readonly content: MessageContent;
  readonly metadata?: JsonObject;
}

/** What `metadata.langchain` holds: LangChain fields to set over the rebuilt message, and fields to remove. */
export type LangChainResidual = Partial<LangChainFields> & { unset?: LangChainFieldName[] };

/** The `metadata` key under which LangChain-only fields are kept. */
export const LANGCHAIN_METADATA_KEY = 'langchain';

/** Placeholder tool name for a `ToolMessage` whose tool is named nowhere. */
export const UNKNOWN_TOOL_NAME = 'unknown_tool';

/**
 * Converts LangChain messages to message inputs for `ContextManager.append`.
 * A `ToolMessage` without `name` takes its tool name from the preceding `AIMessage`'s tool call.
 * @throws {ValidationError} for unsupported message types (e.g. `FunctionMessage`) or values that are not JSON.
 */
export function fromLangChainMessages(messages: readonly BaseMessage[]): MessageInput[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, index) => {
    const input = fromLangChainMessage(message, { toolNames, field: `messages[${index}]` });
    if (Array.isArray(input.content)) {
      for (const part of input.content as readonly ContentPart[]) if (part.type === 'tool-call') toolNames.set(part.toolCallId, part.toolName);
    }
    return input;
  });
}

/**
 * Converts one LangChain message. See {@link fromLangChainMessages}.
 * @param options.toolNames tool call id → tool name, for a `ToolMessage` without `name`.
 * @param options.field the path used in error messages.
 */
export function fromLangChainMessage(message: BaseMessage, options: { toolNames?: ReadonlyMap<string, string>; field?: string } = {}): MessageInput {
  const fields = readLangChainFields(message, options.field ?? 'message');
  const neutral = neutralFromFields(fields, options.toolNames ?? new Map());
  const rebuilt = neutralToFields(neutral)[0]!;
  const residual = residualOf(fields, rebuilt);
  return residual === undefined ? neutral : { ...neutral, metadata: { [LANGCHAIN_METADATA_KEY]: residual as unknown as JsonValue } };
}

/**
 * Converts our messages to LangChain messages. A tool message with several tool results (as the
 * AI SDK writes them) becomes one `ToolMessage` per result, ids suffixed `:1`, `:2`, … after the first.
 */
export function toLangChainMessages(messages: readonly ConvertibleMessage[]): BaseMessage[] {
  return messages.flatMap((message) => toLangChainMessageList(message));
}

/** Converts one message; the result has one element except for multi-result tool messages. */
export function toLangChainMessageList(message: ConvertibleMessage): BaseMessage[] {
  const list = neutralToFields(message);
  const residual = readResidual(message.metadata);
  if (residual !== undefined && list.length === 1) list[0] = applyResidual(list[0]!, residual, message);
  return list.map((fields) => createLangChainMessage(fields));
}

function neutralFromFields(fields: LangChainFields, toolNames: ReadonlyMap<string, string>): MessageInput {
  const role = roleOf(fields);
  const base: { id?: string; name?: string } = {};
  if (fields.id !== undefined && isStorableId(fields.id)) base.id = fields.id;
  if (fields.name !== undefined && isStorableId(fields.name)) base.name = fields.name;
  return { ...base, role, content: contentOf(fields, role, toolNames), metadata: {} };
}

function roleOf(fields: LangChainFields): Role {
  switch (fields.type) {
    case 'human':
      return 'user';
    case 'ai':
      return 'assistant';
    case 'system':
      return 'system';
    case 'tool':
      return 'tool';
    default: {
      const role = fields.role;
      if (role === 'assistant' || role === 'ai') return 'assistant';
      if (role === 'system' || role === 'developer') return 'system';
      return 'user';
    }
  }
}

function contentOf(fields: LangChainFields, role: Role, toolNames: ReadonlyMap<string, string>): MessageContent {
  const { content } = fields;
  if (role === 'tool') {
    const toolCallId = nonEmpty(fields.tool_call_id) ?? 'missing_tool_call_id';
    const result: ToolResultPart = {
      type: 'tool-result',
      toolCallId,
      toolName: nonEmpty(fields.name) ?? toolNames.get(toolCallId) ?? UNKNOWN_TOOL_NAME,
      output: content,
      ...(fields.status === 'error' ? { isError: true } : {}),
    };
    return [result];
  }
  const parts: ContentPart[] = typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : Array.isArray(content) ? blocksToParts(content, role) : [];
  const toolCalls = role === 'assistant' ? (fields.tool_calls ?? []).map((call, index) => toolCallPart(call, index, fields.id)) : [];
  if (toolCalls.length === 0) return typeof content === 'string' ? content : parts;
  return [...parts, ...toolCalls];
}

function toolCallPart(call: LangChainToolCall, index: number, messageId: string | undefined): ToolCallPart {
  return {
    type: 'tool-call',
    toolCallId: nonEmpty(call.id) ?? `${messageId ?? 'call'}:${index}`,
    toolName: nonEmpty(call.name) ?? UNKNOWN_TOOL_NAME,
    input: call.args,
  };
}

/** The LangChain fields our message maps to before `metadata.langchain` is applied. */
function neutralToFields(message: ConvertibleMessage): LangChainFields[] {
  const common: { id?: string; name?: string } = {};
  if (message.id !== undefined) common.id = message.id;
  if (message.name !== undefined) common.name = message.name;
  const { content } = message;
  switch (message.role) {
    case 'system':
      return [{ type: 'system', ...common, content: typeof content === 'string' ? content : partsToBlocks(content) }];
    case 'user':
      return [{ type: 'human', ...common, content: typeof content === 'string' ? content : partsToBlocks(content) }];
    case 'assistant': {
      if (typeof content === 'string') return [{ type: 'ai', ...common, content }];
      const toolCalls = content.filter((part): part is ToolCallPart => part.type === 'tool-call').map(langChainToolCall);
      const others = content.filter((part) => part.type !== 'tool-call' && part.type !== 'tool-result');
      if (toolCalls.length === 0) return [{ type: 'ai', ...common, content: partsToBlocks(others) }];
      // Providers return text-plus-tool-calls as a string; keep that shape.
      const only = others[0];
      const text = others.length === 0 ? '' : others.length === 1 && only?.type === 'text' ? only.text : undefined;
      return [{ type: 'ai', ...common, content: text ?? partsToBlocks(others), tool_calls: toolCalls }];
    }
    case 'tool': {
      const results = typeof content === 'string' ? [] : content.filter((part): part is ToolResultPart => part.type === 'tool-result');
      return results.map((result, index) => {
        const fields: LangChainFields = { type: 'tool', content: toolOutputContent(result.output), tool_call_id: result.toolCallId, name: message.name ?? result.toolName };
        if (message.id !== undefined) fields.id = index === 0 ? message.id : `${message.id}:${index}`;
        if (result.isError === true) fields.status = 'error';
        return fields;
      });
    }
  }
}

function langChainToolCall(part: ToolCallPart): LangChainToolCall {
  const { input } = part;
  const args = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : { input };
  return { type: 'tool_call', id: part.toolCallId, name: part.toolName, args };
}

/** `ToolMessage.content` for a tool output: strings and block arrays as they are; AI SDK output objects unwrapped; other JSON stringified. */
function toolOutputContent(output: JsonValue): JsonValue {
  if (typeof output === 'string' || Array.isArray(output)) return output;
  if (typeof output === 'object' && output !== null) {
    const { type, value } = output;
    if ((type === 'text' || type === 'error-text') && typeof value === 'string') return value;
    if (type === 'json' || type === 'error-json') return JSON.stringify(value ?? null);
  }
  return JSON.stringify(output);
}

function residualOf(original: LangChainFields, rebuilt: LangChainFields): LangChainResidual | undefined {
  const residual: LangChainResidual = {};
  const unset: LangChainFieldName[] = [];
  for (const key of LANGCHAIN_FIELD_NAMES) {
    // A message stored without an id comes back with its stored id.
    if (key === 'id' && original.id === undefined) continue;
    const value = original[key];
    if (jsonEqual(value, rebuilt[key])) continue;
    if (value === undefined) unset.push(key);
    else (residual as Record<string, unknown>)[key] = value;
  }
  if (unset.length > 0) residual.unset = unset;
  return Object.keys(residual).length === 0 ? undefined : residual;
}

const CONTENT_FIELDS: ReadonlySet<LangChainFieldName> = new Set(['type', 'content', 'tool_calls', 'tool_call_id', 'status', 'role']);

function applyResidual(fields: LangChainFields, residual: LangChainResidual, message: ConvertibleMessage): LangChainFields {
  const restored = overlay(fields, residual, () => true);
  // Content changed after conversion (trimmed, edited): keep the neutral content, restore only the rest.
  const toolNames = new Map<string, string>();
  if (typeof message.content !== 'string') for (const part of message.content) if (part.type === 'tool-call' || part.type === 'tool-result') toolNames.set(part.toolCallId, part.toolName);
  const check = neutralFromFields(restored, toolNames);
  if (check.role === message.role && jsonEqual(check.content, message.content)) return restored;
  return overlay(fields, residual, (key) => !CONTENT_FIELDS.has(key));
}

function overlay(fields: LangChainFields, residual: LangChainResidual, include: (key: LangChainFieldName) => boolean): LangChainFields {
  const result: Record<string, unknown> = { ...fields };
  for (const key of LANGCHAIN_FIELD_NAMES) {
    if (include(key) && residual[key] !== undefined) result[key] = residual[key];
  }
  for (const key of residual.unset ?? []) if (include(key)) delete result[key];
  return result as unknown as LangChainFields;
}

function readResidual(metadata: JsonObject | undefined): LangChainResidual | undefined {
  const value = metadata?.[LANGCHAIN_METADATA_KEY];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as unknown as LangChainResidual;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** What the store accepts as an id or name (see `validateId` in src/spec/validate.ts). */
function isStorableId(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.length >= 1 && value.length <= 256 && value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value);
}
