import { writeFile } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ContextManager } from '../context-manager.js';
import { createEmbeddedStore, DEFAULT_DATA_DIR, type EmbeddedStore } from '../stores/embedded/index.js';
import packageJson from '../../package.json' with { type: 'json' };
import { LLMContextError } from '../errors.js';
import type { Store } from '../spec/store.js';
import type { DynamoDBStoreExtras } from '../stores/dynamodb/index.js';
import type { Scope } from '../types.js';
import { createPatternExtractor } from '../memories/pattern-extractor.js';
import { formatAssembly } from './print-assembly.js';
import { readTranscript } from './read-transcript.js';
import { registerServerCommands } from './server-commands.js';
import { messageSearchText } from '../search/message-text.js';

/** Where the CLI writes; tests capture it. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether to draw progress bars (a TTY). */
  readonly interactive: boolean;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

const IMPORT_BATCH = 200;
const PROGRESS_THRESHOLD = 300;

function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

function positiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError('must be a positive integer');
  return number;
}

/** A usage mistake found after parsing (commander's own are `CommanderError`s): exit 2 with its message. */
class UsageError extends Error {}

interface GlobalOptions {
  dataDir: string;
  tenant: string;
  user?: string;
  dynamodbTable?: string;
  dynamodbEndpoint?: string;
  memories?: boolean;
}

/** The store a command opened: the embedded one, or DynamoDB with `--dynamodb-table`. */
type OpenedStore = (EmbeddedStore & { readonly kind: 'embedded' }) | (Store & DynamoDBStoreExtras & { readonly kind: 'dynamodb' });

