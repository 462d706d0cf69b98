/**
 * `npx tsx bench/dynamodb-append-ab.ts [--rounds N] [--messages N] [--config b1w16]`: DynamoDB append variants
 * against raw `BatchWriteItem`, interleaved in one process on one dynalite so the machine's load
 * drift hits each alike (a shared machine's load moves more between two runs than the effects
 * measured here). Each round appends the same messages with every contender in rotated order; the
 * table gives medians over rounds of messages/s and each variant ÷ raw. The configurations are the
 * append table's (`bench/append.ts`): batches of 1 and 20, 1 and 16 writers, each writer its own
 * conversation.
 */
import os from 'node:os';
import { defineStore } from '../src/stores/define-store/define-store.js';
import { DEFAULT_TTL_GRACE_SECONDS } from '../src/stores/dynamodb/codec.js';
import { createDynamoDBDriver } from '../src/stores/dynamodb/dynamodb-driver.js';
import { ensureTable } from '../src/stores/dynamodb/ensure-table.js';
import { createTableClient, type TableClientOptions } from '../src/stores/dynamodb/table-client.js';
import type { Store } from '../src/spec/store.js';
import type { NewMessage } from '../src/types.js';
import { startDynalite } from '../test/dynamodb/dynalite.js';
import { preparedCorpus } from './lib/dataset.js';
import { machineLine } from './lib/machine.js';
import { chunk, formatRatio, inParallel, summarize, thousands } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const ROUNDS = argument('rounds', 9);
const MESSAGES = argument('messages', 160);

const server = await startDynalite();
const client = server.client();
const tableName = `llmctx-append-ab-${process.pid}`;
await ensureTable(client, tableName);
const scope = { tenantId: 'append-ab', userId: 'u1' };

const storeWith = (tableOptions: TableClientOptions): Store => {
  const clock = { now: () => Date.now() };
  const table = createTableClient(client, tableName, tableOptions);
  return defineStore(createDynamoDBDriver({ table, clock, ttlGraceSeconds: DEFAULT_TTL_GRACE_SECONDS }), { clock });
};
/** The variants compared; each is a store writing the same table. */
const variants: Record<string, Store> = {
  'unshared': storeWith({ batchInFlight: Number.POSITIVE_INFINITY }),
  'shared (default)': storeWith({}),
};
const raw = createTableClient(client, tableName, { batchInFlight: Number.POSITIVE_INFINITY });

const corpus = await preparedCorpus(MESSAGES * ROUNDS * (Object.keys(variants).length + 1) * 4 + 1);
let used = 0;
const take = () => corpus.slice(used, (used += MESSAGES)).map((message, index) => ({ ...message, id: `${message.id}-${used}-${index}` }));

async function rate(workers: number, batchSize: number, messages: NewMessage[], write: (writer: number, batch: readonly NewMessage[], firstSeq: number) => Promise<unknown>): Promise<number> {
  const perWriter = chunk(messages, Math.ceil(messages.length / workers)).map((share) => chunk(share, batchSize));
  const started = performance.now();
  await inParallel(perWriter, workers, async (batches, writer) => {
    let seq = 1;
    for (const batch of batches) {
      await write(writer, batch, seq);
      seq += batch.length;
    }
  });
  return messages.length / ((performance.now() - started) / 1000);
}

console.log(machineLine());
console.log(`load average at start: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
const rows: string[][] = [];
let rawSeq = 0;
const only = process.argv.includes('--config') ? process.argv[process.argv.indexOf('--config') + 1] : undefined;
for (const [batchSize, workers] of [[1, 1], [1, 16], [20, 1], [20, 16]] as const) {
  if (only !== undefined && only !== `b${batchSize}w${workers}`) continue;
  const label = `b${batchSize}w${workers}`;
  const names = [...Object.keys(variants), 'raw'];
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const conversations: Record<string, string[]> = {};
  for (const [name, store] of Object.entries(variants)) {
    conversations[name] = [];
    for (let writer = 0; writer < workers; writer += 1) {
      const id = `${label}-${name.replace(/\W+/g, '_')}-${writer}`;
      await store.createConversation(scope, { id });
      conversations[name]!.push(id);
      // Warm-up: the process's first append to a conversation reads it; later ones use the cached view.
      await store.appendMessages(scope, id, [{ ...corpus[0]!, id: `warm-${id}` }]);
    }
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    for (const name of order) {
      const messages = take();
      const store = variants[name];
      const run = rawSeq++;
      samples[name]!.push(
        await rate(workers, batchSize, messages, store
          ? (writer, batch) => store.appendMessages(scope, conversations[name]![writer]!, batch)
          : (writer, batch, firstSeq) => raw.writeMany({ puts: batch.map((message, index) => ({ pk: `raw:${run}-${writer}`, sk: String(firstSeq + index).padStart(12, '0'), m: JSON.stringify(message) })) })),
      );
    }
  }
  const median = (name: string) => summarize(samples[name]!).median;
  rows.push([String(batchSize), String(workers), thousands(median('raw')), ...Object.keys(variants).flatMap((name) => [thousands(median(name)), formatRatio(median(name) / median('raw'))])]);
  console.error(`${label} done; load ${os.loadavg()[0]!.toFixed(2)}`);
}
console.log(`load average at end: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
console.log(`${ROUNDS} rounds of ${MESSAGES} messages per contender and configuration; medians of messages/s`);
console.log(markdownTable(['batch', 'writers', 'raw', ...Object.keys(variants).flatMap((name) => [name, '÷ raw'])], rows));
await server.close();
