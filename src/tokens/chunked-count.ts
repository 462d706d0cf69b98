/**
 * BPE merging is quadratic in the length of one pre-token, so a long text without spaces (a
 * base64 blob, a minified file) can block the event loop for seconds. Long texts are counted in
 * chunks cut just before a single space that sits between two non-space characters — a boundary
 * where the tiktoken pre-tokenizer (o200k_base and cl100k_base patterns) always starts a new
 * pre-token — so the count stays exact. A run with no such boundary for {@link MAX_CHUNK} characters
 * is cut there, which can change its count by a token or two; that is the price of bounded time.
 */
const CHUNK_THRESHOLD = 20_000;
const TARGET_CHUNK = 8_000;
export const MAX_CHUNK = 16_000;

export function chunkedCount(text: string, count: (chunk: string) => number): number {
  if (text.length <= CHUNK_THRESHOLD) return count(text);
  let total = 0;
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + MAX_CHUNK);
    if (end < text.length) {
      const boundary = findBoundary(text, start + TARGET_CHUNK, end);
      if (boundary > start) end = boundary;
    }
    total += count(text.slice(start, end));
    start = end;
  }
  return total;
}

/** Last index in [from, to) where text[i] is a space between two non-whitespace characters, or -1. */
function findBoundary(text: string, from: number, to: number): number {
  for (let index = to - 1; index >= from; index -= 1) {
    if (text.charCodeAt(index) === 32 && isNonSpace(text.charCodeAt(index - 1)) && isNonSpace(text.charCodeAt(index + 1))) return index;
  }
  return -1;
}

function isNonSpace(code: number): boolean {
  return !(code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12 || code === 160 || Number.isNaN(code));
}