/**
 * Runs the `llm-context` CLI with `argv` (without the node and script paths).
 * Every command opens the embedded store in `--data-dir` (default `./.llm-context/`), so separate
 * invocations share data — or, with `--dynamodb-table NAME` (and `--dynamodb-endpoint URL` for
 * DynamoDB Local or dynalite), the DynamoDB store (region and credentials from the AWS environment). @returns the exit code (0 ok, 1 error, 2 usage).
 */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = new Command('llm-context')
    .description('Store LLM conversations and assemble the next prompt under a token budget.')
    .option('--data-dir <dir>', 'embedded store directory', DEFAULT_DATA_DIR)
    .option('--tenant <id>', 'tenant id', 'default')
    .option('--user <id>', 'user id')
    .option('--dynamodb-table <name>', 'use the DynamoDB store on this table instead of the embedded store')
    .option('--no-memories', 'do not extract long-term memories from imported turns (default: the built-in pattern extractor)')
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint (DynamoDB Local, dynalite); default: AWS for the environment region')
    .version(packageJson.version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text.trimEnd()), writeErr: (text) => io.stderr(text.trimEnd()) });

  let store: OpenedStore | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  const open = async () => {
    const options = program.opts<GlobalOptions>();
    if (options.dynamodbTable !== undefined) {
      // Loaded only when asked for: the AWS SDK is an optional peer dependency.
      const [{ DynamoDBClient }, { createDynamoDBStore }] = await Promise.all([import('@aws-sdk/client-dynamodb'), import('../stores/dynamodb/index.js')]);
      const client = new DynamoDBClient(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {});
      store = Object.assign(createDynamoDBStore({ client, tableName: options.dynamodbTable }), { kind: 'dynamodb' as const });
      closeStore = async () => client.destroy();
    } else {
      const embedded = await createEmbeddedStore({ dataDir: options.dataDir });
      store = Object.assign(embedded, { kind: 'embedded' as const });
      closeStore = () => embedded.close();
    }
    const scope: Scope = options.user ? { tenantId: options.tenant, userId: options.user } : { tenantId: options.tenant };
    // Imports pull long-term memories out of the turns with the offline pattern extractor (no model
    // call), so `assemble` shows memories on the default path; `--no-memories` turns it off.
    const memoryExtractor = program.opts<GlobalOptions>().memories === false ? {} : { memoryExtractor: createPatternExtractor() };
    return { store, scope, manager: new ContextManager({ store, ...memoryExtractor }) };
  };

  program
    .command('import <file>')
    .description('import a transcript (JSONL, an OpenAI-style messages array, LoCoMo JSON: one conversation per sample) or an `llm-context export` file (kept as exported, with its conversation id)')
    .option('--conversation <id>', 'conversation id for single-conversation files (default: the export\'s id, else the file name)')
    .action(async (file: string, options: { conversation?: string }) => {
      const transcript = await readTranscript(file, options.conversation);
      const { manager, scope, store: opened } = await open();
      if (transcript.kind === 'export') {
        const id = String(transcript.data.conversation.id);
        if (await manager.getConversation(id, { scope })) {
          throw new UsageError(`conversation ${JSON.stringify(id)} already exists: nothing imported. Pass --conversation <new id> to import the export under another id.`);
        }
        const conversation = await manager.importConversation(transcript.data, { scope });
        io.stdout(`imported ${transcript.data.messages.length} messages into conversation ${conversation.id} (from an export)`);
        return;
      }
      const { conversations } = transcript;
      const total = conversations.reduce((sum, conversation) => sum + conversation.messages.length, 0);
      const bar = io.interactive && total > PROGRESS_THRESHOLD ? new SingleBar({ format: 'importing [{bar}] {value}/{total} messages', stream: process.stderr }, Presets.shades_classic) : undefined;
      bar?.start(total, 0);
      let inserted = 0;
      for (const conversation of conversations) {
        for (let start = 0; start < conversation.messages.length; start += IMPORT_BATCH) {
          const batch = conversation.messages.slice(start, start + IMPORT_BATCH);
          inserted += (await manager.append(conversation.id, batch, { scope })).inserted;
          bar?.increment(batch.length);
        }
      }
      bar?.stop();
      await manager.settled(); // memory extraction runs after each append: finish it before the store closes
      const { items: memories } = opened.capabilities.memories.available ? await manager.memories.list({ scope, limit: 1000 }) : { items: [] };
      io.stdout(`imported ${inserted} new messages (${total - inserted} already stored) into ${conversations.length} conversation(s): ${conversations.map((conversation) => conversation.id).join(', ')}; ${memories.length} memories in scope`);
    });

  program
    .command('assemble <conversation>')
    .description('print the prompt the next LLM call would get, and its token report')
    .requiredOption('--budget <tokens>', 'token budget (context window)', positiveInt)
    .option('--reserve-output <tokens>', 'tokens kept free for the reply', positiveInt)
    .option('--query <text>', 'retrieve by this text instead of the last user turn')
    .option('--system <text>', 'system prompt')
    .option('--json', 'print one JSON object { messages, report }')
    .action(async (conversation: string, options: { budget: number; reserveOutput?: number; query?: string; system?: string; json?: boolean }) => {
      const { manager, scope } = await open();
      const result = await manager.assemble(conversation, {
        scope,
        budget: { maxTokens: options.budget, ...(options.reserveOutput ? { reserveOutput: options.reserveOutput } : {}) },
        ...(options.query ? { query: options.query } : {}),
        ...(options.system ? { system: options.system } : {}),
      });
      io.stdout(options.json ? JSON.stringify(result, null, 2) : formatAssembly(result));
    });

  program
    .command('search <query>')
    .description('lexical search over stored messages (BM25-style ranking), best match first')
    .option('--conversation <id>', 'only in this conversation')
    .option('--limit <n>', 'how many', positiveInt, 10)
    .option('--json', 'print a JSON array of { conversationId, seq, role, score, text }')
    .action(async (query: string, options: { conversation?: string; limit: number; json?: boolean }) => {
      const { manager, scope } = await open();
      const hits = await manager.search(query, { scope, limit: options.limit, ...(options.conversation ? { conversationId: options.conversation } : {}) });
      const rows = hits.map((hit) => ({ conversationId: hit.message.conversationId, seq: hit.message.seq, role: hit.message.role, score: hit.score, text: messageSearchText(hit.message) }));
      if (options.json) {
        io.stdout(JSON.stringify(rows, null, 2));
        return;
      }
      for (const row of rows) io.stdout(`${row.conversationId}#${row.seq}\t${row.role}\t${row.score.toFixed(3)}\t${oneLine(row.text, 120)}`);
      if (rows.length === 0) io.stdout('no matches');
    });

  program
    .command('list')
    .description('list conversations, newest first')
    .option('--limit <n>', 'how many', positiveInt, 50)
    .option('--tag <tag>', 'only with this tag')
    .action(async (options: { limit: number; tag?: string }) => {
      const { manager, scope } = await open();
      const page = await manager.listConversations({ scope, limit: options.limit, ...(options.tag ? { tag: options.tag } : {}) });
      for (const conversation of page.items) {
        io.stdout(`${conversation.id}\t${conversation.messageCount} messages\t${conversation.tokenCount} tokens\tupdated ${conversation.updatedAt.toISOString()}`);
      }
      if (page.items.length === 0) io.stdout('no conversations');
    });

  program
    .command('export <conversation>')
    .description('export a conversation as lossless JSON')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (conversation: string, options: { out?: string }) => {
      const { manager, scope } = await open();
      const json = JSON.stringify(await manager.exportConversation(conversation, { scope }), null, 2);
      if (options.out) await writeFile(options.out, json);
      else io.stdout(json);
    });

  program
    .command('erase')
    .description('erase everything of one user (--user is required)')
    .action(async () => {
      if (program.opts<GlobalOptions>().user === undefined) throw new UsageError('erase needs --user <id>: it erases everything of one user (e.g. llm-context --user alice erase)');
      const { manager, scope } = await open();
      if (scope.userId === undefined) throw new UsageError('erase needs --user <id>');
      const result = await manager.eraseUser({ scope: { ...scope, userId: scope.userId } });
      io.stdout(`erased ${result.conversations} conversations, ${result.messages} messages, ${result.memories} memories`);
    });

  program
    .command('migrate')
    .description('apply pending schema migrations (DynamoDB: create the table and its indexes when absent)')
    .action(async () => {
      const { store: opened } = await open();
      if (opened.kind === 'dynamodb') {
        const created = await opened.ensureTable();
        io.stdout(`table ${opened.tableName} ${created ? 'created (on-demand billing, 3 GSIs)' : 'already exists'}`);
        return;
      }
      const report = await opened.migrate();
      io.stdout(`schema at version ${report.current.at(-1) ?? 0} (${report.applied.length} migrations applied now)`);
    });

  program
    .command('sweep')
    .description('delete expired conversations')
    .option('--limit <n>', 'at most this many', positiveInt, 1000)
    .action(async (options: { limit: number }) => {
      const { store: opened } = await open();
      io.stdout(`swept ${await opened.sweepExpired!({ limit: options.limit })} expired conversations`);
    });

  registerServerCommands(program, io);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // Commander prints its own errors before throwing a CommanderError; ours are printed here.
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr(LLMContextError.isInstance(error) ? `error [${error.code}]: ${error.message}` : `error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await closeStore?.();
  }
}
