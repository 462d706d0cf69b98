import { serve, type ServerType } from '@hono/node-server';
import { type Command, InvalidArgumentError } from 'commander';
import { createApiKeys, parseDuration, type KeyRole } from '../server/api-keys.js';
import { createContextServer } from '../server/create-context-server.js';
import { assertDataDirFree, lockDataDir, openStore, serverSecret, type StoreFlags } from './open-store.js';

interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new InvalidArgumentError('must be a port number 0–65535');
  return number;
}

function role(value: string): KeyRole {
  if (value !== 'read' && value !== 'write' && value !== 'admin') throw new InvalidArgumentError('must be read, write or admin');
  return value;
}

function storeOptions(command: Command): Command {
  return command
    .option('--postgres <url>', 'use PostgreSQL at this URL instead of the embedded store')
    .option('--redis <url>', 'use Redis at this URL instead of the embedded store')
    .option('--memory', 'use a throwaway in-memory store (demos and tests)');
}

/**
 * `llm-context serve` and `llm-context keys create|list|revoke`. The data dir comes from the
 * global `--data-dir`; `serve` keeps running until SIGINT/SIGTERM.
 */
export function registerServerCommands(program: Command, io: Io): void {
  const flagsOf = (options: { postgres?: string; redis?: string; memory?: boolean }): StoreFlags => ({ dataDir: program.opts<{ dataDir: string }>().dataDir, ...options });

  storeOptions(program.command('serve'))
    .description('serve the HTTP API (conversations, context, search, memories) scoped by API keys')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', port, 8787)
    .action(async (options: { host: string; port: number; postgres?: string; redis?: string; memory?: boolean }) => {
      const flags = flagsOf(options);
      const embedded = !flags.postgres && !flags.redis && !flags.memory;
      const unlock = embedded ? await lockDataDir(flags.dataDir) : undefined;
      // Test-only (off unless LLM_CONTEXT_TEST_TOKEN is set): a clock the test sets per request, and a reset route.
      const testToken = process.env.LLM_CONTEXT_TEST_TOKEN;
      let testNow: number | undefined;
      const clock = testToken ? { now: () => testNow ?? Date.now() } : undefined;
      const opened = await openStore(flags, clock ? { clock } : {});
      const closers = [opened.close];
      const server = createContextServer({
        store: opened.store,
        secret: await serverSecret(flags.dataDir),
        onError: (error) => io.stderr(`llm-context serve: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
        ...(testToken
          ? {
              testing: {
                token: testToken,
                setNow: (ms: number) => {
                  testNow = ms;
                },
                ...(flags.memory
                  ? {
                      createStore: async () => {
                        const fresh = await openStore(flags, clock ? { clock } : {});
                        closers.push(fresh.close);
                        return fresh.store;
                      },
                    }
                  : {}),
              },
            }
          : {}),
      });
      const listening = await new Promise<{ server: ServerType; port: number }>((resolve) => {
        const instance = serve({ fetch: server.fetch, hostname: options.host, port: options.port }, (info) => resolve({ server: instance, port: info.port }));
      });
      // Idle keep-alive sockets stay open longer than clients (undici: 4 s) and load balancers
      // (60 s) keep them, so a client never writes a request into a socket the server just closed.
      const http = listening.server as { keepAliveTimeout?: number; headersTimeout?: number };
      http.keepAliveTimeout = 65_000;
      http.headersTimeout = 66_000;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      io.stdout(`llm-context serving ${opened.description}`);
      if (testToken) io.stderr('llm-context serve: LLM_CONTEXT_TEST_TOKEN is set: test-only hooks (request clock, /_test/reset with --memory) are on. Never set it in production.');
      io.stdout(`API:     http://${host}:${listening.port}/v1  (OpenAPI: /v1/openapi.json, keys: llm-context keys create --tenant <id>)`);
      io.stdout(`Inspector: http://${host}:${listening.port}/inspect  (paste a key on the page to see what each context call assembles)`);
      io.stdout(`listening on http://${host}:${listening.port}`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          listening.server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open.
          (listening.server as { closeAllConnections?: () => void }).closeAllConnections?.();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      for (const close of closers) await close().catch(() => undefined);
      await unlock?.();
    });

  const keys = program.command('keys').description('manage API keys (stored hashed in the same store as the data)');
  const withKeys = async (options: { postgres?: string; redis?: string; memory?: boolean }, run: (api: ReturnType<typeof createApiKeys>) => Promise<void>) => {
    const flags = flagsOf(options);
    if (flags.memory) throw new Error('keys in a --memory store vanish with this process; use the embedded store, --postgres or --redis');
    if (!flags.postgres && !flags.redis) await assertDataDirFree(flags.dataDir);
    const opened = await openStore(flags);
    try {
      await run(createApiKeys({ store: opened.store, secret: await serverSecret(flags.dataDir) }));
    } finally {
      await opened.close();
    }
  };

  storeOptions(keys.command('create'))
    .description('create an API key; prints it once, alone on the last line')
    .addHelpText('after', '\nBind the key with the global options: --tenant <id> (required) and --user <id> (optional).')
    .option('--role <role>', 'read | write | admin', role, 'write' as KeyRole)
    .option('--expires <duration>', 'lifetime, e.g. 30d, 12h, 90m')
    .option('--label <text>', 'a note shown by keys list')
    .action(async (options: { role: KeyRole; expires?: string; label?: string; postgres?: string; redis?: string; memory?: boolean }) => {
      // --tenant and --user are the program's global options (commander parses them wherever they appear).
      if (program.getOptionValueSource('tenant') === 'default') throw new Error('keys create needs --tenant <id>');
      const { tenant, user } = program.opts<{ tenant: string; user?: string }>();
      await withKeys(options, async (api) => {
        const { key, record } = await api.create({
          tenantId: tenant,
          role: options.role,
          ...(user !== undefined ? { userId: user } : {}),
          ...(options.expires !== undefined ? { expiresInSeconds: parseDuration(options.expires) } : {}),
          ...(options.label !== undefined ? { label: options.label } : {}),
        });
        io.stdout(`created key ${record.id}: tenant ${record.tenantId}${record.userId ? `, user ${record.userId}` : ''}, role ${record.role}${record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : ''}`);
        io.stdout('store it now; it is not shown again:');
        io.stdout(key);
      });
    });

  storeOptions(keys.command('list'))
    .description('list API keys (never the keys themselves)')
    .action(async (options: { postgres?: string; redis?: string; memory?: boolean }) => {
      // With the global --tenant, only that tenant's keys.
      const tenant = program.getOptionValueSource('tenant') === 'default' ? undefined : program.opts<{ tenant: string }>().tenant;
      await withKeys(options, async (api) => {
        const records = await api.list(tenant ? { tenantId: tenant } : {});
        for (const record of records) {
          const status = record.revoked ? 'revoked' : record.expiresAt && record.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
          io.stdout(`${record.id}\t${record.tenantId}\t${record.userId ?? '-'}\t${record.role}\t${status}\tcreated ${record.createdAt.toISOString()}${record.expiresAt ? `\texpires ${record.expiresAt.toISOString()}` : ''}${record.label ? `\t${record.label}` : ''}`);
        }
        if (records.length === 0) io.stdout('no keys');
      });
    });

  storeOptions(keys.command('revoke <id>'))
    .description('revoke an API key by its id (from keys list)')
    .action(async (id: string, options: { postgres?: string; redis?: string; memory?: boolean }) => {
      await withKeys(options, async (api) => {
        if (!(await api.revoke(id))) throw new Error(`no key with id ${JSON.stringify(id.slice(0, 64))}`);
        io.stdout(`revoked key ${id}`);
      });
    });
}
