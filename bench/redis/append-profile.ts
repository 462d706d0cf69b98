/**
 * `npx tsx bench/redis/append-profile.ts [--rounds N] [--messages N] [--config b20w1] [--baseline DIR] [--no-profile]`
 *
 * Redis append throughput against the raw floor of `bench/append.ts` (one `RPUSH` of the batch's
 * JSON per batch), measured interleaved in one process: each round appends fresh messages with
 * every contender in rotated order, so a shared machine's load drift hits each alike. The four
 * configurations are the append table's: batches of 1 and 20, 1 and 16 writers, each writer its
 * own conversation. Reports per configuration the median over rounds of each contender's msg/s and
 * of its per-round ratio to raw.
 *
 * `--baseline DIR`: also runs the Redis store from another checkout's `src` (e.g. `git archive main
 * src | tar -x -C DIR` plus a `node_modules` link), as one more interleaved contender, so a change
 * is measured against the code before it in the same run.
 *
 * Then, unless `--no-profile`, at batch 1 and batch 20 with one writer: per append, wall time,
 * client CPU (`process.cpuUsage`, user + system), Redis CPU (`INFO cpu` deltas, all clients) and
 * the command's server time (`INFO commandstats` deltas; it says when other clients' calls were
 * mixed in) of each contender and of raw `RPUSH`, in rotated segments; and a sampled CPU profile
 * (node:inspector, 100 µs) of store appends alone, as µs per append by area (self time), inclusive
 * µs of the functions named below and the top self-time functions. On a loaded 2-core machine a
 * sample taken while Redis runs on our core lands in the write that woke it (`writeUtf8String`),
 * so trust the CPU columns over the profile's busy time.
 *
 * Bounded: rounds × messages per configuration (defaults 7 × 400 at batch 1, twice that at batch
 * 20), then 1,800 and 240 appends per contender for the costs; every key lives under one prefix,
 * removed at the end.
 */
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import type { Store } from '../../src/spec/store.js';
import { createRedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import type { NewMessage } from '../../src/types.js';
import { openBackend } from '../lib/backends.js';
import { preparedCorpus } from '../lib/dataset.js';
import { machineLine } from '../lib/machine.js';
import { chunk, formatRatio, inParallel, summarize, thousands } from '../lib/stats.js';
import { markdownTable, progress } from '../lib/table.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const ROUNDS = Number(argument('rounds') ?? 7);
const MESSAGES = Number(argument('messages') ?? 400);
const ONLY = argument('config');
const BASELINE = argument('baseline');
const PROFILE = !process.argv.includes('--no-profile');

async function main(): Promise<void> {
  const scope = { tenantId: 'bench-append', userId: 'u1' };
  const backend = await openBackend('redis', 'append-profile');
  const redis = backend.redis!;
  const prefix = backend.keyPrefix!;

  const contenders: Record<string, Store> = { store: backend.store };
  if (BASELINE) {
    const module = (await import(pathToFileURL(path.resolve(BASELINE, 'src/stores/redis/index.ts')).href)) as { createRedisStore: typeof createRedisStore };
    contenders.baseline = module.createRedisStore({ client: redis as unknown as RedisClientLike, keyPrefix: `${prefix}base:` });
  }
  const names = [...Object.keys(contenders), 'raw'];
  try {
    const corpus = await preparedCorpus(2 * MESSAGES);
    let fresh = 0;
    /** `count` corpus messages with ids never used before in this run. */
    const take = (count: number): NewMessage[] => {
      const tag = (fresh += 1);
      return Array.from({ length: count }, (_, index) => {
        const message = corpus[index % corpus.length]!;
        return { ...message, id: `${message.id}-${tag}-${index}` };
      });
    };

    type Write = (writer: number, batch: readonly NewMessage[]) => Promise<unknown>;

    async function rate(workers: number, batchSize: number, messages: NewMessage[], write: Write): Promise<number> {
      const perWriter = chunk(messages, Math.ceil(messages.length / workers)).map((share) => chunk(share, batchSize));
      const started = performance.now();
      await inParallel(perWriter, workers, async (batches, writer) => {
        for (const batch of batches) await write(writer, batch);
      });
      return messages.length / ((performance.now() - started) / 1000);
    }

    const configs = ([[1, 1], [1, 16], [20, 1], [20, 16]] as const).filter(([batch, workers]) => ONLY === undefined || ONLY === `b${batch}w${workers}`);

    console.log(machineLine());
    console.log(`load average at start: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}; ${ROUNDS} rounds; contenders ${names.join(', ')}`);
    const rows: string[][] = [];
    for (const [batchSize, workers] of configs) {
      const label = `b${batchSize}w${workers}`;
      const count = batchSize === 1 ? MESSAGES : 2 * MESSAGES;
      const writes: Record<string, Write> = { raw: (writer, batch) => redis.rpush(`${prefix}raw-append:${label}:${writer}`, ...batch.map((message) => JSON.stringify(message))) };
      for (const [name, store] of Object.entries(contenders)) {
        for (let writer = 0; writer < workers; writer += 1) await store.createConversation(scope, { id: `${label}-${writer}` });
        await store.createConversation(scope, { id: `${label}-warm` });
        for (const batch of chunk(take(200), batchSize)) await store.appendMessages(scope, `${label}-warm`, batch);
        writes[name] = (writer, batch) => store.appendMessages(scope, `${label}-${writer}`, batch);
      }
      const rates: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
      const ratios: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < ROUNDS; round += 1) {
        const order = names.map((_, index) => names[(index + round) % names.length]!);
        const got: Record<string, number> = {};
        for (const name of order) got[name] = await rate(workers, batchSize, take(count), writes[name]!);
        for (const name of names) {
          rates[name]!.push(got[name]!);
          ratios[name]!.push(got[name]! / got.raw!);
        }
      }
      const cells = names.flatMap((name) => (name === 'raw' ? [thousands(summarize(rates.raw!).median)] : [thousands(summarize(rates[name]!).median), formatRatio(summarize(ratios[name]!).median)]));
      rows.push([label, ...cells]);
      progress(`${label}: ${cells.join(' ')}`);
    }
    console.log(`load average at end: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
    console.log('');
    console.log(markdownTable(['config', ...names.flatMap((name) => (name === 'raw' ? ['raw msg/s'] : [`${name} msg/s`, `${name} ÷ raw (median of rounds)`]))], rows));

    if (PROFILE) {
      for (const batchSize of [1, 20]) {
        const appends = batchSize === 1 ? 1800 : 240;
        const conversationId = `profile-b${batchSize}`;
        for (const store of Object.values(contenders)) {
          await store.createConversation(scope, { id: conversationId });
          for (const batch of chunk(take(200), batchSize)) await store.appendMessages(scope, conversationId, batch);
        }
        // Costs without the profiler: each contender in rotated segments, client CPU from
        // process.cpuUsage (user + system: the socket syscalls count), server CPU from INFO cpu,
        // script/command time from INFO commandstats.
        const costs: Record<string, Cost> = Object.fromEntries(names.map((name) => [name, emptyCost()]));
        const segments = 6;
        for (let segment = 0; segment < segments; segment += 1) {
          for (let turn = 0; turn < names.length; turn += 1) {
            const name = names[(segment + turn) % names.length]!;
            const batches = chunk(take((appends / segments) * batchSize), batchSize);
            const store = contenders[name];
            const run = store
              ? async () => {
                  for (const batch of batches) await store.appendMessages(scope, conversationId, batch);
                }
              : async () => {
                  for (const batch of batches) await redis.rpush(`${prefix}raw-profile:${batchSize}`, ...batch.map((message) => JSON.stringify(message)));
                };
            addCost(costs[name]!, await cost(redis, store ? 'evalsha' : 'rpush', batches.length, run));
          }
        }
        console.log('');
        console.log(`### Batch ${batchSize}, one writer (load ${os.loadavg()[0]!.toFixed(2)})`);
        console.log('');
        console.log(costTable(costs));
        // Where the client's time goes: a sampled profile of store appends alone.
        const profiled = chunk(take(appends * batchSize), batchSize);
        const session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 100 });
        await session.post('Profiler.start');
        for (const batch of profiled) await backend.store.appendMessages(scope, conversationId, batch);
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        console.log('');
        console.log(breakdown(profile as unknown as CpuProfile, profiled.length));
      }
    }
  } finally {
    await backend.close();
  }
}

