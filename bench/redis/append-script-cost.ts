/**
 * `npx tsx bench/redis/append-script-cost.ts [--batch 1|20] [--rounds N] [--url redis://…]`
 *
 * Where the Redis server's time goes in one append, in µs of server time per call (`INFO
 * commandstats` deltas): the `APPEND_TOUCH` script run with the arguments the store sends, cut
 * short before its writes (each cut returns right there), and whole with one step left out (the
 * difference to the whole script is that step's cost; the seqs keep advancing, as they must: a
 * sorted set of equal scores compares members). An empty script with the same keys and arguments
 * prices `EVALSHA` and handing the arguments to Lua; `RPUSH` of the same messages' JSON is the raw
 * floor of `bench/append.ts`. Rows are measured interleaved, each on its own conversation.
 *
 * Prefer a private server (`redis-server --port 6391 --save ''`, then `--url
 * redis://127.0.0.1:6391`): on a shared one other clients' `EVALSHA` calls mix into the counters
 * (the script says so). Keys live under one prefix, removed at the end. The cuts are found by
 * markers in the script's source; it stops with an error naming a marker the script no longer has.
 */
import { Redis } from 'ioredis';
import type { RedisClientLike } from '../../src/stores/redis/index.js';
import { createRedisStore } from '../../src/stores/redis/index.js';
import { messageBody } from '../../src/stores/redis/codec.js';
import { conversationKeyList, conversationKeys, scopeKeys } from '../../src/stores/redis/keys.js';
import * as scripts from '../../src/stores/redis/scripts.js';
import { preparedCorpus } from '../lib/dataset.js';
import { REDIS_URL } from '../lib/backends.js';
import { markdownTable } from '../lib/table.js';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const BATCH = Number(argument('batch') ?? 1);
const ROUNDS = Number(argument('rounds') ?? 10);
const redis = new Redis(argument('url') ?? REDIS_URL);
const prefix = `llmctx:bench:script-cost:${process.pid}:`;
const scope = { tenantId: 'bench-append', userId: 'u1' };

const source = scripts.APPEND_TOUCH.source;
/** The script returning at `marker` (inserted before it). */
const cutAt = (marker: string) => {
  if (!source.includes(marker)) throw new Error(`APPEND_TOUCH no longer has the marker ${JSON.stringify(marker)}: update the cuts`);
  return source.replace(marker, `do return {'cut'} end\n${marker}`);
};
const replaced = (from: string, to: string) => {
  if (!source.includes(from)) throw new Error(`APPEND_TOUCH no longer has ${JSON.stringify(from)}: update the cuts`);
  return source.replace(from, to);
};
const variants: Array<[string, string | 'rpush']> = [
  ['raw RPUSH of the messages’ JSON (the floor)', 'rpush'],
  ['empty script, same keys and arguments', 'return 1'],
  ['cut after the prelude (helpers defined)', cutAt('-- redis.call(command, key, args...) in slices')],
  ['cut after HGETALL of the meta hash and the ownership check', cutAt('local n = tonumber(ARGV[5])')],
  ['cut after HMGET of the ids (idempotency check)', cutAt("local out = {}\n-- The batch's token count")],
  ['whole script', source],
  ['whole script without the ZADD of the members', replaced("  sliced('ZADD', KEYS[2], members)", '')],
  ['whole script without the HSET of the ids', replaced("  sliced('HSET', KEYS[3], idPairs)", '')],
  ['whole script returning no meta hash', replaced("return {'ok', inserted, meta, out}", "return {'ok', inserted, {}, out}")],
  ['whole script without the index touch', replaced("if reply[1] ~= 'ok' then return reply end", 'do return reply end')],
];

const corpus = await preparedCorpus(400);
let taken = 0;
const batch = () =>
  Array.from({ length: BATCH }, () => {
    const message = corpus[taken % corpus.length]!;
    taken += 1;
    return { ...message, id: `${message.id}-${taken}` };
  });
const store = createRedisStore({ client: redis as unknown as RedisClientLike, keyPrefix: prefix });
const shas = new Map<number, string>();
const lastSeq = new Map<number, number>();
for (const [position, [, script]] of variants.entries()) {
  if (script !== 'rpush') shas.set(position, (await redis.script('LOAD', script)) as string);
  await store.createConversation(scope, { id: `v${position}` });
  lastSeq.set(position, 0);
}

async function evalshaStats(command: string): Promise<[calls: number, usec: number]> {
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(await redis.info('commandstats'));
  return [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
}

const calls = BATCH === 1 ? 600 : 150;
const samples = new Map<number, number[]>();
let mixed = false;
try {
  for (let round = 0; round < ROUNDS + 2; round += 1) {
    for (const [position, [, script]] of variants.entries()) {
      const keys = [...conversationKeyList(conversationKeys(prefix, scope.tenantId, `v${position}`)), scopeKeys(prefix, scope).all];
      const batches = Array.from({ length: calls }, batch);
      const command = script === 'rpush' ? 'rpush' : 'evalsha';
      const [callsBefore, usecBefore] = await evalshaStats(command);
      for (const messages of batches) {
        if (script === 'rpush') {
          await redis.rpush(`${prefix}raw`, ...messages.map((message) => JSON.stringify(message)));
          continue;
        }
        // The store's arguments (see APPEND): header, then per message its id and its member.
        const expected = lastSeq.get(position)!;
        const args: Array<string | number> = [Date.now(), '1', scope.userId, '0', messages.length, 60 * messages.length, expected];
        messages.forEach((message, index) => args.push(message.id, `{"seq":${expected + index + 1},${messageBody(message)}`));
        await redis.evalsha(shas.get(position)!, keys.length, ...keys, ...args, `v${position}`);
        lastSeq.set(position, expected + messages.length);
      }
      const [callsAfter, usecAfter] = await evalshaStats(command);
      if (callsAfter - callsBefore !== calls) mixed = true;
      // Two warm-up rounds; a cut variant writes nothing, so its lastSeq guess only matters for the full rows.
      if (round >= 2) samples.set(position, [...(samples.get(position) ?? []), (usecAfter - usecBefore) / (callsAfter - callsBefore)]);
      if (script !== 'rpush') lastSeq.set(position, Number((await redis.hget(keys[0]!, 'lastSeq')) ?? 0));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const whole = median(samples.get(variants.findIndex(([, script]) => script === source))!);
  const rows = variants.map(([label, script], position) => {
    const value = median(samples.get(position)!);
    const versus = script === 'rpush' || script === source ? '' : label.startsWith('whole') ? `step costs ${(whole - value).toFixed(1)}` : `${(value - whole).toFixed(1)} vs whole`;
    return [label, value.toFixed(1), versus];
  });
  console.log(`Server time per call, batch of ${BATCH} (median of ${ROUNDS} rounds × ${calls} calls)${mixed ? ' — other clients’ calls were mixed in: use a private server' : ''}`);
  console.log('');
  console.log(markdownTable(['variant', 'µs per call', ''], rows));
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
