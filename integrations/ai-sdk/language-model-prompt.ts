import { toJsonObject } from './json-value.js';
import { readAiSdkMetadata, writeAiSdkMetadata, type AiSdkMessageMetadata } from './message-metadata.js';
import type { ConvertibleMessage } from './model-message.js';
import { contentFromSdk, contentText, contentToSdk, type SdkPart } from './sdk-content.js';
import { type MessageContent, type MessageInput } from '../../src/index.js';

/**
 * One message of the provider-level prompt (`params.prompt` in a middleware), typed loosely so
 * it fits both `LanguageModelV3Prompt` (ai 6) and `LanguageModelV4Prompt` (ai 7).
 */
export type LanguageModelPromptMessage =
  | { role: 'system'; content: string; providerOptions?: Record<string, unknown> }
  | { role: 'user' | 'assistant' | 'tool'; content: SdkPart[]; providerOptions?: Record<string, unknown> };

/** Spec version of the provider-level prompt: `v3` for ai 6, `v4` for ai 7. They differ in file data and tool-result content items. */
export type PromptSpecificationVersion = 'v3' | 'v4';

/**
 * Converts a provider-level prompt (spec V3 or V4) to our messages. Lossless like
 * `fromModelMessages`: SDK-only fields are kept in `metadata.aiSdk`. Content that is one plain
 * text part is stored as a string.
 */
export function fromLanguageModelPrompt(prompt: readonly LanguageModelPromptMessage[]): MessageInput[] {
  return prompt.map((message) => {
    const converted = contentFromSdk(message.content);
    const { aiSdk } = converted;
    // The provider prompt always uses part arrays; one plain text part is stored as a string
    // (what other integrations and the UI expect) and becomes one text part again on the way back.
    const content = singleText(converted.content, aiSdk) ?? converted.content;
    if (message.providerOptions !== undefined) aiSdk.providerOptions = toJsonObject(message.providerOptions);
    const metadata = writeAiSdkMetadata(undefined, aiSdk);
    return metadata === undefined ? { role: message.role, content } : { role: message.role, content, metadata };
  });
}

function singleText(content: MessageContent, aiSdk: AiSdkMessageMetadata): string | undefined {
  if (typeof content === 'string' || content.length !== 1 || content[0]!.type !== 'text') return undefined;
  if ((aiSdk.parts?.[0] ?? null) !== null || (aiSdk.extraParts?.length ?? 0) > 0) return undefined;
  return content[0]!.text;
}

/**
 * Converts our messages to a provider-level prompt of `specificationVersion` (`v4` by default).
 * Content is always a part array (string content becomes one text part), system content one
 * string; files get the version's data form (V4: tagged `{ type: 'data' | 'url' }`; V3: base64 or `URL`).
 */
export function toLanguageModelPrompt(
  messages: readonly ConvertibleMessage[],
  options: { specificationVersion?: PromptSpecificationVersion } = {},
): LanguageModelPromptMessage[] {
  const target = options.specificationVersion ?? 'v4';
  return messages.map((message) => {
    const aiSdk = readAiSdkMetadata(message.metadata);
    const providerOptions = aiSdk.providerOptions === undefined ? {} : { providerOptions: aiSdk.providerOptions };
    if (message.role === 'system') return { role: 'system', content: contentText(message.content), ...providerOptions };
    const content = contentToSdk({ role: message.role, content: message.content, aiSdk, target, keepString: false }) as SdkPart[];
    return { role: message.role, content, ...providerOptions };
  });
}
