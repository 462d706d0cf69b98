import { type ContentPart, type JsonObject, type JsonValue, type MessageContent } from '../../src/index.js';

/**
 * The metadata key (`message.metadata[UI_LAYOUT_KEY]`) under which the UIMessage converters keep
 * what our content parts cannot hold: the `UIMessage` id and metadata, the step a stored message
 * belongs to, the order of the UI parts, and each part's UI-only fields (tool states, approvals,
 * provider metadata, data/source/step-start parts). It is what makes UI → stored → UI lossless.
 */
export const UI_LAYOUT_KEY = 'aiSdkUi';

/** One UI part of a step: a content part of the stored message (plus its UI-only fields), or a UI-only part kept whole. */
export type UILayoutEntry = { readonly content: number; readonly extra?: JsonObject } | { readonly ui: JsonObject };

/** `metadata[UI_LAYOUT_KEY]` of a stored message. */
export interface UILayout {
  /** `UIMessage.id` of the UI message this stored message is part of. */
  readonly messageId: string;
  /** 0-based step within that UI message (assistant messages split at `step-start`; the step's tool results follow in a `tool` message). */
  readonly step: number;
  /** `UIMessage.metadata`, kept on step 0 only. */
  readonly metadata?: JsonValue;
  /** The step's UI parts in order; absent on the `tool` message of a step (its results join their tool calls). */
  readonly parts?: readonly UILayoutEntry[];
}

/** Reads a well-formed layout from stored metadata; anything else (absent, or written by other code) counts as no layout. */
export function readUILayout(metadata: JsonObject | undefined): UILayout | undefined {
  const value = metadata?.[UI_LAYOUT_KEY];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (typeof value.messageId !== 'string' || typeof value.step !== 'number') return undefined;
  if (value.parts !== undefined && !Array.isArray(value.parts)) return undefined;
  return value as unknown as UILayout;
}

/** Content as parts: a string is one text part. */
export function contentParts(content: MessageContent): readonly ContentPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
