import { fileDataToUrl } from './file-data.js';
import { isJsonObject, toJsonObject, toJsonValue } from './json-value.js';
import { compactPartMetadata, writeAiSdkMetadata, type PartMetadata } from './message-metadata.js';
import { type ContentPart, type JsonObject, type JsonValue, type MessageInput } from '../../src/index.js';

/** One item of a model's generated content (`LanguageModelV3Content` / `LanguageModelV4Content`), typed loosely for both. */
export type GeneratedContent = { type: string; [key: string]: unknown };

/**
 * Turns what a model generated (the `content` of `doGenerate`, or the parts collected from
 * `doStream`) into the assistant message to record: text, reasoning, files, tool calls (their
 * JSON-string `input` parsed) and provider-executed tool results. Sources, approval requests and
 * custom parts are kept in `metadata.aiSdk.extraParts`. Provider metadata becomes the part's
 * provider options, as the SDK does when it builds the next step's prompt.
 * @returns undefined when nothing was generated.
 */
export function assistantMessageFromContent(content: readonly GeneratedContent[]): MessageInput | undefined {
  const parts: ContentPart[] = [];
  const partsMeta: Array<PartMetadata | null> = [];
  const extraParts: Array<{ index: number; part: JsonObject }> = [];
  content.forEach((item, index) => {
    const converted = convert(item);
    if (converted === undefined) {
      extraParts.push({ index, part: toJsonObject(item) });
      return;
    }
    const providerMetadata = toJsonValue(item.providerMetadata);
    if (isJsonObject(providerMetadata) && Object.keys(providerMetadata).length > 0) converted.meta.providerOptions = providerMetadata;
    parts.push(converted.part);
    partsMeta.push(compactPartMetadata(converted.meta));
  });
  if (parts.length === 0 && extraParts.length === 0) return undefined;
  const metadata = writeAiSdkMetadata(undefined, { parts: partsMeta, extraParts });
  // One plain text part is stored as a string, like a prompt message (see fromLanguageModelPrompt).
  if (metadata === undefined && parts.length === 1 && parts[0]!.type === 'text') return { role: 'assistant', content: parts[0]!.text };
  return metadata === undefined ? { role: 'assistant', content: parts } : { role: 'assistant', content: parts, metadata };
}

function convert(item: GeneratedContent): { part: ContentPart; meta: PartMetadata } | undefined {
  switch (item.type) {
    case 'text':
      return { part: { type: 'text', text: String(item.text) }, meta: {} };
    case 'reasoning':
      return { part: { type: 'reasoning', text: String(item.text) }, meta: {} };
    case 'file': {
      const mediaType = String(item.mediaType);
      const { url, meta } = fileDataToUrl(item.data, mediaType);
      return { part: { type: 'file', mediaType, url }, meta };
    }
    case 'tool-call':
      return {
        part: { type: 'tool-call', toolCallId: String(item.toolCallId), toolName: String(item.toolName), input: parseToolInput(item.input) },
        meta: { providerExecuted: item.providerExecuted === true ? true : undefined },
      };
    case 'tool-result': {
      const base = { type: 'tool-result' as const, toolCallId: String(item.toolCallId), toolName: String(item.toolName), output: toJsonValue(item.result) };
      return { part: item.isError === true ? { ...base, isError: true } : base, meta: { providerExecuted: true } };
    }
    default:
      return undefined;
  }
}

/** Generated tool-call input is a JSON string; an unparsable one (a model error) is kept as the string. */
function parseToolInput(input: unknown): JsonValue {
  if (typeof input !== 'string') return toJsonValue(input);
  if (input.trim() === '') return {};
  try {
    return toJsonValue(JSON.parse(input));
  } catch {
    return input;
  }
}

/**
 * Collects a `doStream` part stream into generated content, in the order parts started:
 * text and reasoning deltas joined per id, complete tool calls, files and tool results as they
 * come; the `finish` part's usage kept.
 */
export class StreamContentCollector {
  private readonly items: GeneratedContent[] = [];
  private readonly open = new Map<string, GeneratedContent & { text: string }>();
  usage: unknown;

  add(part: { type: string; [key: string]: unknown }): void {
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start':
        this.slot(part.type === 'text-start' ? 'text' : 'reasoning', String(part.id), part.providerMetadata);
        return;
      case 'text-delta':
      case 'reasoning-delta': {
        const item = this.slot(part.type === 'text-delta' ? 'text' : 'reasoning', String(part.id), part.providerMetadata);
        item.text += String(part.delta ?? '');
        return;
      }
      case 'text-end':
      case 'reasoning-end': {
        const kind = part.type === 'text-end' ? 'text' : 'reasoning';
        const item = this.open.get(`${kind}:${String(part.id)}`);
        if (item !== undefined && part.providerMetadata !== undefined) item.providerMetadata = part.providerMetadata;
        return;
      }
      case 'tool-call':
      case 'tool-result':
      case 'file':
      case 'source':
      case 'tool-approval-request':
      case 'custom':
      case 'reasoning-file':
        this.items.push(part);
        return;
      case 'finish':
        this.usage = part.usage;
        return;
      default:
        return;
    }
  }

  content(): GeneratedContent[] {
    return this.items;
  }

  private slot(kind: 'text' | 'reasoning', id: string, providerMetadata: unknown): GeneratedContent & { text: string } {
    const key = `${kind}:${id}`;
    let item = this.open.get(key);
    if (item === undefined) {
      item = { type: kind, text: '' };
      if (providerMetadata !== undefined) item.providerMetadata = providerMetadata;
      this.open.set(key, item);
      this.items.push(item);
    }
    return item;
  }
}