// ---------------------------------------------------------------- profile analysis

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self-time areas, first match wins. */
const AREAS: Array<[string, (url: string, fn: string) => boolean]> = [
  ['(idle: waiting for Redis)', (_url, fn) => fn === '(idle)'],
  ['(garbage collector)', (_url, fn) => fn === '(garbage collector)'],
  ['(program: V8/native outside JS)', (_url, fn) => fn === '(program)'],
  ['validation (zod content parts)', (url) => url.includes('/zod/')],
  ['validation (validate.ts)', (url) => url.includes('/src/spec/validate')],
  ['store layer (define-store)', (url) => url.includes('/src/stores/define-store/')],
  ['appender (append.ts)', (url) => url.includes('/src/stores/redis/append')],
  ['codec (message JSON, decode)', (url) => url.includes('/src/stores/redis/codec')],
  ['keys and scope index', (url) => url.includes('/src/stores/redis/keys') || url.includes('/src/stores/redis/scope-index')],
  ['redis-client.ts (evalsha wrapper)', (url) => url.includes('/src/stores/redis/redis-client')],
  ['ioredis reply parsing', (url) => url.includes('redis-parser') || url.includes('DataHandler')],
  ['ioredis command encoding/queue', (url) => url.includes('/ioredis/')],
  ['node streams/net (socket write, read)', (url) => url.startsWith('node:') || url.includes('internal/')],
  ['bench harness', (url) => url.includes('/bench/')],
  ['native builtins (JSON, string ops; no url)', (url) => url === ''],
];

