import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { KEY_SCHEMA } from './keys.js';
import type { DynamoDBClientLike } from './table-client.js';

/**
 * The table definition `ensureTable` creates, exactly as CloudFormation/CDK/Terraform need it:
 * string keys `pk`/`sk`, three GSIs projecting ALL, on-demand billing. (TTL is enabled separately
 * on the attribute `ttl`: UpdateTimeToLive, which dynalite does not implement.)
 */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const { indexes } = KEY_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'lpk', 'lsk', 'ppk', 'xpk', 'xsk'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: KEY_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: KEY_SCHEMA.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.entries(indexes).map(([name, keys]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: keys.partitionKey, KeyType: 'HASH' },
        { AttributeName: keys.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/**
 * Creates the table with its GSIs (on-demand billing) when it does not exist, and waits until it is
 * ACTIVE; for local development and tests. Production tables come from IaC (see README).
 * Enable TTL on the attribute `ttl` in production (`aws dynamodb update-time-to-live`).
 * @returns true when it created the table.
 */
export async function ensureTable(client: DynamoDBClientLike, tableName: string): Promise<boolean> {
  const send = (command: unknown) => client.send(command as never);
  try {
    await send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  await waitUntilTableExists({ client: client as never, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  return true;
}
