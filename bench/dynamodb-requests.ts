/**
 * `npx tsx bench/dynamodb-requests.ts`: where an append's time goes on dynalite in this process.
 * Per request kind, the median wall time of one request (one in flight) measured three ways in
 * the same run, interleaved: the full request (SDK middleware + SigV4 + HTTP + dynalite), the SDK
 * alone (the same client with a request handler answering `{}` at once: marshalling, middleware,
 * signing), and the CPU time the process spent per request (client and server share the process).
 * Tells per-request cost from per-item cost, which decides what an append protocol can save.
 */
import { BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Readable } from 'node:stream';
import { ensureTable } from '../src/stores/dynamodb/ensure-table.js';
import { startDynalite } from '../test/dynamodb/dynalite.js';
import { machineLine } from './lib/machine.js';
import { formatMs, summarize } from './lib/stats.js';
import { markdownTable } from './lib/table.js';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const server = await startDynalite();
const real = server.client();
const stub = new DynamoDBClient({
  endpoint: server.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: {
    handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } }),
  } as never,
});
const tableName = `llmctx-requests-${process.pid}`;
await ensureTable(real, tableName);

const text = 'the customer asked about an order shipping refund invoice account password reset delivery window '.repeat(4);
const S = (value: string) => ({ S: value });
const N = (value: number) => ({ N: String(value) });
let counter = 0;
const next = () => (counter += 1);
const message = (pk: string, sk: string) => ({ pk: S(pk), sk: S(sk), m: S(text) });

for (const pk of ['conv', ...Array.from({ length: 16 }, (_, index) => `conv${index}`)]) {
  await real.send(new PutItemCommand({ TableName: tableName, Item: { pk: S(pk), sk: S('CONV'), lastSeq: N(0), lpk: S('list:a'), lsk: S('0') } }));
}
const idKeys = (count: number) => Array.from({ length: count }, (_, index) => ({ pk: S('conv'), sk: S(`I#${index}`) }));

const kinds: Record<string, (lane?: number) => object> = {
  'GetItem': () => new GetItemCommand({ TableName: tableName, Key: { pk: S('conv'), sk: S('CONV') }, ConsistentRead: true }),
  'BatchGetItem, 1 key': () => new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: idKeys(1), ConsistentRead: true } } }),
  'BatchGetItem, 20 keys': () => new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: idKeys(20), ConsistentRead: true } } }),
  'PutItem': () => new PutItemCommand({ TableName: tableName, Item: message('raw', `P#${next()}`) }),
  'PutItem, attribute_not_exists': () => new PutItemCommand({ TableName: tableName, Item: message('raw', `C#${next()}`), ConditionExpression: 'attribute_not_exists(pk)' }),
  'UpdateItem, conditional, GSI key, ALL_NEW': (lane = -1) => {
    const seq = next();
    return new UpdateItemCommand({
      TableName: tableName,
      Key: { pk: S(lane < 0 ? 'conv' : `conv${lane}`), sk: S('CONV') },
      UpdateExpression: 'SET lastSeq = :n, lsk = :lsk ADD messageCount :one',
      ConditionExpression: 'lastSeq < :n',
      ExpressionAttributeValues: { ':n': N(seq), ':lsk': S(String(seq).padStart(15, '0')), ':one': N(1) },
      ReturnValues: 'ALL_NEW',
    });
  },
  'BatchWriteItem, 1 item': () => new BatchWriteItemCommand({ RequestItems: { [tableName]: [{ PutRequest: { Item: message('raw', `W#${next()}`) } }] } }),
  'BatchWriteItem, 2 items': () => new BatchWriteItemCommand({ RequestItems: { [tableName]: [1, 2].map(() => ({ PutRequest: { Item: message('raw', `W#${next()}`) } })) } }),
  'BatchWriteItem, 20 items': () => new BatchWriteItemCommand({ RequestItems: { [tableName]: Array.from({ length: 20 }, () => ({ PutRequest: { Item: message('raw', `W#${next()}`) } })) } }),
  'BatchWriteItem, 25 items': () => new BatchWriteItemCommand({ RequestItems: { [tableName]: Array.from({ length: 25 }, () => ({ PutRequest: { Item: message('raw', `W#${next()}`) } })) } }),
};

const samples: Record<string, { full: number[]; sdk: number[]; cpu: number[] }> = Object.fromEntries(Object.keys(kinds).map((name) => [name, { full: [], sdk: [], cpu: [] }]));
for (let round = -10; round < ROUNDS; round += 1) {
  for (const [name, make] of Object.entries(kinds)) {
    const cpuBefore = process.cpuUsage();
    let started = performance.now();
    await real.send(make() as never);
    const full = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    started = performance.now();
    await stub.send(make() as never);
    const sdk = performance.now() - started;
    if (round < 0) continue;
    samples[name]!.full.push(full);
    samples[name]!.sdk.push(sdk);
    samples[name]!.cpu.push((cpu.user + cpu.system) / 1000);
  }
}

// Throughput with 16 requests in flight (16 loops, each on its own keys), as the 16-writer benchmark runs them.
const LANES = 16;
const concurrent: string[][] = [];
for (const [name, make] of Object.entries(kinds)) {
  let done = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      while (performance.now() - started < 1500) {
        await real.send(make(lane) as never);
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  concurrent.push([name, String(Math.round(done / seconds)), formatMs((cpu.user + cpu.system) / 1000 / done)]);
}
stub.destroy();
await server.close();

console.log(machineLine());
console.log(`${ROUNDS} interleaved rounds; median ms per request, one in flight`);
console.log(
  markdownTable(
    ['request', 'full', 'SDK only (no HTTP, no server)', 'HTTP + dynalite (difference)', 'process CPU per full request'],
    Object.entries(samples).map(([name, { full, sdk, cpu }]) => {
      const f = summarize(full).median;
      const s = summarize(sdk).median;
      return [name, formatMs(f), formatMs(s), formatMs(f - s), formatMs(summarize(cpu).median)];
    }),
  ),
);
console.log(`\n${LANES} in flight, 1.5 s per kind`);
console.log(markdownTable(['request', 'requests/s', 'process CPU ms per request'], concurrent));
