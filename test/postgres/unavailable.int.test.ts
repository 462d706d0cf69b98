import net from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { createPostgresStore } from '../../src/stores/postgres/index.js';
import { checkServer, createPool, DATABASE_URL, dropSchema, uniqueSchema } from './server.js';

const reachable = await checkServer();
const scope = { tenantId: 't1' };

/** A TCP relay to the real server on a local port, which the test can cut and restore. */
function createRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start(): Promise<void> {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const close = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', close).on('close', close);
        upstream.on('error', close).on('close', close);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    },
    async stop(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

describe.skipIf(!reachable)('postgres store: server unavailable', () => {
  const schema = uniqueSchema('unavailable');
  const admin = createPool(2);
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('should throw a typed, retryable error naming the store and operation, and succeed on retry', async () => {
    const relay = createRelay(new URL(DATABASE_URL));
    await relay.start();
    const url = new URL(DATABASE_URL);
    url.host = `127.0.0.1:${relay.port}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined); // idle clients dropped by the relay: the next query reconnects
    try {
      const store = await createPostgresStore({ client: pool, schema });
      await store.migrate();
      await store.createConversation(scope, { id: 'c1', title: 'secret title' });

      await relay.stop();
      const failure = await store.getConversation(scope, 'c1').catch((error: unknown) => error);
      expect(StoreUnavailableError.isInstance(failure) || (failure as StoreUnavailableError)?.code === 'store_unavailable').toBe(true);
      const typed = failure as StoreUnavailableError;
      expect(typed.code).toBe('store_unavailable');
      expect(typed.retryable).toBe(true);
      expect(typed.store).toBe('postgres');
      expect(typed.operation).toBe('getConversation');
      expect(typed.message).toContain('[postgres] getConversation');
      expect(typed.message).not.toContain('secret title');

      const write = await store.updateConversation(scope, 'c1', { title: 'new' }).catch((error: unknown) => error);
      expect((write as StoreUnavailableError).code).toBe('store_unavailable');
      expect((write as StoreUnavailableError).operation).toBe('updateConversation');

      await relay.start();
      expect((await store.getConversation(scope, 'c1'))?.title).toBe('secret title');
      expect((await store.updateConversation(scope, 'c1', { title: 'new' })).title).toBe('new');
    } finally {
      await relay.stop();
      await pool.end();
    }
  });

  it('should report an unreachable server when the store is created', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 1000 });
    try {
      const error = await createPostgresStore({ client: pool }).catch((caught: unknown) => caught);
      expect((error as StoreUnavailableError).code).toBe('store_unavailable');
      expect((error as StoreUnavailableError).operation).toBe('createPostgresStore');
    } finally {
      await pool.end();
    }
  });
});
