import { embedMany, type EmbeddingModel } from 'ai';
import { ValidationError, type Embedder } from '../../src/index.js';

/**
 * An `Embedder` backed by any AI SDK embedding model through `embedMany` (which splits large
 * batches by the model's `maxEmbeddingsPerCall` and retries).
 * @param options.model an `EmbeddingModel` object (V3 or V4) or a model id string.
 * @param options.dimensions the length of the model's vectors (e.g. 1536 for `text-embedding-3-small`);
 *   required because the store sizes its index before the first call.
 * @param options.modelId the id stored with every vector. @default `${provider}:${modelId}` of the model object, or the string id
 * @param options.maxParallelCalls passed to `embedMany`. @default the SDK's (unbounded)
 * @throws {ValidationError} at creation when `dimensions` is not a positive integer.
 */
export function createAiSdkEmbedder(options: { model: EmbeddingModel; dimensions: number; modelId?: string; maxParallelCalls?: number }): Embedder {
  if (!Number.isSafeInteger(options.dimensions) || options.dimensions <= 0) {
    throw new ValidationError({ field: 'dimensions', message: 'must be a positive integer (the length of the embedding model\'s vectors)' });
  }
  const model = options.model;
  const modelId = options.modelId ?? (typeof model === 'string' ? model : `${model.provider}:${model.modelId}`);
  return {
    modelId,
    dimensions: options.dimensions,
    async embed(texts, { signal }) {
      if (texts.length === 0) return [];
      const result = await embedMany({
        model,
        values: [...texts],
        ...(signal === undefined ? {} : { abortSignal: signal }),
        ...(options.maxParallelCalls === undefined ? {} : { maxParallelCalls: options.maxParallelCalls }),
      });
      return result.embeddings;
    },
  };
}
