/**
 * PostgreSQL store benchmark (not a timed test): prints markdown tables.
 *
 * 1. Append throughput (messages/s) with batches of 1 and 20, sequential and from 8 concurrent
 *    clients, as a ratio to raw node-postgres batched `INSERT … SELECT FROM unnest(…)` of the same
 *    rows into a table of the same definition (`LIKE … INCLUDING ALL`: same indexes and generated
 *    tsvector), measured in the same run. Target ≥ 0.8×.
 * 2. Assembly latency (median, p95) with 100, 10,000 and 100,000 messages stored in the
 *    conversation (budget 2,000 tokens, full in every case): `store.getTail`, `ContextManager.assemble`
 *    with only the recent window, and with lexical recall of a rare topic (full-text search).
 *    Target: at 100,000 messages ≤ 1.3× the cost at 100.
 *
 * Run: `npx tsx bench/postgres/postgres-bench.ts` (DATABASE_URL, default the local server).
 */
import pg from 'pg';
import { ContextManager } from '../../src/context-manager.js';
import { createPostgresStore, type PostgresStore } from '../../src/stores/postgres/index.js';
import { newMessages } from '../../src/testing/index.js';
import type { NewMessage } from '../../src/types.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lc_bench_${process.pid}`;
const scope = { tenantId: 'bench', userId: 'u1' };
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10, ...(process.env.BENCH_PG_OPTIONS ? { options: process.env.BENCH_PG_OPTIONS } : {}) });

const WORDS = ['budget', 'token', 'window', 'summary', 'memory', 'recall', 'tenant', 'stream', 'vector', 'index', 'model', 'prompt', 'answer', 'question', 'context', 'history'];
/** ~35 tokens of filler; every 10,000th message (and message 50) mentions a rare topic that recall can find. */
function sentence(index: number): string {
  const filler = Array.from({ length: 30 }, (_, offset) => WORDS[(index * 7 + offset * 3) % WORDS.length]).join(' ');
  return index % 10_000 === 50 ? `${filler} about the zebrafish aquarium` : `${filler} #${index}`;
}

async function prepared(count: number, prefix: string): Promise<NewMessage[]> {
  const out: NewMessage[] = [];
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    out.push(
      ...(await newMessages(
        Array.from({ length: size }, (_, offset) => ({ id: `${prefix}-${start + offset}`, role: (start + offset) % 2 ? ('assistant' as const) : ('user' as const), content: sentence(start + offset) })),
      )),
    );
  }
  return out;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, index * size + size));
}

async function inParallel<T>(items: readonly T[], workers: number, work: (item: T, worker: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (next < items.length) await work(items[next++]!, worker);
    }),
  );
}

const rawInsert = (table: string) => `INSERT INTO ${table} (tenant_id, conversation_id, seq, id, role, name, content, metadata, tags, token_counts, primary_tokens, content_hash, created_at)
  SELECT $1, $2, s, i, r, NULL, c::jsonb, '{}'::jsonb, '{}'::text[], t::jsonb, p, h, now()
  FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(s, i, r, c, t, p, h)`;

let rawSeq = 0;
async function rawBatch(table: string, batch: readonly NewMessage[]): Promise<void> {
  await pool.query(rawInsert(table), [
    'bench',
    'raw',
    batch.map(() => ++rawSeq),
    batch.map((message) => message.id),
    batch.map((message) => message.role),
    batch.map((message) => JSON.stringify(message.content)),
    batch.map((message) => JSON.stringify(message.tokenCounts)),
    batch.map((message) => Object.values(message.tokenCounts)[0] ?? 0),
    batch.map((message) => message.contentHash),
  ]);
}

