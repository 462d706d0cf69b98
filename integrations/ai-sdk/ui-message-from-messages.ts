import type { UIMessage } from 'ai';
import { contentParts, readUILayout, type UILayout } from './ui-message-layout.js';
import { type ContentPart, type JsonObject, type MessageInput, type ToolCallPart, type ToolResultPart } from '../../src/index.js';

/** The fields of a message the conversion reads: a stored `Message` or a `MessageInput`. */
export type UIConvertibleMessage = Pick<MessageInput, 'id' | 'role' | 'content' | 'metadata'>;

interface Group {
  readonly key: string | undefined;
  readonly role: UIMessage['role'];
  readonly messages: UIConvertibleMessage[];
}

/**
 * Rebuilds AI SDK `UIMessage`s (for `useChat({ messages })`) from stored messages in ascending `seq` order.
 *
 * Messages written by {@link uiMessageToMessages} carry their layout in `metadata.aiSdkUi` and come back
 * exactly as they were sent (ids, part order, tool states, UI-only parts, metadata). Messages written any
 * other way (LangChain, the AI SDK middleware, the core API) are converted by the AI SDK's own rules:
 * consecutive `assistant` and `tool` messages form one assistant `UIMessage`, each assistant message a step
 * opened by `step-start`; a tool call and its result become one tool part (`output-available`, or
 * `output-error` when `isError`); system and user messages keep their id. Names are not carried (UI messages
 * have none). A tool result whose call is not in the same turn becomes a tool part of its own.
 */
export function messagesToUIMessages<UI_MESSAGE extends UIMessage = UIMessage>(options: {
  messages: readonly UIConvertibleMessage[];
}): UI_MESSAGE[] {
  return groupMessages(options.messages).map((group, index) => buildUIMessage(group, index) as unknown as UI_MESSAGE);
}

function groupMessages(messages: readonly UIConvertibleMessage[]): Group[] {
  const groups: Group[] = [];
  for (const message of messages) {
    const layout = readUILayout(message.metadata);
    const last = groups[groups.length - 1];
    const role: UIMessage['role'] = message.role === 'tool' ? 'assistant' : message.role;
    if (layout !== undefined) {
      if (last !== undefined && last.key === layout.messageId) last.messages.push(message);
      else groups.push({ key: layout.messageId, role, messages: [message] });
    } else if (last !== undefined && last.role === 'assistant' && (message.role === 'tool' || (message.role === 'assistant' && last.key === undefined))) {
      last.messages.push(message);
    } else {
      groups.push({ key: undefined, role, messages: [message] });
    }
  }
  return groups;
}

function buildUIMessage(group: Group, index: number): UIMessage {
  const first = group.messages[0]!;
  const firstLayout = readUILayout(first.metadata);
  const results = new Map<string, ToolResultPart>();
  for (const message of group.messages) {
    for (const part of contentParts(message.content)) if (part.type === 'tool-result') results.set(part.toolCallId, part);
  }
  const consumed = new Set<string>();
  const parts: Record<string, unknown>[] = [];
  for (const message of group.messages) {
    if (message.role === 'tool') continue;
    const layout = readUILayout(message.metadata);
    const content = contentParts(message.content);
    const used = new Set<number>();
    if (layout?.parts !== undefined) {
      for (const entry of layout.parts) {
        if ('ui' in entry) {
          parts.push({ ...entry.ui });
          continue;
        }
        const part = content[entry.content];
        if (part === undefined || part.type === 'tool-result' || used.has(entry.content)) continue;
        used.add(entry.content);
        parts.push(toUIPart(part, entry.extra, results, consumed));
      }
    } else if (group.role === 'assistant') {
      parts.push({ type: 'step-start' });
    }
    content.forEach((part, index) => {
      if (!used.has(index) && part.type !== 'tool-result') parts.push(toUIPart(part, undefined, results, consumed));
    });
  }
  for (const [toolCallId, result] of results) {
    if (!consumed.has(toolCallId)) parts.push(toolPartFromResult(result));
  }
  return {
    // A message without an id (never stored) still needs one for React keys.
    id: firstLayout?.messageId ?? first.id ?? `message-${index}`,
    role: group.role,
    ...(firstLayout !== undefined && 'metadata' in firstLayout ? { metadata: (firstLayout as UILayout).metadata } : {}),
    parts: parts as unknown as UIMessage['parts'],
  };
}

function toUIPart(part: ContentPart, extra: JsonObject | undefined, results: ReadonlyMap<string, ToolResultPart>, consumed: Set<string>): Record<string, unknown> {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return { type: part.type, text: part.text, ...extra };
    case 'file':
      return { type: 'file', mediaType: part.mediaType, url: part.url, ...(part.filename === undefined ? {} : { filename: part.filename }), ...extra };
    case 'tool-call':
      consumed.add(part.toolCallId);
      return toolPart(part, extra, results.get(part.toolCallId));
    case 'tool-result':
      return toolPartFromResult(part);
  }
}

function toolPart(call: ToolCallPart, extra: JsonObject | undefined, result: ToolResultPart | undefined): Record<string, unknown> {
  const { type: uiType, inputAbsent, outputAbsent, state: storedState, ...rest } = extra ?? {};
  const dynamic = uiType === 'dynamic-tool';
  const state = typeof storedState === 'string' ? storedState : result === undefined ? 'input-available' : result.isError === true ? 'output-error' : 'output-available';
  const part: Record<string, unknown> = {
    type: dynamic ? 'dynamic-tool' : `tool-${call.toolName}`,
    ...(dynamic ? { toolName: call.toolName } : {}),
    toolCallId: call.toolCallId,
    state,
    ...rest,
  };
  if (inputAbsent !== true) part.input = call.input;
  if (result !== undefined && state === 'output-available' && outputAbsent !== true) part.output = result.output;
  if (result !== undefined && state === 'output-error') part.errorText = errorText(result.output);
  return part;
}

function toolPartFromResult(result: ToolResultPart): Record<string, unknown> {
  return result.isError === true
    ? { type: `tool-${result.toolName}`, toolCallId: result.toolCallId, state: 'output-error', input: undefined, errorText: errorText(result.output) }
    : { type: `tool-${result.toolName}`, toolCallId: result.toolCallId, state: 'output-available', input: undefined, output: result.output };
}

function errorText(output: ToolResultPart['output']): string {
  return typeof output === 'string' ? output : JSON.stringify(output);
}
