import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextManager, defaultScope } from '../../src/index.js';
import { createDynamoDBStore } from '../../src/stores/dynamodb/index.js';
import { startDynalite, type DynaliteServer } from './dynalite.js';

/** The README's DynamoDB snippet, verbatim, against dynalite (endpoint, region and keys from the environment, as in Lambda). */
describe('README DynamoDB example', () => {
  let server: DynaliteServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = await startDynalite();
    Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: server.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });
  afterAll(async () => {
    for (const name of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await server?.close();
  });

  it('should store a turn and assemble it from DynamoDB', async () => {
    const scope = defaultScope('user-42');
    const store = createDynamoDBStore({ client: new DynamoDBClient({}), tableName: 'llm-context' });
    await store.ensureTable();
    const manager = new ContextManager({ store });
    await manager.append('chat-1', [{ role: 'user', content: 'Where is order A-1001?' }], { scope });
    const { messages, report } = await manager.assemble('chat-1', { scope, budget: { maxTokens: 2000 } });
    expect(messages.at(-1)).toMatchObject({ role: 'user', content: 'Where is order A-1001?' });
    expect(report.totalTokens).toBeGreaterThan(0);
    expect(await store.ensureTable()).toBe(false);
  });
});
