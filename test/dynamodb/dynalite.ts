import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

/**
 * dynalite (DynamoDB's API on an in-memory LevelDB) started in this process on 127.0.0.1, port 0.
 * Table operations complete at once (`createTableMs: 0`). dynalite implements neither transactions
 * nor UpdateTimeToLive, which the store does not use.
 */
export interface DynaliteServer {
  readonly endpoint: string;
  /** A client with dummy credentials for this server (the SDK's default retry strategy). */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  return {
    endpoint,
    client() {
      const client = dynamoDBClient(endpoint);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client for a local endpoint (dynalite, DynamoDB Local) with dummy credentials. */
export function dynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

let counter = 0;
/** A table name unique to this process and call. */
export function uniqueTableName(label: string): string {
  counter += 1;
  return `llmctx-${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
