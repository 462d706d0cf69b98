import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { createBatchCoalescer } from './batch-coalescer.js';
import type { Item } from './codec.js';

/**
 * The part of a `DynamoDBClient` / `DynamoDBDocumentClient` (AWS SDK v3) the store uses: `send`.
 * Commands are `@aws-sdk/lib-dynamodb`'s, whose marshalling middleware works on either client.
 * The caller owns the client (region, credentials, retry strategy) and destroys it.
 */
export interface DynamoDBClientLike {
  send(command: never, options?: unknown): Promise<unknown>;
}

type Key = { pk: string; sk: string };

/** BatchWriteItem takes at most 25 requests; BatchGetItem at most 100 keys. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;
/** Unprocessed items are retried this many times with exponential backoff (throttling). */
const UNPROCESSED_RETRIES = 8;
/**
 * Full batch requests of each kind outstanding at once per table client (partial ones wait while
 * any is out, and share the next request: group commit). See the README's append benchmark.
 */
export const BATCH_IN_FLIGHT = 4;
/**
 * Longest (ms) a partial batch request waits for an outstanding one before it is sent anyway:
 * about a DynamoDB request's p99 latency in-region, so a slow or SDK-retried request (throttling)
 * does not hold every other conversation's appends behind it.
 */
export const BATCH_HOLD_MS = 25;

/** Single-table operations with DynamoDB's paging and batch limits handled. */
export interface TableClient {
  readonly tableName: string;
  /** Strongly consistent GetItem. */
  get(key: Key): Promise<Item | undefined>;
  /** PutItem; `condition` turns it into a conditional write. @returns false when the condition failed. */
  put(item: Item, condition?: Condition): Promise<boolean>;
  /** UpdateItem returning ALL_NEW; undefined when the condition failed. */
  update(key: Key, update: Update): Promise<Item | undefined>;
  /** DeleteItem; false when the condition failed. */
  delete(key: Key, condition?: Condition): Promise<boolean>;
  /** One Query page. */
  queryPage(input: QueryInput, startKey?: Item): Promise<{ items: Item[]; lastKey?: Item }>;
  /** Every item of a Query (all pages). */
  queryAll(input: QueryInput): Promise<Item[]>;
  /** BatchGetItem (strongly consistent), any number of keys; items in no particular order. Concurrent calls share requests. */
  getMany(keys: readonly Key[]): Promise<Item[]>;
  /** BatchWriteItem puts and deletes, any number, retrying unprocessed items with backoff. Concurrent calls share requests. */
  writeMany(requests: { puts?: readonly Item[]; deletes?: readonly Key[] }): Promise<void>;
}

export interface Condition {
  readonly expression: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export interface Update {
  readonly expression: string;
  readonly condition?: string;
  readonly names?: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export interface QueryInput {
  readonly index?: string;
  readonly keyCondition: string;
  readonly names?: Record<string, string>;
  readonly values: Record<string, unknown>;
  readonly forward?: boolean;
  readonly limit?: number;
  readonly filter?: string;
}

/** How concurrent batch requests share requests; see {@link createBatchCoalescer}. */
export interface TableClientOptions {
  /** Full `BatchWriteItem` / `BatchGetItem` requests outstanding at once (partial ones wait while any is out); `Infinity`: no sharing. @default BATCH_IN_FLIGHT */
  readonly batchInFlight?: number;
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };
const keyId = (key: { pk?: unknown; sk?: unknown }) => `${String(key.pk)}\u0000${String(key.sk)}`;

export function createTableClient(client: DynamoDBClientLike, tableName: string, clientOptions: TableClientOptions = {}): TableClient {
  const send = <T>(command: unknown) => client.send(command as never) as Promise<T>;
  const maxInFlight = clientOptions.batchInFlight ?? BATCH_IN_FLIGHT;
  const writes = createBatchCoalescer<WriteRequest>({
    maxItems: WRITE_BATCH,
    maxInFlight,
    holdMs: BATCH_HOLD_MS,
    retries: UNPROCESSED_RETRIES,
    label: 'BatchWriteItem',
    keyOf: (request) => keyId('PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key),
    backoff,
    async send(requests) {
      const result = await send<{ UnprocessedItems?: Record<string, WriteRequest[]> }>(new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }));
      return { unprocessed: result.UnprocessedItems?.[tableName] ?? [] };
    },
  });
  const reads = createBatchCoalescer<Key>({
    maxItems: GET_BATCH,
    maxInFlight,
    holdMs: BATCH_HOLD_MS,
    retries: UNPROCESSED_RETRIES,
    label: 'BatchGetItem',
    keyOf: keyId,
    itemKeyOf: keyId,
    backoff,
    async send(keys) {
      const result = await send<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Key[] }> }>(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      return { items: result.Responses?.[tableName] ?? [], unprocessed: result.UnprocessedKeys?.[tableName]?.Keys ?? [] };
    },
  });
  const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

  const queryInput = (input: QueryInput, startKey?: Item): QueryCommandInput => ({
    TableName: tableName,
    ...(input.index ? { IndexName: input.index } : { ConsistentRead: true }),
    KeyConditionExpression: input.keyCondition,
    ...(input.filter ? { FilterExpression: input.filter } : {}),
    ...(input.names ? { ExpressionAttributeNames: input.names } : {}),
    ExpressionAttributeValues: input.values,
    ScanIndexForward: input.forward ?? true,
    ...(input.limit !== undefined ? { Limit: input.limit } : {}),
    ...(startKey ? { ExclusiveStartKey: startKey } : {}),
  });

  const table: TableClient = {
    tableName,
    async get(key) {
      const result = await send<{ Item?: Item }>(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return result.Item;
    },
    async put(item, condition) {
      try {
        await send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ...conditionParams(condition),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async update(key, update) {
      try {
        const result = await send<{ Attributes?: Item }>(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: update.expression,
            ...(update.condition ? { ConditionExpression: update.condition } : {}),
            ...(update.names ? { ExpressionAttributeNames: update.names } : {}),
            ...(update.values ? { ExpressionAttributeValues: update.values } : {}),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return result.Attributes;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
    async delete(key, condition) {
      try {
        await send(
          new DeleteCommand({
            TableName: tableName,
            Key: key,
            ...conditionParams(condition),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async queryPage(input, startKey) {
      const result = await send<{ Items?: Item[]; LastEvaluatedKey?: Item }>(new QueryCommand(queryInput(input, startKey)));
      return { items: result.Items ?? [], ...(result.LastEvaluatedKey ? { lastKey: result.LastEvaluatedKey } : {}) };
    },
    async queryAll(input) {
      const items: Item[] = [];
      let startKey: Item | undefined;
      do {
        const page = await table.queryPage(input, startKey);
        items.push(...page.items);
        startKey = page.lastKey;
      } while (startKey);
      return items;
    },
    async getMany(keys) {
      const unique = [...new Map(keys.map((key) => [keyId(key), key])).values()];
      return reads.submit(unique);
    },
    async writeMany({ puts = [], deletes = [] }) {
      await writes.submit([...puts.map((item): WriteRequest => ({ PutRequest: { Item: item } })), ...deletes.map((key): WriteRequest => ({ DeleteRequest: { Key: key } }))]);
    },
  };
  return table;
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): 0–(25·2^attempt) ms, capped at 2 s. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** The condition parameters of a PutItem or DeleteItem (none without a condition). */
function conditionParams(condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> } | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
  };
}