/** Inclusive time of these functions (a sample counts once per function however deep the recursion). */
const FUNCTIONS = [
  'appendMessages',
  'validateNewMessages',
  'validateContent',
  'safeParse',
  'validateJsonValue',
  'jsonLengthBound',
  'append',
  'messageBody',
  'primaryTokens',
  'decodeConversation',
  'toFieldMap',
  'decodeMessage',
  'runScript',
  'sendScript',
  'evalsha',
  'sendCommand',
  'stringify',
  'parse',
  'entryKeys',
  'conversationKeys',
  'remember',
];

function breakdown(profile: CpuProfile, appends: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const area = (id: number) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    return AREAS.find(([, test]) => test(url, functionName))?.[0] ?? `other (${url.split('/').slice(-2).join('/')})`;
  };
  let total = 0;
  let busy = 0;
  // Samples inside the inspector (Profiler.stop itself) are not the appends'.
  const inInspector = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  profile.samples.forEach((id, index) => {
    if (inInspector(id)) return;
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const name = area(id);
    self.set(name, (self.get(name) ?? 0) + delta);
    if (byId.get(id)!.callFrame.functionName !== '(idle)') busy += delta;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)!.callFrame.functionName;
      if (FUNCTIONS.includes(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + delta);
      }
    }
  });
  const per = (us: number) => (us / appends).toFixed(1);
  const bySelf = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    if (inInspector(id)) return;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
    bySelf.set(name, (bySelf.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const top = [...bySelf.entries()].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, us]) => [name, per(us)]);
  const areas = [...self.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => [name, per(us), `${((100 * us) / total).toFixed(0)} %`]);
  const functions = FUNCTIONS.filter((fn) => inclusive.has(fn)).map((fn) => [fn, per(inclusive.get(fn)!)]);
  return [
    `sampled profile of ${appends} store appends: busy (not idle) ${per(busy)} µs of ${per(total)} µs per append; on a loaded 2-core machine a sample taken while Redis runs on our core lands in the syscall that woke it (writeUtf8String), so busy > client CPU`,
    '',
    markdownTable(['area (self time)', 'µs per append', 'share of wall'], areas),
    '',
    markdownTable(['function (inclusive)', 'µs per append'], functions),
    '',
    markdownTable(['top self-time functions', 'µs per append'], top),
  ].join('\n');
}

async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const text = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of text.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
}

interface Cost {
  wall: number;
  clientCpu: number;
  serverCpu: number;
  commandUs: number;
  commandCalls: number;
  ours: number;
}
const emptyCost = (): Cost => ({ wall: 0, clientCpu: 0, serverCpu: 0, commandUs: 0, commandCalls: 0, ours: 0 });
function addCost(into: Cost, add: Cost): void {
  for (const key of Object.keys(into) as Array<keyof Cost>) into[key] += add[key];
}

/** Wall, client CPU, Redis CPU (all in µs) and the command's server time around `run` (`ours` calls of `command`). */
async function cost(redis: Redis, command: string, ours: number, run: () => Promise<void>): Promise<Cost> {
  const [statsBefore, serverBefore] = [await commandStats(redis), await serverCpu(redis)];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const wall = (performance.now() - started) * 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const [statsAfter, serverAfter] = [await commandStats(redis), await serverCpu(redis)];
  return {
    wall,
    clientCpu: cpu.user + cpu.system,
    serverCpu: serverAfter - serverBefore,
    commandUs: (statsAfter.get(command)?.usec ?? 0) - (statsBefore.get(command)?.usec ?? 0),
    commandCalls: (statsAfter.get(command)?.calls ?? 0) - (statsBefore.get(command)?.calls ?? 0),
    ours,
  };
}

async function serverCpu(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

function costTable(costs: Record<string, Cost>): string {
  const per = (cost: Cost, value: number) => (value / cost.ours).toFixed(1);
  const rows = Object.entries(costs).map(([name, c]) => {
    const command = name === 'raw' ? 'RPUSH' : 'EVALSHA';
    const mixed = c.commandCalls !== c.ours ? ` (${c.commandCalls} calls seen for ${c.ours} ours)` : '';
    return [name === 'raw' ? 'raw RPUSH' : `${name} appendMessages`, per(c, c.wall), per(c, c.clientCpu), per(c, c.serverCpu), `${c.commandCalls > 0 ? (c.commandUs / c.commandCalls).toFixed(1) : '—'} (${command})${mixed}`];
  });
  return markdownTable(['per append (µs)', 'wall', 'client CPU (user+sys)', 'Redis CPU (INFO cpu; all clients)', 'server command time (commandstats)'], rows);
}

await main();
