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
  /** BatchGetItem (strongly consistent), any number of keys; items in no particular order. */
  getMany(keys: readonly Key[]): Promise<Item[]>;
  /** BatchWriteItem puts and deletes, any number, retrying unprocessed items with backoff. */
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

export function createTableClient(client: DynamoDBClientLike, tableName: string): TableClient {
  const send = <T>(command: unknown) => client.send(command as never) as Promise<T>;
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
      const items: Item[] = [];
      const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
      for (let start = 0; start < unique.length; start += GET_BATCH) {
        let pending: Key[] = unique.slice(start, start + GET_BATCH);
        for (let attempt = 0; pending.length > 0; attempt += 1) {
          if (attempt > UNPROCESSED_RETRIES) throw new Error('BatchGetItem left keys unprocessed after retries (throttled)');
          if (attempt > 0) await backoff(attempt);
          const result = await send<{ Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Key[] }> }>(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          items.push(...(result.Responses?.[tableName] ?? []));
          pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
        }
      }
      return items;
    },
    async writeMany({ puts = [], deletes = [] }) {
      const requests: unknown[] = [...puts.map((item) => ({ PutRequest: { Item: item } })), ...deletes.map((key) => ({ DeleteRequest: { Key: key } }))];
      const groups: unknown[][] = [];
      for (let start = 0; start < requests.length; start += WRITE_BATCH) groups.push(requests.slice(start, start + WRITE_BATCH));
      await Promise.all(
        groups.map(async (group) => {
          let pending = group;
          for (let attempt = 0; pending.length > 0; attempt += 1) {
            if (attempt > UNPROCESSED_RETRIES) throw new Error('BatchWriteItem left items unprocessed after retries (throttled)');
            if (attempt > 0) await backoff(attempt);
            const result = await send<{ UnprocessedItems?: Record<string, unknown[]> }>(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
            pending = result.UnprocessedItems?.[tableName] ?? [];
          }
        }),
      );
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
