import { ValidationError } from '../errors.js';
import type { EncodingName } from './tokenizer.js';

/**
 * What we know of a model: the encoding we count it with, its context window (tokens), whether the
 * count is exact (the model's own tokenizer) or an approximation, and where the figures come from.
 */
export interface ModelInfo {
  readonly encoding: EncodingName;
  /** Total context window in tokens (input + output). */
  readonly contextWindow: number;
  /** True when `encoding` is the model's own tokenizer; false when it is a stand-in. */
  readonly exactTokenizer: boolean;
  readonly source: string;
}

const OPENAI_MODELS = 'OpenAI model pages (platform.openai.com/docs/models) and tiktoken model→encoding map';
const ANTHROPIC = 'Anthropic models overview (docs.anthropic.com); tokenizer unpublished, o200k_base as stand-in';
const GOOGLE = 'Google Gemini models page (ai.google.dev/gemini-api/docs/models); tokenizer unpublished here, o200k_base as stand-in';
const META = 'Meta Llama 3.1 model card (128K context); its tiktoken-based 128K vocabulary is approximated by o200k_base';
const MISTRAL = 'Mistral models overview (docs.mistral.ai); tokenizer differs, o200k_base as stand-in';

/** Model id prefixes → info. The longest matching prefix wins, so dated snapshots (`gpt-4o-2024-08-06`) resolve. */
const MODEL_TABLE: ReadonlyArray<readonly [prefix: string, info: ModelInfo]> = [
  ['gpt-5', { encoding: 'o200k_base', contextWindow: 400_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-4.1', { encoding: 'o200k_base', contextWindow: 1_047_576, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-4o', { encoding: 'o200k_base', contextWindow: 128_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['chatgpt-4o', { encoding: 'o200k_base', contextWindow: 128_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-oss', { encoding: 'o200k_base', contextWindow: 131_072, exactTokenizer: true, source: OPENAI_MODELS }],
  ['o1', { encoding: 'o200k_base', contextWindow: 200_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['o3', { encoding: 'o200k_base', contextWindow: 200_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['o4-mini', { encoding: 'o200k_base', contextWindow: 200_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-4-turbo', { encoding: 'cl100k_base', contextWindow: 128_000, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-4-32k', { encoding: 'cl100k_base', contextWindow: 32_768, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-4', { encoding: 'cl100k_base', contextWindow: 8_192, exactTokenizer: true, source: OPENAI_MODELS }],
  ['gpt-3.5-turbo', { encoding: 'cl100k_base', contextWindow: 16_385, exactTokenizer: true, source: OPENAI_MODELS }],
  ['claude-', { encoding: 'o200k_base', contextWindow: 200_000, exactTokenizer: false, source: ANTHROPIC }],
  ['gemini-1.5-pro', { encoding: 'o200k_base', contextWindow: 2_097_152, exactTokenizer: false, source: GOOGLE }],
  ['gemini-', { encoding: 'o200k_base', contextWindow: 1_048_576, exactTokenizer: false, source: GOOGLE }],
  ['llama-3', { encoding: 'o200k_base', contextWindow: 128_000, exactTokenizer: false, source: META }],
  ['mistral-large', { encoding: 'o200k_base', contextWindow: 128_000, exactTokenizer: false, source: MISTRAL }],
];

/**
 * Looks up a model id (with or without a provider prefix such as `openai/` or `anthropic:`).
 * @returns the info, or `undefined` for an unknown model.
 */
export function findModelInfo(modelId: string): ModelInfo | undefined {
  const id = modelId.toLowerCase().replace(/^[a-z0-9-]+[/:]/, '');
  let best: readonly [string, ModelInfo] | undefined;
  for (const entry of MODEL_TABLE) {
    if (id.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  }
  return best?.[1];
}

/** Like {@link findModelInfo} but throws a `ValidationError` naming the fix for an unknown model. */
export function getModelInfo(modelId: string): ModelInfo {
  const info = findModelInfo(modelId);
  if (!info) {
    throw new ValidationError({
      field: 'budget.model',
      code: 'invalid_budget',
      message: 'unknown model; pass budget.maxTokens (the context window in tokens) instead',
    });
  }
  return info;
}
