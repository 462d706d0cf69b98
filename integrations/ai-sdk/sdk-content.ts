import { fileDataFromUrl, fileDataToUrl, type FileDataTarget } from './file-data.js';
import { isJsonObject, toJsonObject, toJsonValue } from './json-value.js';
import { compactPartMetadata, type AiSdkMessageMetadata, type PartMetadata } from './message-metadata.js';
import { toolOutputFromSdk, toolOutputToSdk, type SdkToolResultOutput } from './tool-output.js';
import { type ContentPart, type JsonObject, type MessageContent, type Role } from '../../src/index.js';

/** One SDK content part, typed loosely: the V3, V4 and ModelMessage part unions all fit it. */
export type SdkPart = { type: string; [key: string]: unknown };

/**
 * Converts SDK message content (ModelMessage, or a spec V3/V4 prompt message) to ours. Parts with
 * no counterpart in our format (`custom`, `reasoning-file`, tool approvals) go to
 * `aiSdk.extraParts` with their index, provider options and other SDK-only fields to
 * `aiSdk.parts`, so {@link contentToSdk} rebuilds the original.
 */
export function contentFromSdk(content: string | readonly SdkPart[]): { content: MessageContent; aiSdk: AiSdkMessageMetadata } {
  if (typeof content === 'string') return { content, aiSdk: {} };
  const parts: ContentPart[] = [];
  const partsMeta: Array<PartMetadata | null> = [];
  const extraParts: Array<{ index: number; part: JsonObject }> = [];
  content.forEach((part, index) => {
    const converted = partFromSdk(part);
    if (converted === undefined) {
      extraParts.push({ index, part: toJsonObject(part) });
      return;
    }
    if (isJsonObject(toJsonValue(part.providerOptions))) converted.meta.providerOptions = toJsonObject(part.providerOptions as Record<string, unknown>);
    parts.push(converted.part);
    partsMeta.push(compactPartMetadata(converted.meta));
  });
  return { content: parts, aiSdk: { parts: partsMeta, extraParts } };
}

function partFromSdk(part: SdkPart): { part: ContentPart; meta: PartMetadata } | undefined {
  switch (part.type) {
    case 'text':
      return { part: { type: 'text', text: String(part.text) }, meta: {} };
    case 'reasoning':
      return { part: { type: 'reasoning', text: String(part.text) }, meta: {} };
    case 'file': {
      const mediaType = String(part.mediaType);
      const { url, meta } = fileDataToUrl(part.data, mediaType);
      const file: ContentPart = typeof part.filename === 'string' ? { type: 'file', mediaType, url, filename: part.filename } : { type: 'file', mediaType, url };
      return { part: file, meta };
    }
    case 'image': {
      const mediaType = typeof part.mediaType === 'string' ? part.mediaType : undefined;
      const { url, meta } = fileDataToUrl(part.image, mediaType ?? 'image/*');
      return { part: { type: 'file', mediaType: mediaType ?? 'image/*', url }, meta: { ...meta, image: true, mediaTypeAbsent: mediaType === undefined ? true : undefined } };
    }
    case 'tool-call':
      return {
        part: { type: 'tool-call', toolCallId: String(part.toolCallId), toolName: String(part.toolName), input: toJsonValue(part.input) },
        meta: { providerExecuted: part.providerExecuted === true ? true : undefined },
      };
    case 'tool-result': {
      const { output, isError, meta } = toolOutputFromSdk(part.output as SdkToolResultOutput);
      const base = { type: 'tool-result' as const, toolCallId: String(part.toolCallId), toolName: String(part.toolName), output };
      return { part: isError === true ? { ...base, isError } : base, meta };
    }
    default:
      return undefined;
  }
}

/**
 * Converts our content to SDK parts for `target`, using `aiSdk` metadata (when the message was
 * recorded from the SDK) to restore provider options, file data forms and SDK-only parts.
 * `keepString` returns string content as a string (ModelMessage allows it; the provider prompt does not).
 */
export function contentToSdk(options: {
  role: Role;
  content: MessageContent;
  aiSdk: AiSdkMessageMetadata;
  target: FileDataTarget;
  keepString: boolean;
}): string | SdkPart[] {
  const { content, aiSdk, target } = options;
  if (typeof content === 'string') return options.keepString ? content : [{ type: 'text', text: content }];
  const result: SdkPart[] = content.map((part, index) => partToSdk(part, aiSdk.parts?.[index] ?? null, target));
  for (const extra of [...(aiSdk.extraParts ?? [])].sort((a, b) => a.index - b.index)) {
    result.splice(Math.min(extra.index, result.length), 0, extra.part as SdkPart);
  }
  return result;
}

function partToSdk(part: ContentPart, meta: PartMetadata | null, target: FileDataTarget): SdkPart {
  const providerOptions = meta?.providerOptions === undefined ? {} : { providerOptions: meta.providerOptions };
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text, ...providerOptions };
    case 'reasoning':
      return { type: 'reasoning', text: part.text, ...providerOptions };
    case 'file': {
      const data = fileDataFromUrl(part.url, meta, target);
      if (meta?.image === true && target === 'model-message') {
        return meta.mediaTypeAbsent === true ? { type: 'image', image: data, ...providerOptions } : { type: 'image', image: data, mediaType: part.mediaType, ...providerOptions };
      }
      const file: SdkPart = { type: 'file', mediaType: part.mediaType, data };
      if (part.filename !== undefined) file.filename = part.filename;
      return { ...file, ...providerOptions };
    }
    case 'tool-call': {
      const call: SdkPart = { type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
      if (meta?.providerExecuted === true) call.providerExecuted = true;
      return { ...call, ...providerOptions };
    }
    case 'tool-result':
      return { type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: toolOutputToSdk(part.output, part.isError, meta), ...providerOptions };
  }
}

/** The text of string or part content (text parts only), joined with blank lines: for system messages, which the SDK keeps as one string. */
export function contentText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n\n');
}
