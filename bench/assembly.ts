/**
 * Assembly vs history length: `ContextManager.assemble` with a 4,000-token budget over
 * conversations of 100 … 100,000 corpus messages (≈ 60 tokens each, tool-call groups every 10),
 * on every reachable store, against baselines measured in the same run:
 * - the raw driver floor: `pg` `SELECT … ORDER BY seq DESC LIMIT 100` over the store's own
 *   messages table (PGlite/Postgres), `ioredis` `LRANGE -100 -1` of a plain list of the same messages;
 *   for Redis also the floor plus `JSON.parse` of each item (the pg driver already parses `jsonb`);
 * - the LangChain pattern: `PostgresChatMessageHistory` / `RedisChatMessageHistory`
 *   `getMessages()` + `trimMessages({ strategy: "last", maxTokens: 4000, startOn: "human",
 *   includeSystem: true, tokenCounter: js-tiktoken })`. It reads the whole history per call, so
 *   it runs with few iterations (3 at 10,000) and not at 100,000.
 */
import { PostgresChatMessageHistory } from '@langchain/community/stores/message/postgres';
import { AIMessage, HumanMessage, ToolMessage, trimMessages, type BaseMessage, mapChatMessagesToStoredMessages } from '@langchain/core/messages';
import { RedisChatMessageHistory } from '@langchain/redis';
import { getEncoding } from 'js-tiktoken';
import { createClient } from 'redis';
import { ContextManager } from '../src/context-manager.js';
import type { MessageInput } from '../src/types.js';
import { REDIS_URL, type Backend, type BackendName } from './lib/backends.js';
import { corpusInputs } from './lib/dataset.js';
import { conversationOf, scopeOf, seededBackend, TENANT } from './lib/seeded.js';
import { compare, formatMs, formatRatio, summarize, timeRuns, type Summary } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

const BUDGET = 4000;

export interface AssemblyOptions {
  readonly quick: boolean;
  readonly backends: readonly BackendName[];
}

/** LangChain messages for the corpus (tool calls as `AIMessage.tool_calls` + `ToolMessage`). */
function toLangChain(input: MessageInput): BaseMessage {
  if (typeof input.content === 'string') return input.role === 'user' ? new HumanMessage(input.content) : new AIMessage(input.content);
  const part = input.content[0]!;
  if (part.type === 'tool-call') return new AIMessage({ content: '', tool_calls: [{ id: part.toolCallId, name: part.toolName, args: part.input as Record<string, unknown> }] });
  if (part.type === 'tool-result') return new ToolMessage({ content: JSON.stringify(part.output), tool_call_id: part.toolCallId });
  throw new Error('unexpected corpus part');
}

/**
 * LangChain's documented counter: js-tiktoken per message text, plus 3 tokens of framing,
 * memoized per message object. `trimMessages` calls the counter on ever shorter prefixes (one
 * call per dropped message), so without the memo it re-tokenizes the history O(n²) times (over
 * 50 s per call at 1,000 messages here); with it each call tokenizes every message once.
 */
function createTokenCounter() {
  const encoding = getEncoding('o200k_base');
  const memo = new WeakMap<BaseMessage, number>();
  const countOne = (message: BaseMessage) => {
    let count = memo.get(message);
    if (count === undefined) {
      const text = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
      const calls = 'tool_calls' in message && Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? JSON.stringify(message.tool_calls) : '';
      count = encoding.encode(text + calls).length + 3;
      memo.set(message, count);
    }
    return count;
  };
  return (messages: BaseMessage[]) => messages.reduce((sum, message) => sum + countOne(message), 0);
}

interface LangChainPattern {
  run(): Promise<BaseMessage[]>;
  cleanup(): Promise<void>;
}

async function langChainPattern(backend: Backend, size: number): Promise<LangChainPattern | undefined> {
  const stored = mapChatMessagesToStoredMessages(corpusInputs(size).map(toLangChain));
  const tokenCounter = createTokenCounter();
  const trim = (messages: BaseMessage[]) => trimMessages(messages, { strategy: 'last', maxTokens: BUDGET, tokenCounter, startOn: 'human', includeSystem: true });
  if (backend.name === 'postgres' && backend.pool) {
    const table = `"${backend.schema}".langchain_chat_histories`;
    const history = new PostgresChatMessageHistory({ pool: backend.pool, sessionId: `lc-${size}`, tableName: table });
    await history.getMessages(); // creates the table
    // Bulk seed in LangChain's row format ({ ...data, type }), 1,000 rows per INSERT.
    for (let start = 0; start < size; start += 1000) {
      const rows = stored.slice(start, start + 1000).map(({ type, data }) => JSON.stringify({ ...data, type }));
      await backend.pool.query(`INSERT INTO ${table} (session_id, message) SELECT $1, m::jsonb FROM unnest($2::text[]) AS u(m)`, [`lc-${size}`, rows]);
    }
    return { run: async () => trim(await history.getMessages()), cleanup: () => history.clear() };
  }
  if (backend.name === 'redis') {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const sessionId = `${backend.keyPrefix}lc:${size}`;
    // RedisChatMessageHistory LPUSHes (newest first) and reverses on read; seed the same way.
    for (let start = 0; start < size; start += 1000) await client.lPush(sessionId, stored.slice(start, start + 1000).map((message) => JSON.stringify(message)));
    const history = new RedisChatMessageHistory({ sessionId, client: client as never });
    return {
      run: async () => trim(await history.getMessages()),
      cleanup: async () => {
        await client.del(sessionId);
        await client.quit();
      },
    };
  }
  return undefined;
}

