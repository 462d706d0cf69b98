export type { EncodingName, Tokenizer, TokenizerImplementation } from './tokenizer.js';
export { ENCODINGS } from './tokenizer.js';
export { getTokenizer } from './get-tokenizer.js';
export {
  countMessageTokens,
  countContentTokens,
  countPromptTokens,
  countToolTokens,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  REPLY_PRIMING_TOKENS,
  FILE_PART_TOKENS,
  type CountableMessage,
  type ToolDefinition,
} from './message-tokens.js';
export { findModelInfo, getModelInfo, type ModelInfo } from './models.js';
