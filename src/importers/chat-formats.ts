import { ValidationError } from '../errors.js';
import type { ContentPart, JsonValue, MessageInput, Role } from '../types.js';

/**
 * Importers for chat transcripts:
 * - JSONL: one message per line, `{ role, content, name?, createdAt? }` (content a string or our parts),
 *   or an OpenAI Chat Completions message per line;
 * - an OpenAI-style `messages` JSON array (or `{ messages: [...] }`), with `tool_calls` /
 *   `tool_call_id` (OpenAI Chat Completions API reference) turned into tool-call / tool-result parts.
 * `developer` (OpenAI's newer name for system) maps to `system`.
 */

interface OpenAiToolCall {
  readonly id: string;
  readonly function: { readonly name: string; readonly arguments: string };
}

export function parseJsonl(text: string): MessageInput[] {
  const converter = createConverter();
  const messages: MessageInput[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ValidationError({ field: `line ${index + 1}`, message: 'is not valid JSON' });
    }
    messages.push(converter(value, `line ${index + 1}`));
  });
  return messages;
}

export function parseMessagesJson(value: unknown): MessageInput[] {
  const list = Array.isArray(value) ? value : (value as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(list)) throw new ValidationError({ field: 'messages', message: 'expected a JSON array of messages or { "messages": [...] }' });
  const converter = createConverter();
  return list.map((item, index) => converter(item, `messages[${index}]`));
}

/** A converter remembers tool-call names so a later tool message gets its `toolName`. */
function createConverter(): (value: unknown, field: string) => MessageInput {
  const toolNames = new Map<string, string>();
  return (value, field) => {
    if (typeof value !== 'object' || value === null) throw new ValidationError({ field, message: 'must be a message object' });
    const raw = value as Record<string, unknown>;
    const role = normaliseRole(raw.role, field);
    const name = typeof raw.name === 'string' ? raw.name : undefined;
    const createdAt = parseCreatedAt(raw.createdAt ?? raw.created_at, field);
    const toolCalls = Array.isArray(raw.tool_calls) ? (raw.tool_calls as OpenAiToolCall[]) : [];
    let content: MessageInput['content'];
    if (role === 'tool' && typeof raw.tool_call_id === 'string') {
      const output = typeof raw.content === 'string' ? raw.content : ((raw.content ?? null) as JsonValue);
      content = [{ type: 'tool-result', toolCallId: raw.tool_call_id, toolName: toolNames.get(raw.tool_call_id) ?? 'unknown', output }];
    } else if (toolCalls.length > 0) {
      const parts: ContentPart[] = [];
      const text = textOf(raw.content);
      if (text.length > 0) parts.push({ type: 'text', text });
      for (const call of toolCalls) {
        toolNames.set(call.id, call.function.name);
        parts.push({ type: 'tool-call', toolCallId: call.id, toolName: call.function.name, input: parseArguments(call.function.arguments) });
      }
      content = parts;
    } else if (typeof raw.content === 'string') {
      content = raw.content;
    } else if (Array.isArray(raw.content)) {
      content = (raw.content as Array<Record<string, unknown>>).map((part) => convertPart(part, field));
      for (const part of content) if (part.type === 'tool-call') toolNames.set(part.toolCallId, part.toolName);
    } else {
      throw new ValidationError({ field: `${field}.content`, message: 'must be a string or an array of parts' });
    }
    return { role, content, ...(name !== undefined ? { name } : {}), ...(createdAt ? { createdAt } : {}), ...(typeof raw.id === 'string' ? { id: raw.id } : {}) };
  };
}

function normaliseRole(role: unknown, field: string): Role {
  if (role === 'developer') return 'system';
  if (role === 'system' || role === 'user' || role === 'assistant' || role === 'tool') return role;
  throw new ValidationError({ field: `${field}.role`, message: 'must be system, developer, user, assistant or tool' });
}

function convertPart(part: Record<string, unknown>, field: string): ContentPart {
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.type === 'image_url') {
    const url = (part.image_url as { url?: unknown } | undefined)?.url;
    if (typeof url === 'string') return { type: 'file', mediaType: 'image/*', url };
  }
  // Our own part shapes pass through; the store validates them.
  if (typeof part.type === 'string') return part as unknown as ContentPart;
  throw new ValidationError({ field: `${field}.content`, message: 'has a part without a type' });
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
  return '';
}

function parseArguments(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function parseCreatedAt(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new ValidationError({ field: `${field}.createdAt`, message: 'must be an ISO-8601 date or epoch seconds' });
  return date;
}
