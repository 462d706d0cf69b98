/**
 * Search latency per user at 10,000 and 100,000 messages: lexical `store.searchMessages` (across
 * the user's conversations, top 10; on Redis after the searches that index the seeded history,
 * whose count and time the note gives) on every store that has it, and vector `store.vectors.search`
 * (top 10, 256-dimension hashing embedder) on every store that has a vector index.
 */
import { createHashingEmbedder } from '../src/search/hashing-embedder.js';
import { messageSearchText } from '../src/search/message-text.js';
import type { BackendName } from './lib/backends.js';
import { conversationOf, scopeOf, seededBackend } from './lib/seeded.js';
import { formatMs, summarize, timeRuns } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

/** Rare terms: each corpus message starts with its index (`12345:`), so these match one message each. */
const RARE_QUERIES = ['777', '4242', '31337', '9001', '55555', '123', '8086', '65000'];
/** Common terms: the corpus has a ~75-word vocabulary, so each of these matches a large share of all messages (worst case for ranking). */
const QUERIES = ['refund invoice', 'damaged parcel replacement', 'password reset account', 'courier tracking number', 'subscription renewal receipt', 'holiday delivery schedule', 'escalation manager priority ticket', 'voucher discount'];

const firstSentence = (text: string) => text.split(/[.;(]/)[0]!.trim();

/** Up to `count` runs, but stops after 20 s (at least 10 runs) so slow rows do not dominate the suite. */
async function timeBudgeted(count: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < count && (samples.length < 10 || performance.now() - started < 20_000)) samples.push(...(await timeRuns(1, work)));
  return samples;
}

export async function runSearchBench(options: { quick: boolean; backends: readonly BackendName[] }): Promise<string> {
  const sizes = options.quick ? [1000] : [10_000, 100_000];
  const iterations = options.quick ? 16 : 96;
  const rows: string[][] = [];
  const embedder = createHashingEmbedder({ dimensions: 256 });
  for (const name of options.backends) {
    for (const size of sizes) {
      const backend = await seededBackend(name, size);
      const { store } = backend;
      const scope = scopeOf(size);
      if (store.searchMessages) {
        // Redis indexes appends on search, a bounded number per call: the first searches after
        // seeding index the history (timed here, reported in the note); the timed ones search it.
        const indexingStarted = performance.now();
        let indexingCalls = 0;
        while (indexingCalls < 10_000 && (await store.searchMessages(scope, { query: QUERIES[0]!, limit: 10 })).coverage?.bound.includes('later searches index')) indexingCalls += 1;
        const indexing = indexingCalls > 0 ? `; indexed by the first ${indexingCalls + 1} searches in ${((performance.now() - indexingStarted) / 1000).toFixed(1)} s` : '';
        for (const [kind, queries] of [['lexical, common terms', QUERIES], ['lexical, rare term', RARE_QUERIES]] as const) {
          let query = 0;
          const search = () => store.searchMessages!(scope, { query: queries[query++ % queries.length]!, limit: 10 });
          let hits = 0;
          // A bounded search says so in `coverage`; the note names the bound.
          let bound: string | undefined;
          for (const text of queries) {
            const result = await store.searchMessages!(scope, { query: text, limit: 10 });
            hits += result.length;
            bound ??= result.coverage?.bound;
          }
          await timeRuns(4, search);
          const result = summarize(await timeBudgeted(iterations, search));
          rows.push([name, kind, size.toLocaleString('en-US'), formatMs(result.median), formatMs(result.p95), `${result.samples} queries, ${(hits / queries.length).toFixed(1)} hits/query${bound !== undefined ? `; bounded: ${bound}` : ''}${kind.includes('common') ? indexing : ''}`]);
          progress(`search ${kind} ${name} ${size}: p95 ${formatMs(result.p95)} ms`);
        }
      } else {
        rows.push([name, 'lexical', size.toLocaleString('en-US'), '—', '—', store.capabilities.lexicalSearch.available ? '' : firstSentence(store.capabilities.lexicalSearch.reason)]);
      }
      if (name === 'dynamodb' && size > 10_000) {
        // Exact vector search reads every embedding of the scope (see the DynamoDB README's bounds).
        rows.push([name, 'vector', size.toLocaleString('en-US'), '—', '—', 'not run: exact scan of every embedding of the user; beyond 10,000 pair DynamoDB with a vector index']);
      } else if (store.vectors && store.capabilities.vectorSearch.available) {
        const started = performance.now();
        const messages = await store.listMessages(scope, conversationOf(size), { order: 'asc', limit: 1000 });
        for (let after = 0; ; ) {
          const page = after === 0 ? messages : await store.listMessages(scope, conversationOf(size), { order: 'asc', afterSeq: after, limit: 1000 });
          if (page.length === 0) break;
          const vectors = await embedder.embed(page.map(messageSearchText), {});
          await store.vectors.upsert(scope, page.map((message, index) => ({ kind: 'message', targetId: message.id, conversationId: message.conversationId, seq: message.seq, model: embedder.modelId, vector: vectors[index]!, contentHash: message.contentHash })));
          after = page.at(-1)!.seq;
        }
        progress(`search vector ${name} ${size}: indexed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const queryVectors = await embedder.embed(QUERIES, {});
        let query = 0;
        const search = () => store.vectors!.search(scope, { kind: 'message', model: embedder.modelId, vector: queryVectors[query++ % queryVectors.length]!, limit: 10 });
        const hits = (await search()).length;
        await timeRuns(4, search);
        const result = summarize(await timeBudgeted(Math.min(iterations, 48), search));
        rows.push([name, 'vector (256 d)', size.toLocaleString('en-US'), formatMs(result.median), formatMs(result.p95), `${result.samples} queries, ${hits} hits`]);
      } else {
        rows.push([name, 'vector', size.toLocaleString('en-US'), '—', '—', store.capabilities.vectorSearch.available ? '' : firstSentence(store.capabilities.vectorSearch.reason)]);
      }
    }
  }
  return [
    `### Search latency per user (top 10, ${iterations} queries; ms; target p95 ≤ 25 ms at 100,000 on Postgres)`,
    '',
    markdownTable(['store', 'kind', 'messages of the user', 'median', 'p95', 'note'], rows),
  ].join('\n');
}
