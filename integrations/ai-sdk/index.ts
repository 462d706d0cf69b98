/**
 * `llm-context/ai-sdk`: the Vercel AI SDK integration (ai 7 / spec v4 and ai 6 / spec v3).
 * - `contextMiddleware` / `contextMiddlewareV3` for `wrapLanguageModel`: record turns, assemble the prompt, calibrate token counts.
 * - Lossless converters between our messages and `ModelMessage`, the provider-level prompt and `UIMessage`.
 * - `Summarizer`, `MemoryExtractor` and `Embedder` backed by any AI SDK model.
 * - `createMemoryTools`: `remember`, `forget`, `recall_memories`, `search_history` tools scoped by the tool context.
 */
export {
  contextMiddleware,
  contextMiddlewareV3,
  type CallOptionsLike,
  type ContextMiddleware,
  type ContextMiddlewareOptions,
  type ModelIdentity,
} from './context-middleware.js';
export { PROVIDER_OPTIONS_KEY } from './call-target.js';
export type { AssembledMessage, ContextManagerLike } from './manager-types.js';
export { fromModelMessage, fromModelMessages, toModelMessage, toModelMessages, type ConvertibleMessage } from './model-message.js';
export { fromLanguageModelPrompt, toLanguageModelPrompt, type LanguageModelPromptMessage, type PromptSpecificationVersion } from './language-model-prompt.js';
export { assistantMessageFromContent, type GeneratedContent } from './generated-content.js';
export { AI_SDK_METADATA_KEY, type AiSdkMessageMetadata, type FileDataForm, type PartMetadata } from './message-metadata.js';
export { uiMessageToMessages, messagesToUIMessages, UI_LAYOUT_KEY, type UIConvertibleMessage, type UILayout, type UILayoutEntry } from './ui-message.js';
export {
  TokenCalibration,
  CALIBRATION_TENANT_ID,
  CALIBRATION_TAG,
  calibrationConversationId,
  type ModelCalibration,
  type TokenCalibrationOptions,
} from './token-calibration.js';
export { createAiSdkSummarizer, DEFAULT_SUMMARY_INSTRUCTIONS } from './summarizer.js';
export { createAiSdkMemoryExtractor, DEFAULT_MEMORY_INSTRUCTIONS } from './memory-extractor.js';
export { createAiSdkEmbedder } from './embedder.js';
export { createMemoryTools, memoryToolsContext, memoryToolContextSchema, type MemoryToolName, type MemoryToolsContextValue } from './memory-tools.js';
