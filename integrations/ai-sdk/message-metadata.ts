import { isJsonObject } from './json-value.js';
import { type JsonObject, type JsonValue } from '../../src/index.js';

/**
 * The key under a stored message's `metadata` where this integration keeps what our neutral
 * format has no field for, so a message read back converts to the SDK shape it came from.
 */
export const AI_SDK_METADATA_KEY = 'aiSdk';

/** How a file's data was given in the SDK, so the same form is rebuilt (our `FilePart` keeps only a URL string). */
export type FileDataForm =
  | 'bytes' // Uint8Array / ArrayBuffer → data: URL
  | 'base64' // base64 string → data: URL
  | 'url-string' // a URL given as a string
  | 'url' // a URL object
  | 'tagged-bytes' // V4 { type: 'data', data: Uint8Array }
  | 'tagged-base64' // V4 { type: 'data', data: string }
  | 'tagged-url' // V4 { type: 'url', url }
  | 'tagged-reference' // V4 { type: 'reference', reference }
  | 'tagged-text' // V4 { type: 'text', text }
  | 'reference'; // a provider reference `{ [provider]: id }` (ModelMessage)

/** Per-part facts, aligned with the stored `content` array (null where there is nothing to keep). */
export interface PartMetadata {
  providerOptions?: JsonObject;
  providerExecuted?: boolean;
  /** The SDK tool-result output type when it differs from the one inferred from `output` and `isError`. */
  outputType?: 'text' | 'json' | 'raw';
  /** For file parts: the original data form; `image` marks a ModelMessage `ImagePart`. */
  fileData?: FileDataForm;
  image?: boolean;
  /** Image parts may omit the media type. */
  mediaTypeAbsent?: boolean;
  reference?: JsonObject;
  /** V4 `{ type: 'url' }` data may carry the original URL string. */
  originalUrl?: string;
}

/** What `metadata.aiSdk` holds. Every field is optional; absent when there is nothing to keep. */
export interface AiSdkMessageMetadata {
  providerOptions?: JsonObject;
  /** Aligned with the stored content array. */
  parts?: Array<PartMetadata | null>;
  /** SDK parts with no counterpart in our format (custom, reasoning-file, tool approvals, sources), at their index in the SDK content array. */
  extraParts?: Array<{ index: number; part: JsonObject }>;
}

export function readAiSdkMetadata(metadata: JsonObject | undefined): AiSdkMessageMetadata {
  const value = metadata?.[AI_SDK_METADATA_KEY];
  return isJsonObject(value) ? (value as AiSdkMessageMetadata) : {};
}

/** Returns `metadata` with `aiSdk` set, or without it when `aiSdk` holds nothing. */
export function writeAiSdkMetadata(metadata: JsonObject | undefined, aiSdk: AiSdkMessageMetadata): JsonObject | undefined {
  const compact: AiSdkMessageMetadata = {};
  if (aiSdk.providerOptions !== undefined && Object.keys(aiSdk.providerOptions).length > 0) compact.providerOptions = aiSdk.providerOptions;
  if (aiSdk.parts?.some((part) => part !== null)) compact.parts = aiSdk.parts;
  if (aiSdk.extraParts !== undefined && aiSdk.extraParts.length > 0) compact.extraParts = aiSdk.extraParts;
  const rest = { ...(metadata ?? {}) };
  delete rest[AI_SDK_METADATA_KEY];
  if (Object.keys(compact).length > 0) rest[AI_SDK_METADATA_KEY] = compact as unknown as JsonValue;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Drops `undefined` members so a part's metadata is null when it holds nothing. */
export function compactPartMetadata(part: PartMetadata): PartMetadata | null {
  const entries = Object.entries(part).filter(([, value]) => value !== undefined);
  return entries.length === 0 ? null : (Object.fromEntries(entries) as PartMetadata);
}
