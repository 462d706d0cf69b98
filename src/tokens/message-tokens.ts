import type { ContentPart, MessageContent, Role } from '../types.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Message-level counting in OpenAI's chat format, from the OpenAI Cookbook "How to count tokens
 * with tiktoken" (gpt-4o / gpt-4 family): every message costs 3 framing tokens
 * (`<|start|>{role}<|message|>…<|end|>`) plus its role and content; a `name` costs its tokens plus 1;
 * every reply is primed with 3 tokens (`<|start|>assistant<|message|>`).
 *
 * Parts without text are counted from their serialized form: a tool call as the JSON
 * `{"name":…,"arguments":…}` the API returns, a tool result as its output (JSON unless a string),
 * a file as its URL and filename plus {@link FILE_PART_TOKENS} — an approximation (OpenAI's
 * low-detail image cost); providers bill files differently.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;
/** OpenAI vision guide: a low-detail image costs 85 tokens. Used as the estimate for any file part. */
export const FILE_PART_TOKENS = 85;

/** The minimal message shape that can be counted. */
export interface CountableMessage {
  readonly role: Role;
  readonly name?: string;
  readonly content: MessageContent;
}

/** Tokens of one message including its framing (what a stored message's `tokenCounts[encoding]` holds). */
export function countMessageTokens(tokenizer: Tokenizer, message: CountableMessage): number {
  let total = TOKENS_PER_MESSAGE + tokenizer.count(message.role);
  if (message.name !== undefined) total += tokenizer.count(message.name) + TOKENS_PER_NAME;
  return total + countContentTokens(tokenizer, message.content);
}

/** Tokens of a message's content alone (no framing). */
export function countContentTokens(tokenizer: Tokenizer, content: MessageContent): number {
  if (typeof content === 'string') return tokenizer.count(content);
  let total = 0;
  for (const part of content) total += countPartTokens(tokenizer, part);
  return total;
}

function countPartTokens(tokenizer: Tokenizer, part: ContentPart): number {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      return tokenizer.count(part.text);
    case 'file':
      return FILE_PART_TOKENS + tokenizer.count(part.url) + (part.filename ? tokenizer.count(part.filename) : 0);
    case 'tool-call':
      return tokenizer.count(JSON.stringify({ name: part.toolName, arguments: part.input }));
    case 'tool-result':
      return tokenizer.count(typeof part.output === 'string' ? part.output : JSON.stringify(part.output));
  }
}

/** Tokens of a whole prompt: every message plus the reply priming. */
export function countPromptTokens(tokenizer: Tokenizer, messages: readonly CountableMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += countMessageTokens(tokenizer, message);
  return total;
}

/** A tool definition as passed to the model (JSON Schema parameters). */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the tool's input. */
  readonly parameters?: unknown;
}

/**
 * Tokens of tool definitions. OpenAI injects tools into the system prompt in an undocumented
 * TypeScript-like form; counting the JSON of each definition plus 3 framing tokens per tool
 * over-estimates slightly, which is the safe side for a budget.
 */
export function countToolTokens(tokenizer: Tokenizer, tools: readonly ToolDefinition[]): number {
  let total = 0;
  for (const tool of tools) total += TOKENS_PER_MESSAGE + tokenizer.count(JSON.stringify(tool));
  return total;
}
