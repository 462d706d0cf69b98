import type { UIMessage } from 'ai';
import { UI_LAYOUT_KEY, type UILayout, type UILayoutEntry } from './ui-message-layout.js';
import { ValidationError, type ContentPart, type JsonObject, type JsonValue, type MessageInput, type Role, type ToolResultPart } from '../../src/index.js';

/** Which UI part types become content parts, per role (the rest are kept whole in the layout metadata). */
const CONTENT_PART_TYPES: Record<UIMessage['role'], ReadonlySet<string>> = {
  system: new Set(['text']),
  user: new Set(['text', 'file']),
  assistant: new Set(['text', 'file', 'reasoning']),
};

/** Text shown to the model for a denied tool call (the AI SDK sends an `execution-denied` result in the same place). */
const DENIED_OUTPUT = 'Tool execution denied.';

type LoosePart = Record<string, unknown> & { type: string };

/**
 * Converts one AI SDK `UIMessage` into the messages we store, in order.
 *
 * - `user` / `system` messages become one message of the same role.
 * - An `assistant` message is split into steps at its `step-start` parts (as `convertToModelMessages` does):
 *   each step becomes an `assistant` message (text, reasoning, files, tool calls) followed, when the step has
 *   tool results, by a `tool` message holding them — so the stored history is valid model input.
 *   Provider-executed tool results stay in the assistant message, after their call.
 * - Tool parts (`tool-NAME`, `dynamic-tool`) become a `tool-call` part plus, in the states `output-available`,
 *   `output-error` (output = `errorText`, `isError`) and `output-denied` (`isError`), a `tool-result` part.
 * - Everything content parts cannot hold (UI-only parts, part states, provider metadata, approvals, the
 *   `UIMessage` id and metadata) goes to `metadata.aiSdkUi` (see {@link UILayout}), so
 *   {@link messagesToUIMessages} rebuilds the exact `UIMessage`.
 *
 * Ids are derived from `message.id`, so sending the same UI message twice appends nothing the second time:
 * step 0 keeps `message.id`, step k > 0 is `${id}:s${k}`, the tool message of step k is `${id}:s${k}:tools`.
 *
 * @throws {ValidationError} when `message.role` is not `user`, `assistant` or `system`, or `message.id` is empty.
 */
export function uiMessageToMessages(options: { message: UIMessage }): MessageInput[] {
  const { message } = options;
  if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') {
    throw new ValidationError({ field: 'message.role', message: 'must be "user", "assistant" or "system"' });
  }
  if (typeof message.id !== 'string' || message.id.length === 0) {
    throw new ValidationError({ field: 'message.id', message: 'must be a non-empty string' });
  }
  const parts = message.parts as unknown as readonly LoosePart[];
  const steps = message.role === 'assistant' ? splitSteps(parts) : [parts];
  const result: MessageInput[] = [];
  steps.forEach((stepParts, step) => {
    const content: ContentPart[] = [];
    const toolResults: ToolResultPart[] = [];
    const entries: UILayoutEntry[] = [];
    for (const part of stepParts) {
      if (message.role === 'assistant' && isToolPart(part)) {
        const { call, result: toolResult, extra } = convertToolPart(part);
        entries.push(withExtra(content.push(call) - 1, extra));
        if (toolResult !== undefined) {
          if (part.providerExecuted === true) content.push(toolResult);
          else toolResults.push(toolResult);
        }
      } else if (CONTENT_PART_TYPES[message.role].has(part.type)) {
        const { part: contentPart, extra } = convertContentPart(part);
        entries.push(withExtra(content.push(contentPart) - 1, extra));
      } else {
        entries.push({ ui: toJsonObject(part) });
      }
    }
    const id = step === 0 ? message.id : `${message.id}:s${step}`;
    const layout: UILayout = {
      messageId: message.id,
      step,
      ...(step === 0 && message.metadata !== undefined ? { metadata: toJson(message.metadata) } : {}),
      parts: entries,
    };
    const simple = content.length === 1 && content[0]?.type === 'text' && entries.length === 1 && !('extra' in entries[0]!);
    result.push({
      id,
      role: message.role as Role,
      content: simple ? (content[0] as { text: string }).text : content,
      metadata: { [UI_LAYOUT_KEY]: layout as unknown as JsonObject },
    });
    if (toolResults.length > 0) {
      const toolLayout: UILayout = { messageId: message.id, step };
      result.push({
        id: `${message.id}:s${step}:tools`,
        role: 'tool',
        content: toolResults,
        metadata: { [UI_LAYOUT_KEY]: toolLayout as unknown as JsonObject },
      });
    }
  });
  return result;
}

/** Splits at `step-start`; a leading `step-start` stays in step 0. */
function splitSteps(parts: readonly LoosePart[]): LoosePart[][] {
  const steps: LoosePart[][] = [[]];
  for (const part of parts) {
    const current = steps[steps.length - 1]!;
    if (part.type === 'step-start' && current.length > 0) steps.push([part]);
    else current.push(part);
  }
  return steps;
}

function isToolPart(part: LoosePart): boolean {
  return part.type === 'dynamic-tool' || part.type.startsWith('tool-');
}

function convertContentPart(part: LoosePart): { part: ContentPart; extra: JsonObject } {
  if (part.type === 'file') {
    const { type: _type, mediaType, url, filename, ...rest } = part;
    const filePart: ContentPart = { type: 'file', mediaType: String(mediaType), url: String(url), ...(typeof filename === 'string' ? { filename } : {}) };
    return { part: filePart, extra: toJsonObject(rest) };
  }
  const { type, text, ...rest } = part;
  return { part: { type: type as 'text' | 'reasoning', text: String(text) }, extra: toJsonObject(rest) };
}

function convertToolPart(part: LoosePart): { call: ContentPart; result?: ToolResultPart; extra: JsonObject } {
  const { type, toolName: dynamicToolName, toolCallId, input, output, errorText, ...rest } = part;
  const dynamic = type === 'dynamic-tool';
  const toolName = dynamic ? String(dynamicToolName) : type.slice('tool-'.length);
  const id = String(toolCallId);
  const call: ContentPart = { type: 'tool-call', toolCallId: id, toolName, input: input === undefined ? null : toJson(input) };
  const extra: Record<string, unknown> = { ...rest };
  if (dynamic) extra.type = type;
  if (input === undefined) extra.inputAbsent = true;
  let result: ToolResultPart | undefined;
  if (part.state === 'output-available') {
    if (output === undefined) extra.outputAbsent = true;
    result = { type: 'tool-result', toolCallId: id, toolName, output: output === undefined ? null : toJson(output) };
  } else if (part.state === 'output-error') {
    result = { type: 'tool-result', toolCallId: id, toolName, output: String(errorText ?? ''), isError: true };
  } else if (part.state === 'output-denied') {
    const reason = (part.approval as { reason?: unknown } | undefined)?.reason;
    result = { type: 'tool-result', toolCallId: id, toolName, output: typeof reason === 'string' ? reason : DENIED_OUTPUT, isError: true };
  }
  return { call, ...(result === undefined ? {} : { result }), extra: toJsonObject(extra) };
}

function withExtra(content: number, extra: JsonObject): UILayoutEntry {
  return Object.keys(extra).length === 0 ? { content } : { content, extra };
}

/** UI messages come from JSON; this drops `undefined` members so the store's JSON validation accepts them. */
function toJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function toJsonObject(value: object): JsonObject {
  return toJson(value) as JsonObject;
}
