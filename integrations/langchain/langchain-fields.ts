import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ValidationError, type JsonObject, type JsonValue } from '../../src/index.js';

/**
 * The fields of a LangChain message that a round trip must keep, as plain JSON: what
 * `BaseMessage.toDict()` stores (LangChain's own `StoredMessage` format), with LangChain's empty
 * defaults (`additional_kwargs: {}`, `tool_calls: []`, …) left out and each tool call's
 * `type: "tool_call"` filled in (it is the only allowed value).
 */
export interface LangChainFields {
  /** `BaseMessage.type`: `human`, `ai`, `system`, `tool` or `generic` (`ChatMessage`). */
  type: string;
  content: JsonValue;
  id?: string;
  name?: string;
  /** `ChatMessage.role`. */
  role?: string;
  additional_kwargs?: JsonObject;
  response_metadata?: JsonObject;
  tool_calls?: LangChainToolCall[];
  invalid_tool_calls?: JsonValue[];
  usage_metadata?: JsonObject;
  tool_call_id?: string;
  status?: string;
  artifact?: JsonValue;
  metadata?: JsonObject;
}

export interface LangChainToolCall {
  type: 'tool_call';
  id?: string;
  name: string;
  args: JsonObject;
}

/** Field names in {@link LangChainFields}, in a fixed order. */
export const LANGCHAIN_FIELD_NAMES = [
  'type',
  'content',
  'id',
  'name',
  'role',
  'additional_kwargs',
  'response_metadata',
  'tool_calls',
  'invalid_tool_calls',
  'usage_metadata',
  'tool_call_id',
  'status',
  'artifact',
  'metadata',
] as const satisfies ReadonlyArray<keyof LangChainFields>;

export type LangChainFieldName = (typeof LANGCHAIN_FIELD_NAMES)[number];

/**
 * Reads a LangChain message into {@link LangChainFields}.
 * Values go through JSON (as LangChain's own Redis and Postgres histories store them), so
 * `undefined` object entries disappear and `Date`s become strings.
 * @throws {ValidationError} for message types other than human, ai, system, tool and generic
 *   (`FunctionMessage` is deprecated in LangChain: use `ToolMessage`).
 */
export function readLangChainFields(message: BaseMessage, field = 'message'): LangChainFields {
  const type = message.type;
  if (type !== 'human' && type !== 'ai' && type !== 'system' && type !== 'tool' && type !== 'generic') {
    throw new ValidationError({
      field: `${field}.type`,
      message: `LangChain message type "${String(type).slice(0, 32)}" is not supported; use HumanMessage, AIMessage, SystemMessage, ToolMessage or ChatMessage`,
    });
  }
  const source = message as BaseMessage & Record<string, unknown>;
  const fields: LangChainFields = { type, content: toJson(message.content, `${field}.content`) ?? '' };
  if (typeof message.id === 'string') fields.id = message.id;
  if (typeof message.name === 'string') fields.name = message.name;
  if (type === 'generic' && typeof source.role === 'string') fields.role = source.role;
  setObject(fields, 'additional_kwargs', message.additional_kwargs, field);
  setObject(fields, 'response_metadata', message.response_metadata, field);
  if (type === 'ai') {
    const toolCalls = (source.tool_calls as unknown[] | undefined) ?? [];
    if (toolCalls.length > 0) fields.tool_calls = toolCalls.map((call, index) => normalizeToolCall(call, `${field}.tool_calls[${index}]`));
    const invalid = toJson(source.invalid_tool_calls, `${field}.invalid_tool_calls`);
    if (Array.isArray(invalid) && invalid.length > 0) fields.invalid_tool_calls = invalid;
    setObject(fields, 'usage_metadata', source.usage_metadata, field);
  }
  if (type === 'tool') {
    if (typeof source.tool_call_id === 'string') fields.tool_call_id = source.tool_call_id;
    if (typeof source.status === 'string') fields.status = source.status;
    const artifact = toJson(source.artifact, `${field}.artifact`);
    if (artifact !== undefined) fields.artifact = artifact;
    setObject(fields, 'metadata', source.metadata, field);
  }
  return fields;
}

/** Builds the LangChain message class instance for {@link LangChainFields} (the inverse of {@link readLangChainFields}). */
export function createLangChainMessage(fields: LangChainFields): BaseMessage {
  const common: Record<string, unknown> = { content: fields.content };
  for (const key of ['id', 'name', 'additional_kwargs', 'response_metadata'] as const) {
    if (fields[key] !== undefined) common[key] = fields[key];
  }
  switch (fields.type) {
    case 'human':
      return new HumanMessage(common as ConstructorParameters<typeof HumanMessage>[0]);
    case 'system':
      return new SystemMessage(common as ConstructorParameters<typeof SystemMessage>[0]);
    case 'ai': {
      for (const key of ['tool_calls', 'invalid_tool_calls', 'usage_metadata'] as const) {
        if (fields[key] !== undefined) common[key] = fields[key];
      }
      return new AIMessage(common as ConstructorParameters<typeof AIMessage>[0]);
    }
    case 'tool': {
      for (const key of ['status', 'artifact', 'metadata'] as const) {
        if (fields[key] !== undefined) common[key] = fields[key];
      }
      return new ToolMessage({ ...common, tool_call_id: fields.tool_call_id ?? '' } as ConstructorParameters<typeof ToolMessage>[0]);
    }
    default:
      return new ChatMessage({ ...common, role: fields.role ?? 'user' } as ConstructorParameters<typeof ChatMessage>[0]);
  }
}

function normalizeToolCall(call: unknown, field: string): LangChainToolCall {
  const value = toJson(call, field);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof value.name !== 'string') {
    throw new ValidationError({ field, message: 'must be a LangChain ToolCall { id, name, args }' });
  }
  const args = value.args;
  const normalized: LangChainToolCall = {
    ...(value as object),
    type: 'tool_call',
    name: value.name,
    args: typeof args === 'object' && args !== null && !Array.isArray(args) ? args : {},
  };
  if (typeof value.id !== 'string') delete normalized.id;
  return normalized;
}

function setObject(fields: LangChainFields, key: 'additional_kwargs' | 'response_metadata' | 'usage_metadata' | 'metadata', value: unknown, field: string): void {
  const json = toJson(value, `${field}.${key}`);
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length > 0) fields[key] = json;
}

/** JSON round trip, as LangChain's own persistent histories do; a value JSON cannot hold throws. */
export function toJson(value: unknown, field: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new ValidationError({ field, message: `must be JSON-serializable (${error instanceof Error ? error.name : 'error'})` });
  }
  return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
}

/** Deep equality of two JSON values (object key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  if (Array.isArray(left)) {
    const other = right as unknown[];
    return left.length === other.length && left.every((item, index) => jsonEqual(item, other[index]));
  }
  const leftKeys = Object.keys(left).filter((key) => (left as Record<string, unknown>)[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => (right as Record<string, unknown>)[key] !== undefined);
  if (leftKeys.length !== rightKeys.length) return false;
  return leftKeys.every((key) => jsonEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]));
}