export async function runAssemblyBench(options: AssemblyOptions): Promise<string> {
  const sizes = options.quick ? [100, 1000] : [100, 1000, 10_000, 100_000];
  // Medians of 200 interleaved samples moved by ±15% from run to run on this 2-core machine; of 1,000,
  // by a few percent.
  const iterations = options.quick ? 20 : 1000;
  // Steady state, as a long-running server sees it: the assembly pipeline is many functions that V8
  // optimizes only after some hundred calls, while the floor is one driver call (with 100 warm-up
  // calls the first size measured still ran partly unoptimized: Redis 2.4× at 100 messages against
  // 1.9× at 10,000 in the same run; 1.7× and 2.0× after 1,000).
  const warmup = options.quick ? 10 : 1000;
  const langChainMax = 10_000;
  const rows: string[][] = [];
  const flatness: string[][] = [];
  const noRecall: string[][] = [];
  for (const name of options.backends) {
    const perSize = new Map<number, Summary>();
    for (const size of sizes) {
      const backend = await seededBackend(name, size);
      const manager = new ContextManager({ store: backend.store });
      const scope = scopeOf(size);
      const conversationId = conversationOf(size);
      const assemble = () => manager.assemble(conversationId, { scope, budget: { maxTokens: BUDGET } });
      // The first call finds the seeded history unsummarized and folds it in the background;
      // the timed calls measure the steady state (summary caught up, nothing new to fold).
      await assemble();
      const settleStarted = performance.now();
      await manager.settled();
      progress(`assembly ${name} ${size}: summary backlog folded in ${((performance.now() - settleStarted) / 1000).toFixed(1)} s`);
      const check = await assemble();
      const contenders: Record<string, () => Promise<unknown>> = { ours: assemble };
      if (backend.rawTail) contenders.floor = () => backend.rawTail!(TENANT, conversationId);
      if (backend.rawTailDecoded) contenders.floorDecoded = () => backend.rawTailDecoded!(TENANT, conversationId);
      // DynamoDB has no full-text index: recall's lexical search reads a bounded window per call.
      // The same assembly without recall shows what the context read itself costs.
      if (name === 'dynamodb') contenders.noRecall = () => manager.assemble(conversationId, { scope, budget: { maxTokens: BUDGET }, shares: { recall: 0 } });
      const results = await compare({ iterations, warmup, contenders });
      const ours = results.ours!;
      perSize.set(size, ours);
      let langChainCell = '—';
      let speedup = '—';
      if (size <= langChainMax && (name === 'postgres' || name === 'redis')) {
        const pattern = await langChainPattern(backend, size);
        if (pattern) {
          const trimmed = await pattern.run();
          const runs = size >= 10_000 ? 3 : 10;
          const langChain = summarize(await timeRuns(runs, pattern.run));
          langChainCell = `${formatMs(langChain.median)} / ${formatMs(langChain.p95)} (${runs} runs, ${trimmed.length} msgs)`;
          speedup = formatRatio(langChain.median / ours.median);
          await pattern.cleanup();
        }
      } else if (size > langChainMax && (name === 'postgres' || name === 'redis')) {
        langChainCell = 'not run (reads all history per call)';
      }
      const floor = results.floor;
      const decoded = results.floorDecoded;
      rows.push([
        name,
        size.toLocaleString('en-US'),
        `${formatMs(ours.median)} / ${formatMs(ours.p95)}`,
        `${check.messages.length} msgs, ${check.report.totalTokens} tok, ${check.report.reads.roundTrips} round trip${check.report.reads.roundTrips === 1 ? '' : 's'}`,
        floor ? `${formatMs(floor.median)} / ${formatMs(floor.p95)}` : '—',
        floor ? formatRatio(ours.median / floor.median) : '—',
        decoded ? `${formatMs(decoded.median)} (${formatRatio(ours.median / decoded.median)})` : '—',
        langChainCell,
        speedup,
      ]);
      if (results.noRecall && floor) noRecall.push([name, size.toLocaleString('en-US'), `${formatMs(results.noRecall.median)} / ${formatMs(results.noRecall.p95)}`, formatRatio(results.noRecall.median / floor.median)]);
      progress(`assembly ${name} ${size}: ${formatMs(ours.median)} ms median`);
    }
    const smallest = perSize.get(sizes[0]!)!;
    const largest = perSize.get(sizes.at(-1)!)!;
    flatness.push([name, `${formatMs(smallest.median)}`, `${formatMs(largest.median)}`, formatRatio(largest.median / smallest.median), largest.median / smallest.median <= 1.3 ? 'yes' : 'no']);
  }
  return [
    `### Assembly vs history length (${BUDGET}-token budget, ${iterations} interleaved iterations after ${warmup} warm-up calls of each; times in ms, median / p95)`,
    '',
    markdownTable(['store', 'messages', '`assemble`', 'assembled', 'raw floor (last 100)', 'ours ÷ floor', 'floor + JSON.parse (ours ÷ it)', 'LangChain getMessages + trimMessages', 'LangChain ÷ ours'], rows),
    '',
    `Flatness (median at ${sizes.at(-1)!.toLocaleString('en-US')} ÷ median at ${sizes[0]}; target ≤ 1.3×):`,
    '',
    markdownTable(['store', `ms at ${sizes[0]}`, `ms at ${sizes.at(-1)!.toLocaleString('en-US')}`, 'ratio', '≤ 1.3×'], flatness),
    ...(noRecall.length > 0
      ? ['', 'Without recall (`shares: { recall: 0 }`: no bounded lexical scan; the context read alone):', '', markdownTable(['store', 'messages', '`assemble`', 'ours ÷ floor'], noRecall)]
      : []),
  ].join('\n');
}
