/**
 * Assembly tail-read latency of the Redis store against two baselines measured in the same run:
 * - the floor: a raw `ioredis` `LRANGE key -100 -1` of the last 100 items of a list holding the
 *   same messages as JSON (no token budget, no scoping, nothing parsed);
 * - the LangChain pattern: `RedisChatMessageHistory.getMessages()` (`@langchain/redis`, which uses
 *   node-redis) followed by `trimMessages` to a 4,000-token budget with a js-tiktoken counter.
 *
 * Ours: `store.getTail({ maxTokens: 4000 })` — one round trip that reads the newest messages up to
 * the budget using the stored per-message token counts (≈ 100 messages of ≈ 40 tokens here); and
 * the whole `ContextManager.assemble` (4,000-token budget) on the same store, which adds the summary
 * read, lexical recall over the bounded window older than the tail, and the exact report.
 *
 * Run: `npx tsx bench/redis/assembly-latency.ts` (REDIS_URL, default redis://127.0.0.1:6379).
 * Options: `--sizes 100,10000,100000` `--iterations 200` `--langchain-iterations 3`
 * `--langchain-max 10000` (LangChain is skipped above this size: it reads the whole history per call).
 * Prints a markdown table; keys live under a unique prefix and are removed with SCAN + UNLINK.
 */
import { mapChatMessagesToStoredMessages, AIMessage, HumanMessage, trimMessages, type BaseMessage } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { Redis } from 'ioredis';
import { getEncoding } from 'js-tiktoken';
import { ContextManager } from '../../src/context-manager.js';
import { prepareMessages } from '../../src/messages/prepare.js';
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { getTokenizer } from '../../src/tokens/index.js';
import type { MessageInput, Scope } from '../../src/types.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BUDGET = 4000;
const scope: Scope = { tenantId: 'bench', userId: 'u1' };

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

const sizes = argument('sizes', '100,10000,100000').split(',').map(Number);
const iterations = Number(argument('iterations', '200'));
const langchainIterations = Number(argument('langchain-iterations', '3'));
const langchainMax = Number(argument('langchain-max', '10000'));

const WORDS = 'the a customer asked about an order shipping refund invoice account password reset delivery window warehouse tracking number support agent replied with details and next steps today tomorrow please thanks'.split(' ');

/** Deterministic chat turns of 25–45 words (≈ 30–55 tokens). */
function turn(index: number): MessageInput {
  let seed = index * 2654435761;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const length = 25 + Math.floor(random() * 20);
  const words = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  return { id: `m${index}`, role: index % 2 === 0 ? 'user' : 'assistant', content: `${index}: ${words.join(' ')}.` };
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))]!;
  return { median: at(0.5), p95: at(0.95) };
}

async function time(count: number, run: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(3));

