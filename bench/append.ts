/**
 * Append throughput (messages/s): batches of 1 and 20 from 1 and 16 concurrent writers (each
 * writer its own conversation), against raw batched writes of the same rows in the same run:
 * - Postgres/PGlite: one `INSERT … SELECT FROM unnest(…)` per batch into a copy of the messages
 *   table (`LIKE … INCLUDING ALL`: same keys, indexes and generated tsvector), seqs given by the client;
 * - Redis: one `RPUSH` of the batch's JSON per batch;
 * - DynamoDB (dynalite in process): one `BatchWriteItem` of the batch, one item per message.
 * The store does more per batch (scope and idempotency checks, seq assignment, conversation
 * counters, TTL); the target is ≥ 0.8× raw.
 */
import type { NewMessage } from '../src/types.js';
import { openBackend, type Backend, type BackendName } from './lib/backends.js';
import { preparedCorpus } from './lib/dataset.js';
import { chunk, formatRatio, inParallel, thousands } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

const scope = { tenantId: 'bench-append', userId: 'u1' };

/** Warm-up batches per writer: more than the five custom plans PostgreSQL makes per connection for a prepared statement. */
const WARM_UP_BATCHES = 6;
/** Offset of the raw side's warm-up conversation ids, clear of the timed ones (below 300,000). */
const WARM_UP_RAW_IDS = 1_000_000;

const rawInsert = (table: string) => `INSERT INTO ${table} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
  SELECT $1, $2, s, i, r, NULL, c::jsonb, '{}'::jsonb, '{}'::text[], t::jsonb, p, h, now()
  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(s, i, r, c, t, p, h)`;

export type RawWriter = (writer: number, batch: readonly NewMessage[], firstSeq: number) => Promise<unknown>;

/** The raw batched writer of `backend` (see the header), or undefined when it has none. */
export async function rawWriter(backend: Backend): Promise<RawWriter | undefined> {
  if (backend.name === 'postgres' || backend.name === 'pglite') {
    const table = `"${backend.schema}".raw_messages`;
    const query = async (sql: string, params?: unknown[]) => (backend.pool ? backend.pool.query(sql, params) : backend.pglite!.query(sql, params));
    await query(`CREATE TABLE ${table} (LIKE "${backend.schema}".llmctx_messages INCLUDING ALL)`);
    return (writer, batch, firstSeq) =>
      query(rawInsert(table), [
        'bench-append',
        `raw-${writer}`,
        batch.map((_, index) => firstSeq + index),
        batch.map((message) => message.id),
        batch.map((message) => message.role),
        batch.map((message) => JSON.stringify(message.content)),
        batch.map((message) => JSON.stringify(message.tokenCounts)),
        batch.map((message) => message.tokenCounts.o200k_base ?? 0),
        batch.map((message) => message.contentHash),
      ]);
  }
  if (backend.rawAppend) return backend.rawAppend;
  if (backend.name === 'redis') {
    return (writer, batch) => backend.redis!.rpush(`${backend.keyPrefix}raw-append:${writer}`, ...batch.map((message) => JSON.stringify(message)));
  }
  return undefined;
}

/** Messages/s of `write` over `batches` (one list of batches per writer), `workers` writers at once. */
export async function measure(total: number, workers: number, write: (writer: number, batch: readonly NewMessage[], firstSeq: number) => Promise<unknown>, batches: NewMessage[][][]): Promise<number> {
  const started = performance.now();
  await inParallel(batches, workers, async (writerBatches, writer) => {
    let seq = 1;
    for (const batch of writerBatches) {
      await write(writer, batch, seq);
      seq += batch.length;
    }
  });
  return total / ((performance.now() - started) / 1000);
}

export async function runAppendBench(options: { quick: boolean; backends: readonly BackendName[] }): Promise<string> {
  const total = options.quick ? 320 : 3200;
  const rows: string[][] = [];
  const corpus = await preparedCorpus(total);
  for (const name of options.backends) {
    const backend = await openBackend(name, 'append');
    try {
      const raw = await rawWriter(backend);
      for (const batchSize of [1, 20]) {
        for (const workers of [1, 16]) {
          const label = `b${batchSize}w${workers}`;
          // Each writer appends its share in batches to its own conversation.
          const perWriter = chunk(corpus, Math.ceil(total / workers)).map((share) => chunk(share, batchSize));
          for (let writer = 0; writer < workers; writer += 1) await backend.store.createConversation(scope, { id: `${label}-${writer}` });
          // Warm-up of both sides with as many writers as the run, each on a throwaway conversation:
          // connections, prepared statements (PostgreSQL plans a prepared statement five times per
          // connection before it keeps a generic plan), script cache. A single warm-up writer left a
          // pool's other connections to be opened and warmed inside the store's timed run (the
          // bench's pool is fresh and b1w16 comes first), and the raw side, timed next, found them warm.
          const warm = Array.from({ length: workers }, () => chunk(corpus.slice(0, WARM_UP_BATCHES * batchSize), batchSize));
          for (let writer = 0; writer < workers; writer += 1) await backend.store.createConversation(scope, { id: `${label}-warm-${writer}` });
          await measure(workers * WARM_UP_BATCHES * batchSize, workers, (writer, batch) => backend.store.appendMessages(scope, `${label}-warm-${writer}`, batch), warm);
          const rawWrite: RawWriter | undefined = raw && ((writer, batch, firstSeq) => raw(workers * 100 + writer + batchSize * 10_000, batch, firstSeq));
          if (raw) await measure(workers * WARM_UP_BATCHES * batchSize, workers, (writer, batch, firstSeq) => raw(WARM_UP_RAW_IDS + workers * 100 + writer + batchSize * 10_000, batch, firstSeq), warm);
          const ours = await measure(total, workers, (writer, batch) => backend.store.appendMessages(scope, `${label}-${writer}`, batch), perWriter);
          const rawRate = rawWrite ? await measure(total, workers, rawWrite, perWriter) : undefined;
          rows.push([name, String(batchSize), String(workers), thousands(ours), rawRate ? thousands(rawRate) : '—', rawRate ? formatRatio(ours / rawRate) : '—']);
          progress(`append ${name} ${label}: ${thousands(ours)} msg/s`);
        }
      }
    } finally {
      await backend.close();
    }
  }
  return [
    `### Append throughput (${total.toLocaleString('en-US')} messages per configuration; messages/s, higher is better; target ≥ 0.8× raw)`,
    '',
    markdownTable(['store', 'batch', 'writers', 'store msg/s', 'raw batched msg/s', 'store ÷ raw'], rows),
  ].join('\n');
}
