/**
 * A bounded memo of token counts of long texts, per tokenizer. Assembly counts the same rendered
 * blocks on every call while nothing changed (the stored summary, about 800 tokens, was encoded
 * twice per `assemble`: ≈ 0.4 ms of BPE each time, more than the whole Redis read). Looking a
 * 4 KB string up in a `Map` hashes it once (a few µs), so only texts of at least
 * {@link MIN_MEMO_CHARS} characters are kept, up to {@link MAX_MEMO_CHARS} characters in all,
 * oldest evicted first. Counts are pure functions of the text, so a hit is always exact.
 */
const MIN_MEMO_CHARS = 512;
const MAX_MEMO_CHARS = 2_000_000;
const MAX_TEXT_CHARS = 200_000;

export function memoizeCount(count: (text: string) => number): (text: string) => number {
  const memo = new Map<string, number>();
  let retained = 0;
  return (text) => {
    if (text.length < MIN_MEMO_CHARS || text.length > MAX_TEXT_CHARS) return count(text);
    const known = memo.get(text);
    if (known !== undefined) {
      // Refresh recency: the blocks counted on every call stay while one-off texts age out.
      memo.delete(text);
      memo.set(text, known);
      return known;
    }
    const counted = count(text);
    memo.set(text, counted);
    retained += text.length;
    for (const oldest of memo.keys()) {
      if (retained <= MAX_MEMO_CHARS) break;
      memo.delete(oldest);
      retained -= oldest.length;
    }
    return counted;
  };
}
