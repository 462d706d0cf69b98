/** The BPE encodings we count exactly. Both are OpenAI's, published with tiktoken. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/**
 * Counts tokens of plain text in one encoding. Special-token strings such as `<|endoftext|>`
 * inside user text are counted as ordinary text, never rejected or interpreted.
 */
export interface Tokenizer {
  readonly encoding: EncodingName;
  /** Which library does the counting, e.g. `gpt-tokenizer` or `js-tiktoken`. */
  readonly implementation: TokenizerImplementation;
  count(text: string): number;
}

export type TokenizerImplementation = 'gpt-tokenizer' | 'js-tiktoken';
