import type { AgentInputItem } from '@openai/agents-core';
import { canonicalJson, sha256Hex, type ContentPart, type JsonObject, type JsonValue, type MessageInput, type Role } from '../../src/index.js';

/** Metadata key under which a stored message keeps the SDK item it was made from, verbatim. */
export const AGENTS_ITEM_KEY = 'openaiAgentsItem';

type ItemRecord = Record<string, unknown>;

/**
 * Items that answer a call: `function_call_result`, `computer_call_result`, `shell_call_output`,
 * `apply_patch_call_output`, `tool_search_output`, `program_output` (all carry the call's `callId`).
 */
function isResultType(type: string): boolean {
  return type.endsWith('_result') || type.endsWith('_output');
}

/** Items that wait for an answer: `function_call`, `computer_call`, `shell_call`, `apply_patch_call`, `tool_search_call`, `program`. */
function isCallType(type: string): boolean {
  return type.endsWith('_call') || type === 'program';
}

/** How an item pairs with others: a call waiting for `callId`, the result of `callId`, or neither. */
export function itemPairing(item: AgentInputItem): { kind: 'call' | 'result'; callId: string } | undefined {
  const record = item as ItemRecord;
  const type = typeof record.type === 'string' ? record.type : 'message';
  const callId = record.callId;
  if (typeof callId !== 'string' || callId.length === 0 || type === 'hosted_tool_call') return undefined;
  if (isResultType(type)) return { kind: 'result', callId };
  if (isCallType(type)) return { kind: 'call', callId };
  return undefined;
}

/**
 * The message id of an item, stable across retries and resumed runs: the provider's item id, or the
 * `callId` of a call or result (one of each per call). Undefined for items without either (user
 * input); those are deduplicated by the session against the stored tail instead.
 * Ids longer than 200 characters are hashed to keep within the store's id limit.
 */
export async function stableItemId(item: AgentInputItem): Promise<string | undefined> {
  const record = item as ItemRecord;
  const type = typeof record.type === 'string' ? record.type : 'message';
  const pairing = itemPairing(item);
  const raw = typeof record.id === 'string' && record.id.length > 0 ? `oa:${type}:${record.id}` : pairing ? `oa:${type}:${pairing.callId}` : undefined;
  if (raw === undefined) return undefined;
  return raw.length <= 200 ? raw : `oa:${type}:sha256:${await sha256Hex(raw)}`;
}

/** Canonical JSON of an item (key order ignored), for comparing a retried batch with the stored tail. */
export function itemFingerprint(item: AgentInputItem): string {
  return canonicalJson(toJson(item) as JsonValue);
}

/**
 * Converts an SDK item to the message we store: role and content parts that search, recall and
 * token counting understand (text, reasoning, tool call, tool result), plus the item itself under
 * `metadata.openaiAgentsItem` so {@link itemFromMetadata} returns it exactly.
 */
export function itemToMessage(item: AgentInputItem, id: string): MessageInput {
  const record = item as ItemRecord;
  const type = typeof record.type === 'string' ? record.type : 'message';
  const metadata: JsonObject = { [AGENTS_ITEM_KEY]: toJson(item) as JsonObject };
  const pairing = itemPairing(item);
  const toolName = typeof record.name === 'string' && record.name.length > 0 ? record.name : type;
  if (pairing?.kind === 'call') {
    const input = type === 'function_call' ? parseArguments(record.arguments) : (toJson(record.arguments ?? record.action ?? record.input ?? {}) as JsonValue);
    return { id, role: 'assistant', content: [{ type: 'tool-call', toolCallId: pairing.callId, toolName, input }], metadata };
  }
  if (pairing?.kind === 'result') {
    return { id, role: 'tool', content: [{ type: 'tool-result', toolCallId: pairing.callId, toolName, output: toJson(record.output ?? null) as JsonValue }], metadata };
  }
  if (type === 'reasoning') {
    const text = [...textsOf(record.content), ...textsOf(record.rawContent)].join('\n');
    return { id, role: 'assistant', content: [{ type: 'reasoning', text }], metadata };
  }
  if (type === 'message' && (record.role === 'user' || record.role === 'assistant' || record.role === 'system')) {
    const content = record.content;
    const parts: ContentPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : contentParts(content);
    return { id, role: record.role as Role, content: parts.length > 0 ? parts : [{ type: 'text', text: '' }], metadata };
  }
  // Hosted tool calls (answered by the provider in the same item), compaction markers and unknown items.
  return { id, role: 'assistant', content: [{ type: 'text', text: `[${type}${typeof record.name === 'string' ? ` ${record.name}` : ''}]` }], metadata };
}

/** The SDK item a stored message was made from, or undefined for a message this session did not write. */
export function itemFromMetadata(metadata: JsonObject | undefined): AgentInputItem | undefined {
  const item = metadata?.[AGENTS_ITEM_KEY];
  return item !== null && typeof item === 'object' && !Array.isArray(item) ? (structuredClone(item) as unknown as AgentInputItem) : undefined;
}

function contentParts(content: unknown): ContentPart[] {
  if (!Array.isArray(content)) return [];
  return content.map((part: ItemRecord): ContentPart => {
    if ((part.type === 'input_text' || part.type === 'output_text' || part.type === 'text') && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (part.type === 'refusal' && typeof part.refusal === 'string') return { type: 'text', text: part.refusal };
    // Images, files and audio: a marker in our parts (the original stays in the item).
    return { type: 'text', text: `[${String(part.type)}]` };
  });
}

function textsOf(parts: unknown): string[] {
  return Array.isArray(parts) ? parts.flatMap((part: ItemRecord) => (typeof part?.text === 'string' ? [part.text] : [])) : [];
}

function parseArguments(value: unknown): JsonValue {
  if (typeof value !== 'string') return (toJson(value ?? {}) as JsonValue) ?? {};
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
}

/** A JSON copy: drops `undefined` fields (the SDK leaves some), so the stored item compares equal to the original's JSON. */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
