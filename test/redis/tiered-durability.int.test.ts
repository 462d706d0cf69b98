import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/spec/store.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { createTieredStore } from '../../src/stores/tiered/index.js';
import { newMessages } from '../../src/testing/index.js';
import type { Message, Scope } from '../../src/types.js';
import { checkServer, createPool, dropSchema, uniqueSchema } from '../postgres/server.js';
import { hasRedisBinaries } from './redis-cluster.js';
import { asClient } from './redis-test-env.js';

const PORT = 7010;
const scope: Scope = { tenantId: 'acme', userId: 'u1' };
const available = hasRedisBinaries();
const postgresReachable = available ? await checkServer() : false;

/** A redis-server with an fsync-always append-only file in a temp dir, killable and restartable by pid. */
function aofServer(directory: string) {
  let pid = 0;
  return {
    async start() {
      const child = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'yes', '--pidfile', join(directory, 'redis.pid'), '--logfile', join(directory, 'redis.log')], { stdio: 'ignore' });
      await new Promise((resolve) => child.on('exit', resolve));
      for (let attempt = 0; ; attempt += 1) {
        const reply = spawnSync('redis-cli', ['-p', String(PORT), 'ping'], { encoding: 'utf8' }).stdout.trim();
        if (reply === 'PONG') break;
        if (attempt > 200) throw new Error('the AOF redis-server did not start');
        await sleep(50);
      }
      pid = Number(readFileSync(join(directory, 'redis.pid'), 'utf8').trim());
    },
    /** SIGKILL: no shutdown hook, so only what was fsynced survives. */
    async kill() {
      process.kill(pid, 'SIGKILL');
      for (let attempt = 0; attempt < 100; attempt += 1) {
        try {
          process.kill(pid, 0);
          await sleep(20);
        } catch {
          return;
        }
      }
    },
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await sleep(100);
    },
  };
}

async function readAll(store: Store, conversationId: string): Promise<Message[]> {
  const messages: Message[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await store.listMessages(scope, conversationId, { order: 'asc', afterSeq, limit: 1000 });
    if (page.length === 0) return messages;
    messages.push(...page);
    afterSeq = page.at(-1)!.seq;
  }
}

describe.skipIf(!available && !process.env.CI)('tiered store across a Redis crash (AOF, appendfsync always)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llmctx-aof-'));
  const server = aofServer(directory);
  const schema = uniqueSchema('durability');
  let pool: pg.Pool | undefined;
  let client: Redis;

  beforeAll(async () => {
    await server.start();
    client = new Redis({ port: PORT, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    if (postgresReachable) pool = createPool(10);
  });
  afterAll(async () => {
    client?.disconnect();
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
    if (pool) {
      await dropSchema(pool, schema);
      await pool.end();
    }
  });

  it('should keep every acknowledged message when Redis is killed and restarted mid-run', async () => {
    let durable: Store;
    if (pool) {
      const postgres = await createPostgresStore({ client: pool, schema });
      await postgres.migrate();
      durable = postgres;
    } else {
      durable = createMemoryStore();
    }
    const hot = createRedisStore({ client: asClient(client), keyPrefix: 'llmctx:test:aof:' });
    const tiered = createTieredStore({ hot, durable, hotRetryAfterMs: 200 });
    const conversations = ['w0', 'w1', 'w2'];
    for (const id of conversations) await tiered.createConversation(scope, { id });
    const acknowledged = new Map<string, string[]>(conversations.map((id) => [id, []]));

    const write = async (id: string, from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const batch = await newMessages([{ id: `${id}-${index}`, role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index} of ${id}` }]);
        const result = await tiered.appendMessages(scope, id, batch);
        acknowledged.get(id)!.push(...result.messages.map((message) => message.id));
      }
    };

    // Phase 1: everything reaches both tiers; snapshot what the hot tier acknowledged.
    await Promise.all(conversations.map((id) => write(id, 0, 40)));
    const beforeCrash = new Map<string, Message[]>();
    for (const id of conversations) beforeCrash.set(id, await readAll(hot, id));
    expect(beforeCrash.get('w0')).toHaveLength(40);

    // Phase 2: writers keep going while the server is killed and started again.
    const writers = Promise.all(conversations.map((id) => write(id, 40, 140)));
    // Kill once phase 2 is under way (not after a fixed delay, which a fast machine could outrun).
    const acknowledgedCount = () => [...acknowledged.values()].reduce((sum, ids) => sum + ids.length, 0);
    while (acknowledgedCount() < 3 * 40 + 30) await sleep(1);
    expect(acknowledgedCount()).toBeLessThan(3 * 140);
    await server.kill();
    await sleep(300);
    await server.start();

    // Everything Redis acknowledged before the crash came back from the AOF.
    const checkClient = new Redis({ port: PORT, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    const check = createRedisStore({ client: asClient(checkClient), keyPrefix: 'llmctx:test:aof:' });
    for (const id of conversations) {
      const restored = new Map((await readAll(check, id)).map((message) => [message.seq, message]));
      // The tier may already have dropped a copy it could not keep in sync; a copy that is there holds every pre-crash message.
      if (restored.size > 0) for (const message of beforeCrash.get(id)!) expect(restored.get(message.seq)).toEqual(message);
    }
    await writers;
    await sleep(250);
    await tiered.settle();

    for (const id of conversations) {
      const ids = acknowledged.get(id)!;
      expect(ids).toHaveLength(140);
      expect((await readAll(durable, id)).map((message) => message.id)).toEqual(ids);
      expect((await readAll(tiered, id)).map((message) => message.id)).toEqual(ids);
      await tiered.settle();
      // Whatever the hot copy holds agrees with the durable store, seq for seq.
      const durableBySeq = new Map((await readAll(durable, id)).map((message) => [message.seq, message]));
      for (const message of await readAll(check, id)) expect(message).toEqual(durableBySeq.get(message.seq));
    }
    const health = tiered.health();
    expect(health.hotFailures).toBeGreaterThanOrEqual(1);
    expect(health.pendingInvalidations).toBe(0);
    // After recovery the hot tier answers again.
    const hitsBefore = health.hotHits;
    await tiered.getTail(scope, 'w0', { maxTokens: 50, encoding: 'o200k_base' });
    await tiered.settle();
    await tiered.getTail(scope, 'w0', { maxTokens: 50, encoding: 'o200k_base' });
    expect(tiered.health().hotHits).toBeGreaterThan(hitsBefore);
    expect(tiered.health().hot).toBe('up');
    checkClient.disconnect();
  }, 120_000);
});
