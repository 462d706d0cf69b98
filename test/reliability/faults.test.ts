import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { LLMContextError } from '../../src/errors.js';
import { createRecallSource, createSummarySource } from '../../src/assemble/sections/index.js';
import type { Embedder } from '../../src/search/index.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import type { Summarizer } from '../../src/summarize/index.js';
import { newMessages, textTurns } from '../../src/testing/index.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import type { Message } from '../../src/types.js';
import { createPool, DATABASE_URL, dropSchema, uniqueSchema } from '../postgres/server.js';
import { asClient } from '../redis/redis-test-env.js';
import { hasRedisBinaries, privateRedis } from './redis-server.js';
import { servers } from './stores.js';

const scope = { tenantId: 'faults', userId: 'u1' };
const schemas = new WeakMap<object, string>();
const schemaOf = async (store: object) => schemas.get(store)!;
const redisBinaries = hasRedisBinaries();
if (process.env.CI && !redisBinaries) throw new Error('redis-server is not installed on CI (the fault tests start their own servers)');

async function readAll(store: { listMessages: ContextManager['store']['listMessages'] }, conversationId: string): Promise<Message[]> {
  return store.listMessages(scope, conversationId, { order: 'asc', limit: 1000 });
}

describe.skipIf(!servers.postgres)('Postgres connection killed mid-transaction', () => {
  const admin = createPool(2);
  afterAll(() => admin.end());

  /**
   * A pool whose checked-out connections can be made to die (pg_terminate_backend from another
   * connection) right before a chosen statement of the next transaction.
   */
  function killablePool(pool: pg.Pool) {
    let armed: RegExp | undefined;
    let kills = 0;
    const wrapped = {
      query: (config: pg.QueryConfig) => pool.query(config),
      connect: async () => {
        // No 'error' listener here on purpose: the store's executor must attach its own while it holds
        // the connection, or the killed backend's unhandled 'error' event crashes the process.
        const client = await pool.connect();
        return {
          query: async (config: pg.QueryConfig) => {
            if (armed && armed.test(config.text)) {
              armed = undefined;
              kills += 1;
              await admin.query('SELECT pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
              // The termination arrives while the store holds the connection between statements.
              await sleep(50);
            }
            return client.query(config);
          },
          release: (error?: Error | boolean) => client.release(error),
          // Forwarded so the store can listen for a connection dying while it holds it.
          on: (event: 'error', listener: (error: Error) => void) => client.on(event, listener),
          off: (event: 'error', listener: (error: Error) => void) => client.off(event, listener),
          processID: (client as unknown as { processID: number }).processID,
        };
      },
    };
    return { wrapped, arm: (pattern: RegExp) => (armed = pattern), kills: () => kills };
  }

  async function withStore(run: (context: { store: Awaited<ReturnType<typeof createPostgresStore>>; killable: ReturnType<typeof killablePool>; applicationName: string }) => Promise<void>): Promise<void> {
    const applicationName = `llmctx_kill_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, application_name: applicationName });
    pool.on('error', () => undefined);
    const schema = uniqueSchema('rel_kill');
    try {
      const killable = killablePool(pool);
      const store = await createPostgresStore({ client: killable.wrapped, schema });
      schemas.set(store, schema);
      await store.migrate();
      await store.createConversation(scope, { id: 'c' });
      await store.appendMessages(scope, 'c', await newMessages(textTurns(3, 'before')));
      await run({ store, killable, applicationName });
    } finally {
      await dropSchema(admin, schema);
      await pool.end();
    }
  }

  async function expectNoPartialWriteThenRetry(store: Awaited<ReturnType<typeof createPostgresStore>>, failure: unknown, batch: Awaited<ReturnType<typeof newMessages>>, options: { dedupeByContentHash?: boolean } = {}): Promise<void> {
    expect(LLMContextError.isInstance(failure), `untyped: ${String(failure)}`).toBe(true);
    expect((failure as LLMContextError).code).toBe('store_unavailable');
    expect((failure as LLMContextError).retryable).toBe(true);
    const afterFailure = await store.getConversation(scope, 'c');
    expect(afterFailure?.messageCount).toBe(3);
    expect(afterFailure?.lastSeq).toBe(3);
    expect((await readAll(store, 'c')).map((message) => message.id)).toEqual(['before-0', 'before-1', 'before-2']);
    const retried = await store.appendMessages(scope, 'c', batch, options);
    expect(retried.inserted).toBe(batch.length);
    expect((await readAll(store, 'c')).map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  }

  for (const [label, pattern] of [
    ['after the row lock, before the append statement', /^\s*WITH/i],
    ['after the append statement, before COMMIT', /^COMMIT$/],
  ] as const) {
    it(`should leave no partial write, throw a typed retryable error and succeed on retry when killed ${label} (locked path)`, async () => {
      await withStore(async ({ store, killable }) => {
        const batch = await newMessages(textTurns(5, 'batch'));
        killable.arm(pattern);
        const failure = await store.appendMessages(scope, 'c', batch, { dedupeByContentHash: true }).then(() => undefined, (error: unknown) => error);
        expect(killable.kills()).toBe(1);
        await expectNoPartialWriteThenRetry(store, failure, batch, { dedupeByContentHash: true });
      });
    });
  }

  it('should leave no partial write when the single-statement append is killed while it runs (fast path)', async () => {
    await withStore(async ({ store, applicationName }) => {
      const batch = await newMessages(textTurns(5, 'batch'));
      // Hold the conversation row so the append statement blocks mid-flight, then kill its backend.
      const holder = await admin.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM "${(await schemaOf(store))}".llmctx_conversations WHERE id = 'c' FOR UPDATE`);
        const pending = store.appendMessages(scope, 'c', batch).then(() => undefined, (error: unknown) => error);
        let killed = 0;
        for (let attempt = 0; attempt < 100 && killed === 0; attempt += 1) {
          await sleep(20);
          const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]);
          killed = rows.filter((row: { killed: boolean }) => row.killed).length;
        }
        expect(killed).toBe(1);
        await holder.query('ROLLBACK');
        await expectNoPartialWriteThenRetry(store, await pending, batch);
      } finally {
        holder.release();
      }
    });
  });
});