async function main(): Promise<void> {
  const prefix = `llmctx:bench:${Date.now().toString(36)}:`;
  const ioredis = new Redis(REDIS_URL);
  // LangChain's history makes its own node-redis client from `config` (we do not import `redis`).
  const histories: RedisChatMessageHistory[] = [];
  const store = createRedisStore({ client: ioredis as unknown as RedisClientLike, keyPrefix: prefix });
  const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
  const manager = new ContextManager({ store, tokenizer });
  const tiktoken = getEncoding('o200k_base');
  // LangChain's pattern: count each message's text with a tiktoken encoder (+3 framing tokens).
  // `trimMessages` calls the counter on ever shorter prefixes (O(n²) messages counted), so the
  // counter memoizes per message object, as any practical use must: without it one call at
  // 1,000 messages took 43 s here. Each call still encodes every message once (fresh objects).
  const counted = new WeakMap<BaseMessage, number>();
  const countOne = (message: BaseMessage) => {
    let count = counted.get(message);
    if (count === undefined) {
      count = tiktoken.encode(typeof message.content === 'string' ? message.content : JSON.stringify(message.content)).length + 3;
      counted.set(message, count);
    }
    return count;
  };
  const tokenCounter = (messages: BaseMessage[]) => messages.reduce((sum, message) => sum + countOne(message), 0);

  const rows: string[] = [];
  try {
    interface Setup {
      size: number;
      tail: () => Promise<{ messages: readonly unknown[] }>;
      assemble: () => Promise<unknown>;
      floor: () => Promise<string[]>;
      floorParsed: () => Promise<unknown[]>;
      langchain: () => Promise<BaseMessage[]>;
      cleanup: () => Promise<unknown>;
    }
    const setups: Setup[] = [];
    for (const size of sizes) {
      const inputs = Array.from({ length: size }, (_, index) => turn(index));
      const conversationId = `c${size}`;
      await store.createConversation(scope, { id: conversationId });
      for (let start = 0; start < size; start += 1000) {
        await store.appendMessages(scope, conversationId, await prepareMessages(inputs.slice(start, start + 1000), { tokenizer }));
      }
      // The same messages as a plain list (floor) and as LangChain's stored messages (it LPUSHes, so newest first).
      const listKey = `${prefix}raw:${size}`;
      const sessionId = `${prefix}lc:${size}`;
      const stored = mapChatMessagesToStoredMessages(inputs.map((input) => (input.role === 'user' ? new HumanMessage(String(input.content)) : new AIMessage(String(input.content)))));
      for (let start = 0; start < size; start += 1000) {
        await ioredis.rpush(listKey, ...inputs.slice(start, start + 1000).map((input) => JSON.stringify(input)));
        await ioredis.lpush(sessionId, ...stored.slice(start, start + 1000).map((message) => JSON.stringify(message)));
      }
      const history = new RedisChatMessageHistory({ sessionId, config: { url: REDIS_URL } });
      histories.push(history);
      setups.push({
        size,
        tail: () => store.getTail(scope, conversationId, { maxTokens: BUDGET, encoding: 'o200k_base' }),
        assemble: () => manager.assemble(conversationId, { scope, budget: { maxTokens: BUDGET } }),
        floor: () => ioredis.lrange(listKey, -100, -1),
        floorParsed: async () => (await ioredis.lrange(listKey, -100, -1)).map((item) => JSON.parse(item) as unknown),
        langchain: async () => trimMessages(await history.getMessages(), { maxTokens: BUDGET, strategy: 'last', tokenCounter }),
        cleanup: () => ioredis.unlink(listKey, sessionId),
      });
      console.error(`populated: ${size} messages`);
    }
    // Rounds interleave every size and path, so background load on the machine hits them alike.
    const samples = new Map(setups.map((setup) => [setup.size, { ours: [] as number[], floor: [] as number[], parsed: [] as number[], assemble: [] as number[] }]));
    for (let round = -20; round < iterations; round += 1) {
      for (const setup of setups) {
        const ours = await time(1, setup.tail);
        const floor = await time(1, setup.floor);
        const parsed = await time(1, setup.floorParsed);
        const assembled = await time(1, setup.assemble);
        if (round < 0) continue; // warm-up: script cache, JIT
        const bucket = samples.get(setup.size)!;
        bucket.ours.push(...ours);
        bucket.floor.push(...floor);
        bucket.parsed.push(...parsed);
        bucket.assemble.push(...assembled);
      }
    }
    for (const setup of setups) {
      const bucket = samples.get(setup.size)!;
      const ours = stats(bucket.ours);
      const raw = stats(bucket.floor);
      const parsed = stats(bucket.parsed);
      const assembled = stats(bucket.assemble);
      const returned = (await setup.tail()).messages.length;
      let langchainCell = 'not run (reads the whole history per call)';
      let speedup = '—';
      if (setup.size <= langchainMax) {
        const trimmed = await setup.langchain();
        const lc = stats(await time(setup.size <= 1000 ? Math.max(langchainIterations, 20) : langchainIterations, setup.langchain));
        langchainCell = `${ms(lc.median)} / ${ms(lc.p95)} (${trimmed.length} msgs)`;
        speedup = `${Math.round(lc.median / ours.median).toLocaleString('en-US')}×`;
      }
      rows.push(
        `| ${setup.size.toLocaleString('en-US')} | ${ms(ours.median)} / ${ms(ours.p95)} (${returned} msgs) | ${ms(raw.median)} / ${ms(raw.p95)} | ${(ours.median / raw.median).toFixed(2)}× | ${ms(parsed.median)} / ${ms(parsed.p95)} | ${ms(assembled.median)} / ${ms(assembled.p95)} | ${langchainCell} | ${speedup} |`,
      );
      await setup.cleanup();
    }
    const smallest = samples.get(Math.min(...sizes));
    const largest = samples.get(Math.max(...sizes));
    console.log(`Assembly tail read, ${BUDGET}-token budget, ${iterations} interleaved rounds (LangChain: ${langchainIterations} calls at ≥ 10,000). Times in ms, median / p95.\n`);
    console.log('| messages in conversation | llm-context `getTail` | raw `LRANGE -100 -1` (floor) | ours ÷ floor | floor + `JSON.parse` | `ContextManager.assemble` | LangChain `getMessages` + `trimMessages` | LangChain ÷ ours |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
    if (smallest && largest) console.log(`\nFlatness: median at ${Math.max(...sizes).toLocaleString('en-US')} ÷ median at ${Math.min(...sizes).toLocaleString('en-US')} = ${(stats(largest.ours).median / stats(smallest.ours).median).toFixed(2)}×`);
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await ioredis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await ioredis.unlink(...keys);
    } while (cursor !== '0');
    ioredis.disconnect();
    await Promise.all(histories.map((history) => (history.client as { quit(): Promise<unknown> }).quit().catch(() => undefined)));
  }
}

await main();
