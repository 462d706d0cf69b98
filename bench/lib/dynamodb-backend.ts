import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { encodeBatch } from '../../src/stores/dynamodb/codec.js';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { CONVERSATION_SK, conversationPk, listSk } from '../../src/stores/dynamodb/keys.js';
import { createTableClient } from '../../src/stores/dynamodb/table-client.js';
import { primaryTokens } from '../../src/stores/define-store/records.js';
import type { Message } from '../../src/types.js';
import { startDynalite } from '../../test/dynamodb/dynalite.js';
import type { Backend } from './backends.js';

/** Messages per batch item when seeding: a chat turn (user + assistant), as live appends write them. */
const SEED_TURN = 2;
/** Items per parallel wave of BatchWriteItem requests (25 each) while seeding. */
const SEED_WAVE = 500;

/**
 * DynamoDB on dynalite started in this process (127.0.0.1, port 0). The floor is the hand-written
 * design with the same SDK against the same server: one item per message (`pk` = conversation,
 * `sk` = zero-padded seq) and one `Query` of the newest 100 items, nothing checked or decoded.
 * Seeding writes the store's own item format with raw BatchWriteItem (one batch item per turn,
 * then the conversation's counters), because 100,000 appends one by one would take too long.
 */
export async function openDynamoDBBackend(label: string): Promise<Backend> {
  const server = await startDynalite();
  const client = server.client();
  const tableName = `llmctx-bench-${label}-${process.pid}`;
  const store = createDynamoDBStore({ client, tableName });
  await store.ensureTable();
  // Unshared batch requests: the raw floor is one BatchWriteItem per batch, as a hand-written design sends it.
  const table = createTableClient(client, tableName, { batchInFlight: Number.POSITIVE_INFINITY });
  const rawPk = (conversationId: string) => `raw:${conversationId}`;
  const rawItem = (conversationId: string, seq: number, message: unknown) => ({ pk: rawPk(conversationId), sk: String(seq).padStart(12, '0'), m: JSON.stringify(message) });
  const writeWaves = async (items: readonly Record<string, unknown>[]) => {
    for (let start = 0; start < items.length; start += SEED_WAVE) await table.writeMany({ puts: items.slice(start, start + SEED_WAVE) });
  };
  return {
    name: 'dynamodb',
    store,
    rawTail: (_tenantId, conversationId) =>
      client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': rawPk(conversationId) }, ScanIndexForward: false, Limit: 100, ConsistentRead: true })),
    seedRaw: async (conversationId, jsonItems) => writeWaves(jsonItems.map((json, index) => rawItem(conversationId, index + 1, JSON.parse(json)))),
    seedStore: async (scope, conversationId, messages) => {
      const pk = conversationPk(scope.tenantId, conversationId);
      const conversation = await table.get({ pk, sk: CONVERSATION_SK });
      const gen = conversation!.gen as string;
      const items: Record<string, unknown>[] = [];
      const stored: Message[] = messages.map((message, index) => ({ ...message, conversationId, seq: index + 1 }));
      for (let start = 0; start < stored.length; start += SEED_TURN) {
        const batch = encodeBatch({ pk, gen, messages: stored.slice(start, start + SEED_TURN) });
        items.push(...batch.chunks, batch.item);
      }
      await writeWaves(items);
      const now = Date.now();
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk, sk: CONVERSATION_SK },
          UpdateExpression: 'SET lastSeq = :n, messageCount = :n, tokenCount = :t, updatedAt = :now, lsk = :lsk',
          ExpressionAttributeValues: { ':n': stored.length, ':t': stored.reduce((sum, message) => sum + primaryTokens(message), 0), ':now': now, ':lsk': listSk(now, conversationId) },
        }),
      );
    },
    // The raw append floor: one BatchWriteItem of the batch, one item per message, seqs given by the client.
    rawAppend: (writer, batch, firstSeq) => table.writeMany({ puts: batch.map((message, index) => rawItem(`append-${writer}`, firstSeq + index, message)) }),
    close: () => server.close(),
  };
}