describe.skipIf(!servers.redis || !redisBinaries)('Redis restarted mid-run (AOF, appendfsync always)', () => {
  it('should lose no acknowledged message when the server is SIGKILLed and restarted during appends', async () => {
    const server = privateRedis(7031);
    await server.start();
    const client = new Redis(server.url, { maxRetriesPerRequest: 2, retryStrategy: (times) => Math.min(times * 50, 300) });
    client.on('error', () => undefined);
    try {
      const store = createRedisStore({ client: asClient(client), keyPrefix: 'aof:' });
      await store.createConversation(scope, { id: 'c' });
      const acknowledged: string[] = [];
      const failures: unknown[] = [];
      const total = 300;
      let next = 0;
      const writers = Array.from({ length: 4 }, async () => {
        while (next < total) {
          const index = next++;
          if (index === 120) {
            await server.kill();
            await sleep(300);
            await server.start();
          }
          const messages = await newMessages([{ id: `m-${index}`, role: 'user', content: `message ${index}` }]);
          try {
            await store.appendMessages(scope, 'c', messages);
            acknowledged.push(`m-${index}`);
          } catch (error) {
            failures.push(error);
          }
        }
      });
      await Promise.all(writers);
      for (const failure of failures) expect(LLMContextError.isInstance(failure), `untyped ${String(failure)}`).toBe(true);
      const stored = await readAll(store, 'c');
      const storedIds = new Set(stored.map((message) => message.id));
      const lost = acknowledged.filter((id) => !storedIds.has(id));
      expect(lost, 'acknowledged messages lost across the restart').toEqual([]);
      expect(stored.map((message) => message.seq)).toEqual(stored.map((_, index) => index + 1));
      console.log(`redis AOF restart: ${acknowledged.length} acknowledged, ${failures.length} failed typed during the outage, ${stored.length} stored, 0 acknowledged lost`);
    } finally {
      client.disconnect();
      await server.destroy();
    }
  });
});

