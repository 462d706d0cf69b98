import { analyzeText } from './analyze-text.js';
import type { Embedder } from './embedder.js';

/**
 * A deterministic, offline embedder for tests and demos — **not a semantic model**: it hashes each
 * analyzed term (see `analyzeText`) into one of `dimensions` signed buckets ("the hashing trick",
 * Weinberger et al., "Feature Hashing for Large Scale Multitask Learning", ICML 2009) and
 * L2-normalises the result, so cosine similarity measures shared (stemmed) words.
 *
 * @param options.dimensions vector length. @default 256
 * @param options.modelId @default `hashing-${dimensions}`
 */
export function createHashingEmbedder(options: { dimensions?: number; modelId?: string } = {}): Embedder {
  const dimensions = options.dimensions ?? 256;
  return {
    modelId: options.modelId ?? `hashing-${dimensions}`,
    dimensions,
    async embed(texts, { signal }) {
      signal?.throwIfAborted();
      return texts.map((text) => hashText(text, dimensions));
    },
  };
}

function hashText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const term of analyzeText(text)) {
    const hash = fnv1a(term);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

/** FNV-1a, 32-bit (Fowler, Noll, Vo): a fast, well-spread string hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
