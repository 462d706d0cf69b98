import type { ModelMessage } from 'ai';
import { toJsonObject } from './json-value.js';
import { readAiSdkMetadata, writeAiSdkMetadata } from './message-metadata.js';
import { contentFromSdk, contentText, contentToSdk, type SdkPart } from './sdk-content.js';
import { type JsonObject, type MessageContent, type MessageInput, type Role } from '../../src/index.js';

/** The fields of one of our messages that conversion reads (a stored `Message`, a `MessageInput`, or an assembled `ContextMessage`). */
export interface ConvertibleMessage {
  readonly role: Role;
  readonly content: MessageContent;
  readonly metadata?: JsonObject;
}

/**
 * Converts AI SDK `ModelMessage`s (ai 6 and 7) to our messages, ready for `ContextManager.append`.
 * Lossless: what our format has no field for (provider options, image vs file parts, file data
 * forms, tool approvals, custom parts) is kept under `metadata.aiSdk`, and {@link toModelMessages}
 * restores it. `ModelMessage` has no ids or names; pass ids yourself if you need idempotent appends.
 */
export function fromModelMessages(messages: readonly ModelMessage[]): MessageInput[] {
  return messages.map((message) => fromModelMessage(message));
}

export function fromModelMessage(message: ModelMessage): MessageInput {
  const { content, aiSdk } = contentFromSdk(message.content as string | SdkPart[]);
  if (message.providerOptions !== undefined) aiSdk.providerOptions = toJsonObject(message.providerOptions);
  const metadata = writeAiSdkMetadata(undefined, aiSdk);
  return metadata === undefined ? { role: message.role, content } : { role: message.role, content, metadata };
}

/**
 * Converts our messages to `ModelMessage`s. String content stays a string; a system message's
 * parts are joined into one string (the SDK's system content is a string). Names are dropped:
 * `ModelMessage` has no name field.
 */
export function toModelMessages(messages: readonly ConvertibleMessage[]): ModelMessage[] {
  return messages.map((message) => toModelMessage(message));
}

export function toModelMessage(message: ConvertibleMessage): ModelMessage {
  const aiSdk = readAiSdkMetadata(message.metadata);
  const providerOptions = aiSdk.providerOptions === undefined ? {} : { providerOptions: aiSdk.providerOptions };
  if (message.role === 'system') return { role: 'system', content: contentText(message.content), ...providerOptions } as ModelMessage;
  const content = contentToSdk({ role: message.role, content: message.content, aiSdk, target: 'model-message', keepString: true });
  return { role: message.role, content, ...providerOptions } as ModelMessage;
}
