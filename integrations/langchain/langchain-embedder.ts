import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { type Embedder } from '../../src/index.js';

/**
 * An {@link Embedder} backed by any LangChain `Embeddings` (`OpenAIEmbeddings`, …) via
 * `embedDocuments`. LangChain embeddings take no abort signal, so an abort stops waiting for the
 * result (the request itself runs to its end).
 *
 * @param options.embeddings the LangChain embeddings instance.
 * @param options.modelId stable id stored with every vector, e.g. `openai:text-embedding-3-small`;
 *   vectors of different ids are never compared.
 * @param options.dimensions the vector length the model returns (checked on every batch by the manager).
 */
export function langChainEmbedder(options: { embeddings: Pick<EmbeddingsInterface, 'embedDocuments'>; modelId: string; dimensions: number }): Embedder {
  return {
    modelId: options.modelId,
    dimensions: options.dimensions,
    async embed(texts, { signal }) {
      signal?.throwIfAborted();
      const pending = options.embeddings.embedDocuments([...texts]);
      if (signal === undefined) return pending;
      return new Promise<number[][]>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