async function measureAppend(store: PostgresStore, batchSize: number, workers: number, total: number): Promise<{ store: number; raw: number }> {
  const label = `b${batchSize}w${workers}`;
  const messages = await prepared(total, label);
  const rawMessages = await prepared(total, `raw-${label}`);
  // Each client appends to its own conversation (appends to one conversation are serialised by design).
  for (let worker = 0; worker < workers; worker += 1) await store.createConversation(scope, { id: `${label}-${worker}` });
  const append = (batch: NewMessage[], worker: number) => store.appendMessages(scope, `${label}-${worker}`, batch);
  const rawTable = `"${schema}".raw_messages`;
  // Warm up both paths (connections, plans) first.
  await inParallel(chunk(messages.slice(0, 100), batchSize), workers, append);
  await inParallel(chunk(rawMessages.slice(0, 100), batchSize), workers, (batch) => rawBatch(rawTable, batch));
  // Ten alternating rounds (store, raw, raw, store, …) so load drift on a shared machine hits both alike.
  const storeBatches = chunk(messages.slice(100), batchSize);
  const rawBatches = chunk(rawMessages.slice(100), batchSize);
  const rounds = 10;
  const perRound = Math.ceil(storeBatches.length / rounds);
  let storeSeconds = 0;
  let rawSeconds = 0;
  const runStore = async (round: number) => {
    const start = performance.now();
    await inParallel(storeBatches.slice(round * perRound, (round + 1) * perRound), workers, append);
    storeSeconds += (performance.now() - start) / 1000;
  };
  const runRaw = async (round: number) => {
    const start = performance.now();
    await inParallel(rawBatches.slice(round * perRound, (round + 1) * perRound), workers, (batch) => rawBatch(rawTable, batch));
    rawSeconds += (performance.now() - start) / 1000;
  };
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      await runStore(round);
      await runRaw(round);
    } else {
      await runRaw(round);
      await runStore(round);
    }
  }
  return { store: (total - 100) / storeSeconds, raw: (total - 100) / rawSeconds };
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function main(): Promise<void> {
  const store = await createPostgresStore({ client: pool, schema });
  await store.migrate();
  await pool.query(`CREATE TABLE "${schema}".raw_messages (LIKE "${schema}".llmctx_messages INCLUDING ALL)`);

  const appendRows: string[] = [];
  for (const [batchSize, workers, total] of [
    [1, 1, 1100],
    [20, 1, 10100],
    [1, 8, 2100],
    [20, 8, 20100],
  ] as const) {
    const result = await measureAppend(store, batchSize, workers, total);
    appendRows.push(`| ${batchSize} | ${workers} | ${Math.round(result.store)} | ${Math.round(result.raw)} | ${(result.store / result.raw).toFixed(2)}× |`);
  }
  console.log('\n### Append throughput (messages/s)\n');
  console.log('| batch | clients | store.appendMessages | raw pg batched INSERT | ratio |\n|---|---|---|---|---|');
  console.log(appendRows.join('\n'));

  const manager = new ContextManager({ store });
  const budget = { maxTokens: 2000, reserveOutput: 0 };
  const sizes = [100, 10_000, 100_000];
  for (const size of sizes) {
    await store.createConversation(scope, { id: `assemble-${size}` });
    const messages = await prepared(size, `assemble-${size}`);
    for (const batch of chunk(messages, 1000)) await store.appendMessages(scope, `assemble-${size}`, batch);
  }
  await pool.query(`VACUUM ANALYZE "${schema}".llmctx_messages`);
  await pool.query(`VACUUM ANALYZE "${schema}".llmctx_conversations`);
  // The window is full in every case (100 messages ≈ 3,500 tokens > the 2,000-token budget).
  const operations = {
    tail: (id: string) => store.getTail(scope, id, { maxTokens: budget.maxTokens, encoding: 'o200k_base' }),
    plain: (id: string) => manager.assemble(id, { scope, budget, shares: { memories: 0, summary: 0, recall: 0 } }),
    recall: (id: string) => manager.assemble(id, { scope, budget, query: 'what did we say about the zebrafish?' }),
  };
  type Operation = keyof typeof operations;
  const samples = new Map<string, number[]>();
  for (const size of sizes) for (const operation of Object.keys(operations)) for (let index = 0; index < 20; index += 1) await operations[operation as Operation](`assemble-${size}`);
  // Rounds cycle through the sizes so load drift on a shared machine hits every size alike.
  for (let round = 0; round < 20; round += 1) {
    for (const size of sizes) {
      for (const operation of Object.keys(operations) as Operation[]) {
        for (let index = 0; index < 15; index += 1) {
          const start = performance.now();
          await operations[operation](`assemble-${size}`);
          const key = `${operation}:${size}`;
          samples.set(key, [...(samples.get(key) ?? []), performance.now() - start]);
        }
      }
    }
  }
  const stats = (key: string) => {
    const sorted = [...samples.get(key)!].sort((a, b) => a - b);
    return { median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
  };
  const latencyRows = sizes.map((size) => {
    const cells = (Object.keys(operations) as Operation[]).map((operation) => {
      const current = stats(`${operation}:${size}`);
      const base = stats(`${operation}:100`);
      return `${current.median.toFixed(2)} / ${current.p95.toFixed(2)} (${(current.median / base.median).toFixed(2)}×)`;
    });
    return `| ${size.toLocaleString('en-US')} | ${cells.join(' | ')} |`;
  });
  console.log('\n### Assembly latency, ms: median / p95 (median vs 100 messages); budget 2,000 tokens, 300 samples each\n');
  console.log('| messages stored | store.getTail | assemble (window only) | assemble (+ lexical recall) |\n|---|---|---|---|');
  console.log(latencyRows.join('\n'));
}

try {
  await main();
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pool.end();
}