describe.skipIf(!servers.postgres || !servers.redis || !redisBinaries)('Redis down under the tiered store', () => {
  it('should keep reading and writing on Postgres while Redis is down and serve fresh data after it returns', async () => {
    const server = privateRedis(7032);
    await server.start();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200, connectTimeout: 500 });
    client.on('error', () => undefined);
    const pool = createPool(4);
    const schema = uniqueSchema('rel_tier');
    try {
      const durable = await createPostgresStore({ client: pool, schema });
      await durable.migrate();
      const hot = createRedisStore({ client: asClient(client), keyPrefix: 'tier:' });
      const store = createTieredStore({ hot, durable, hotRetryAfterMs: 200 });
      const manager = new ContextManager({ store });
      const turns = (from: number, count: number) => textTurns(count, 'x').map((turn, index) => ({ ...turn, id: `t-${from + index}`, content: `turn ${from + index}` }));
      await manager.append('c', turns(0, 10), { scope });
      expect((await manager.assemble('c', { scope, budget: { maxTokens: 4000 } })).messages.length).toBe(10);

      await server.kill();
      await manager.append('c', turns(10, 10), { scope });
      const during = await manager.assemble('c', { scope, budget: { maxTokens: 4000 } });
      expect(during.messages.map((message) => message.id)).toEqual(turns(0, 20).map((turn) => turn.id));
      expect(store.health().hot).toBe('down');

      await server.start();
      await sleep(500);
      await manager.append('c', turns(20, 10), { scope });
      await store.settle();
      const after = await manager.assemble('c', { scope, budget: { maxTokens: 4000 } });
      expect(after.messages.map((message) => message.id), 'stale hot copy served after Redis returned').toEqual(turns(0, 30).map((turn) => turn.id));
      expect((await readAll(store, 'c')).length).toBe(30);
      console.log(`tiered with Redis down: health ${JSON.stringify(store.health())}`);
    } finally {
      client.disconnect();
      await server.destroy();
      await dropSchema(pool, schema);
      await pool.end();
    }
  });
});

describe('summarizer and embedder faults', () => {
  const throwing = async (): Promise<never> => {
    throw new Error('model exploded with SECRET-PROMPT');
  };
  const hanging = () => new Promise<never>(() => undefined);
  const summarizers: Record<string, Summarizer> = {
    throws: { summarize: throwing },
    hangs: { summarize: hanging },
    'returns garbage': { summarize: async () => ({ text: 42 }) as unknown as { text: string } },
    'returns a huge text': { summarize: async () => ({ text: 'blah '.repeat(50_000) }) },
  };
  const embedders: Record<string, Embedder> = {
    throws: { modelId: 'bad', dimensions: 8, embed: throwing },
    hangs: { modelId: 'bad', dimensions: 8, embed: hanging },
    'returns garbage': { modelId: 'bad', dimensions: 8, embed: async () => [[Number.NaN, 'x']] as unknown as number[][] },
    'returns the wrong count': { modelId: 'bad', dimensions: 8, embed: async () => [] },
  };

  async function seeded(manager: ContextManager): Promise<Message[]> {
    await manager.append('long', textTurns(400, 'h', (index) => `turn ${index} about invoices, refunds and the delivery window of order ${index}`), { scope });
    return readAll(manager.store, 'long').then(() => manager.listMessages('long', { scope, limit: 1000 }));
  }

  for (const [behaviour, summarizer] of Object.entries(summarizers)) {
    it(`should answer with plain trimming and say why when the summarizer ${behaviour}`, async () => {
      const manager = new ContextManager({ store: createMemoryStore(), sources: { summary: createSummarySource({ summarizer, thresholdTokens: 100, timeoutMs: 300 }) } });
      const before = await seeded(manager);
      const started = Date.now();
      const { messages, report } = await manager.assemble('long', { scope, budget: { maxTokens: 2000 } });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(messages.length).toBeGreaterThan(5);
      expect(messages.at(-1)!.id).toBe(before.at(-1)!.id);
      expect(report.totalTokens).toBeLessThanOrEqual(2000);
      expect(report.notes.join(' ')).toMatch(/summar/i);
      expect(report.notes.join(' ')).not.toContain('SECRET-PROMPT');
      expect(await manager.listMessages('long', { scope, limit: 1000 })).toEqual(before);
      const summary = await manager.store.getSummary(scope, 'long');
      if (summary) expect(typeof summary.text === 'string' && summary.tokenCount <= 2000).toBe(true);
    });
  }

  for (const [behaviour, embedder] of Object.entries(embedders)) {
    it(`should answer with plain trimming and say why when the embedder ${behaviour}`, async () => {
      const manager = new ContextManager({ store: createMemoryStore(), sources: { recall: createRecallSource({ embedder }) }, sourceTimeoutMs: 1000 });
      const before = await seeded(manager);
      const started = Date.now();
      const result = await Promise.race([
        manager.assemble('long', { scope, budget: { maxTokens: 2000 }, query: 'refunds for order 12' }),
        sleep(15_000).then(() => 'hung' as const),
      ]);
      expect(result, 'assemble hung on the embedder').not.toBe('hung');
      if (result === 'hung') return;
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(result.messages.length).toBeGreaterThan(5);
      expect(result.report.totalTokens).toBeLessThanOrEqual(2000);
      expect(result.report.notes.join(' ')).toMatch(/recall|embed/i);
      expect(await manager.listMessages('long', { scope, limit: 1000 })).toEqual(before);
    }, 30_000);
  }
});
