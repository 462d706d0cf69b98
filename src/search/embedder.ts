import { ValidationError } from '../errors.js';

/**
 * Turns texts into vectors. Adapters wrap LangChain `Embeddings` and AI SDK embedding models;
 * {@link createHashingEmbedder} is a deterministic offline stand-in for tests.
 *
 * Every stored vector carries `modelId`, and vectors of two models are never compared, so
 * changing the model means re-embedding (the cache is keyed by model too).
 */
export interface Embedder {
  /** Stable model identifier, e.g. `openai:text-embedding-3-small`. */
  readonly modelId: string;
  /** Length of every returned vector. */
  readonly dimensions: number;
  /**
   * One vector per input text, in input order.
   * @param options.signal aborts the request.
   */
  embed(texts: readonly string[], options: { signal?: AbortSignal }): Promise<number[][]>;
}

/**
 * Calls `embedder.embed` in batches and checks what comes back.
 * @param options.batchSize texts per call. @default 64
 * @throws {ValidationError} when the embedder returns the wrong number of vectors, a vector of the
 *   wrong length, or a non-finite number (a broken embedder must not poison the index).
 */
export async function embedInBatches(options: {
  embedder: Embedder;
  texts: readonly string[];
  batchSize?: number;
  signal?: AbortSignal;
}): Promise<number[][]> {
  const { embedder, texts } = options;
  const batchSize = Math.max(1, options.batchSize ?? 64);
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = texts.slice(start, start + batchSize);
    const result = await embedder.embed(batch, options.signal ? { signal: options.signal } : {});
    if (!Array.isArray(result) || result.length !== batch.length) {
      throw new ValidationError({ field: 'embedder.embed()', message: `returned ${Array.isArray(result) ? result.length : 'no'} vectors for ${batch.length} texts` });
    }
    for (const vector of result) {
      if (vector.length !== embedder.dimensions || !vector.every(Number.isFinite)) {
        throw new ValidationError({ field: 'embedder.embed()', message: `returned a vector that is not ${embedder.dimensions} finite numbers (embedder.dimensions)` });
      }
      vectors.push(vector);
    }
  }
  return vectors;
}

/** Cosine similarity of two equal-length vectors, -1..1 (0 when either is all zeros). */
export function cosineSimilarity(left: readonly number[], right: readonly number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index++) {
    const a = left[index]!;
    const b = right[index]!;
    dot += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  }
  return leftNorm === 0 || rightNorm === 0 ? 0 : dot / Math.sqrt(leftNorm * rightNorm);
}

/**
 * Embeds one query on the hot path, bounded in time: the call is aborted and abandoned after
 * `timeoutMs` even if the embedder ignores its signal, so a hung provider never holds assembly.
 * @param options.timeoutMs @default 2000
 * @throws the embedder's error, a `TimeoutError` DOMException, or a `TypeError` for a vector that
 *   is not `dimensions` finite numbers. Callers fall back to lexical search.
 */
export async function embedQuery(options: { embedder: Embedder; text: string; timeoutMs?: number; signal?: AbortSignal }): Promise<number[]> {
  const { embedder } = options;
  const timeoutMs = options.timeoutMs ?? 2000;
  const controller = new AbortController();
  const abortFromCaller = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abortFromCaller, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError');
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const [vector] = await Promise.race([embedder.embed([options.text], { signal: controller.signal }), timeout]);
    if (!vector || vector.length !== embedder.dimensions || !vector.every(Number.isFinite)) throw new TypeError(`embedder ${embedder.modelId} returned a vector that is not ${embedder.dimensions} finite numbers`);
    return vector;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abortFromCaller);
  }
}
