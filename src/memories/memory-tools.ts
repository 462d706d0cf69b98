import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { messageText } from '../messages/message-text.js';
import { sha256Hex } from '../messages/content-hash.js';
import { validateId, validateScope } from '../spec/validate.js';
import type { MessageSearchHit } from '../spec/store.js';
import type { Tokenizer } from '../tokens/tokenizer.js';
import type { Memory, Message, Scope } from '../types.js';
import { ownsMemory, type Memories } from './memories.js';

/**
 * Who is calling a memory tool, taken from the application (the AI SDK's tool `context`, LangChain's
 * `runtime.context`), never from the model's arguments: the model cannot name another scope.
 */
export interface MemoryToolContext {
  /** The scope every read and write of the call is confined to. */
  readonly scope: Scope;
  /** The conversation the tool call happens in (provenance of `remember`). */
  readonly conversationId?: string;
  /** Ids of the turn that asked (provenance of `remember`); default: the newest stored user message of `conversationId`. */
  readonly messageIds?: readonly string[];
}

/** What the memory tools need of a `ContextManager`. */
export interface MemoryToolManager {
  readonly memories: Memories;
  getTokenizer(): Promise<Tokenizer>;
  search(query: string, options: { scope: Scope; limit?: number }): Promise<MessageSearchHit[]>;
  listMessages(conversationId: string, options: { scope: Scope; order?: 'asc' | 'desc'; limit?: number }): Promise<Message[]>;
}

export interface MemoryToolsOptions {
  readonly manager: MemoryToolManager;
  /** Largest memory text `remember` accepts, in tokens of the manager's encoding. @default 200 */
  readonly maxMemoryTokens?: number;
  /** Token bound of one tool output (the JSON text the model reads back). @default 400 */
  readonly maxOutputTokens?: number;
  /** Token bound of one `search_history` snippet. @default 60 */
  readonly snippetTokens?: number;
}

/** The arguments a model may give each tool. Anything else in the arguments is ignored. */
export interface RememberInput {
  readonly text: string;
  readonly key?: string;
  readonly tags?: readonly string[];
}
export interface ForgetInput {
  readonly key?: string;
  readonly id?: string;
}
export interface SearchInput {
  readonly query: string;
  readonly limit?: number;
}

export interface RememberOutput {
  readonly id: string;
  readonly key?: string;
  /** True when a memory with the same key was updated rather than inserted. */
  readonly updated: boolean;
}
export interface ForgetOutput {
  readonly forgotten: number;
}
export interface RecallMemoriesOutput {
  /** `shared`: a tenant-level memory every user reads, which `forget` cannot remove. */
  readonly memories: ReadonlyArray<{ readonly id: string; readonly key?: string; readonly text: string; readonly shared?: true; readonly truncated?: true }>;
  /** Matches left out to keep the output under `maxOutputTokens`. */
  readonly omitted: number;
}
export interface SearchHistoryOutput {
  readonly hits: ReadonlyArray<{ readonly conversationId: string; readonly seq: number; readonly role: string; readonly snippet: string }>;
  /** Matches left out to keep the output under `maxOutputTokens`. */
  readonly omitted: number;
}

/** Framework-neutral handlers behind the AI SDK and LangChain memory tools. */
export interface MemoryToolHandlers {
  remember(input: RememberInput, context: MemoryToolContext): Promise<RememberOutput>;
  forget(input: ForgetInput, context: MemoryToolContext): Promise<ForgetOutput>;
  recallMemories(input: SearchInput, context: MemoryToolContext): Promise<RecallMemoriesOutput>;
  searchHistory(input: SearchInput, context: MemoryToolContext): Promise<SearchHistoryOutput>;
}

/** Tool names and descriptions, shared by every framework adapter. */
export const MEMORY_TOOL_DESCRIPTIONS = {
  remember: 'Save a durable fact about the user (a preference, a detail to reuse later). Give a short key such as "preference.units" to update that fact instead of adding a new one.',
  forget: 'Delete a saved fact, by its key or by the id returned from recall_memories.',
  recall_memories: 'Search the saved facts about the user. Returns the best matches with their ids and keys.',
  search_history: "Search the user's earlier conversations. Returns short snippets with the conversation id and message seq.",
} as const;

/** Largest `limit` a model may ask of the search tools. */
export const MAX_TOOL_SEARCH_LIMIT = 10;

/**
 * The zod input schemas of the memory tools, shared by the AI SDK and LangChain adapters. They hold
 * no scope field: where the data lives is never the model's choice (the scope comes from the
 * call's context).
 */
/**
 * The context every memory tool call carries, set by the application, never by the model:
 * `{ scope, conversationId?, messageIds? }` (the conversation and turn a remembered fact came from).
 */
export const MEMORY_TOOL_CONTEXT_SCHEMA = z.object({
  scope: z.object({ tenantId: z.string().min(1), userId: z.string().min(1).optional() }),
  conversationId: z.string().min(1).optional(),
  messageIds: z.array(z.string()).optional(),
});

export const MEMORY_TOOL_INPUT_SCHEMAS = {
  remember: z.object({
    text: z.string().min(1).max(2000).describe('The fact, one short sentence.'),
    key: z.string().min(1).max(200).optional().describe('Stable key such as "preference.units"; reusing it updates the fact.'),
    tags: z.array(z.string().min(1).max(64)).max(8).optional(),
  }),
  forget: z.object({
    key: z.string().min(1).max(200).optional().describe('The key the fact was saved under.'),
    id: z.string().min(1).max(256).optional().describe('The id recall_memories returned.'),
  }),
  search: z.object({
    query: z.string().min(1).max(500),
    limit: z.number().int().min(1).max(MAX_TOOL_SEARCH_LIMIT).optional(),
  }),
};

const KEY_TAG_PREFIX = 'memory-key:';
/** Tag and key prefixes other integrations own (the LangGraph store's items): a model may not plant or address them. */
const RESERVED_PREFIXES = [KEY_TAG_PREFIX, 'langgraph'];
/** How many memories `forget` by key scans when the key tag lookup finds nothing (memories written without the tools). */
const FORGET_SCAN_LIMIT = 1000;

/**
 * Creates the handlers of the four memory tools: `remember` (upsert by key, with the provenance of
 * the turn that asked), `forget`, `recall_memories` and `search_history`. Every call reads the scope
 * from `context`, validated; the model's arguments are read field by field, so a `scope`,
 * `tenantId` or `userId` it adds is ignored. Outputs are JSON objects whose JSON text is at most
 * `maxOutputTokens` tokens: texts are cut at `snippetTokens` / `maxMemoryTokens`, and whole hits
 * beyond the bound are counted in `omitted`.
 *
 * @throws {ValidationError} (from each handler) for a bad context or arguments the model must fix:
 * the message says what to change, and nothing is written.
 */
export function createMemoryToolHandlers(options: MemoryToolsOptions): MemoryToolHandlers {
  const { manager } = options;
  const maxMemoryTokens = positive('maxMemoryTokens', options.maxMemoryTokens ?? 200);
  const maxOutputTokens = positive('maxOutputTokens', options.maxOutputTokens ?? 400);
  const snippetTokens = positive('snippetTokens', options.snippetTokens ?? 60);

  const provenance = async (context: MemoryToolContext) => {
    if (context.conversationId === undefined) return undefined;
    validateId('context.conversationId', context.conversationId);
    let messageIds = context.messageIds ? [...context.messageIds] : undefined;
    if (messageIds === undefined) {
      const recent = await manager.listMessages(context.conversationId, { scope: context.scope, order: 'desc', limit: 20 }).catch(() => []);
      const asking = recent.find((message) => message.role === 'user');
      messageIds = asking ? [asking.id] : [];
    }
    return { conversationId: context.conversationId, messageIds };
  };

  const findByKey = async (scope: Scope, key: string): Promise<Memory | undefined> => {
    const tagged = await manager.memories.list({ scope, tags: [await keyTag(key)], limit: 10 });
    // The scope's own memory: a shared (tenant-level) one with the same key is read-only here.
    const hit = tagged.items.find((memory) => memory.key === key && ownsMemory(memory, scope));
    if (hit) return hit;
    let cursor: string | undefined;
    let scanned = 0;
    do {
      const page = await manager.memories.list({ scope, limit: 100, ...(cursor ? { cursor } : {}) });
      const found = page.items.find((memory) => memory.key === key && ownsMemory(memory, scope));
      if (found) return found;
      scanned += page.items.length;
      cursor = page.nextCursor;
    } while (cursor && scanned < FORGET_SCAN_LIMIT);
    return undefined;
  };

  return {
    async remember(input, context) {
      const scope = contextScope(context);
      const text = requiredString('text', input?.text).trim();
      const key = toolKey(input?.key);
      const tags = input?.tags === undefined ? [] : stringArray('tags', input.tags).slice(0, 8);
      const tokenizer = await manager.getTokenizer();
      const tokens = tokenizer.count(text);
      if (tokens > maxMemoryTokens) throw new ValidationError({ field: 'text', message: `is ${tokens} tokens; keep one fact under ${maxMemoryTokens} tokens` });
      const existing = key === undefined ? undefined : await findByKey(scope, key);
      const source = await provenance(context);
      const memory = await manager.memories.put({
        text,
        ...(key !== undefined ? { key } : {}),
        tags: key === undefined ? tags : [...new Set([...tags, await keyTag(key)])],
        ...(source ? { source } : {}),
        metadata: { writtenBy: 'tool:remember' },
      }, { scope });
      return { id: memory.id, ...(memory.key !== undefined ? { key: memory.key } : {}), updated: existing !== undefined };
    },

    async forget(input, context) {
      const scope = contextScope(context);
      const key = toolKey(input?.key);
      const id = optionalString('id', input?.id);
      if (key === undefined && id === undefined) throw new ValidationError({ field: 'key', message: 'give the key or the id of the fact to forget' });
      let forgotten = 0;
      if (id !== undefined) {
        validateId('id', id);
        if (await manager.memories.delete(id, { scope })) forgotten += 1;
      }
      if (key !== undefined) {
        const memory = await findByKey(scope, key);
        if (memory && (await manager.memories.delete(memory.id, { scope }))) forgotten += 1;
      }
      return { forgotten };
    },

    async recallMemories(input, context) {
      const scope = contextScope(context);
      const query = requiredString('query', input?.query);
      const limit = searchLimit(input?.limit);
      const tokenizer = await manager.getTokenizer();
      const hits = await manager.memories.search(query, { scope, limit });
      const candidates = hits.map(({ memory }) => {
        const cut = truncateToTokens(tokenizer, memory.text, maxMemoryTokens);
        // `shared`: the tenant's fact, read-only to this user (forget cannot remove it).
        return { id: memory.id, ...(memory.key !== undefined ? { key: memory.key } : {}), text: cut.text, ...(memory.shared ? { shared: true as const } : {}), ...(cut.truncated ? { truncated: true as const } : {}) };
      });
      const kept = fitList(tokenizer, candidates, maxOutputTokens, (memories, omitted) => ({ memories, omitted }));
      return { memories: kept.items, omitted: kept.omitted };
    },

    async searchHistory(input, context) {
      const scope = contextScope(context);
      const query = requiredString('query', input?.query);
      const limit = searchLimit(input?.limit);
      const tokenizer = await manager.getTokenizer();
      const hits = await manager.search(query, { scope, limit });
      const candidates = hits.map(({ message }) => ({
        conversationId: message.conversationId,
        seq: message.seq,
        role: message.role,
        snippet: snippetAround(tokenizer, messageText(message), query, snippetTokens),
      }));
      const kept = fitList(tokenizer, candidates, maxOutputTokens, (hits, omitted) => ({ hits, omitted }));
      return { hits: kept.items, omitted: kept.omitted };
    },
  };
}

function contextScope(context: MemoryToolContext): Scope {
  if (typeof context !== 'object' || context === null) {
    throw new ValidationError({ field: 'context', message: 'is missing: pass { scope } as the tool context (AI SDK `toolsContext`, LangChain `context`)' });
  }
  const scope = validateScope(context.scope);
  // A copy with exactly the two fields, so nothing else a caller put on the object travels on.
  return scope.userId === undefined ? { tenantId: scope.tenantId } : { tenantId: scope.tenantId, userId: scope.userId };
}

function positive(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ValidationError({ field, message: 'must be a positive integer (tokens)' });
  return value;
}

function requiredString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new ValidationError({ field, message: 'must be a non-empty string' });
  return value;
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ValidationError({ field, message: 'must be a string' });
  return value;
}

function stringArray(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((tag) => typeof tag !== 'string' || tag.length === 0 || tag.length > 64)) {
    throw new ValidationError({ field, message: 'must be an array of short strings (1–64 characters)' });
  }
  // The key tags are ours and the LangGraph store's tags are its: a model may not plant one.
  return (value as string[]).filter((tag) => !RESERVED_PREFIXES.some((prefix) => tag.startsWith(prefix)));
}

function toolKey(value: unknown): string | undefined {
  const key = optionalString('key', value);
  if (key === undefined) return undefined;
  validateId('key', key);
  if (RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) throw new ValidationError({ field: 'key', message: 'must not start with "langgraph" or "memory-key:" (reserved); choose another key' });
  return key;
}

function searchLimit(value: unknown): number {
  if (value === undefined || value === null) return 5;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ValidationError({ field: 'limit', message: `must be an integer 1–${MAX_TOOL_SEARCH_LIMIT}` });
  return Math.min(value, MAX_TOOL_SEARCH_LIMIT);
}

async function keyTag(key: string): Promise<string> {
  return KEY_TAG_PREFIX + (await sha256Hex(key)).slice(0, 32);
}

/** The longest prefix of `text` (cut at a character) of at most `maxTokens` tokens; binary search over lengths. */
export function truncateToTokens(tokenizer: Tokenizer, text: string, maxTokens: number): { text: string; truncated: boolean } {
  if (tokenizer.count(text) <= maxTokens) return { text, truncated: false };
  const ellipsis = '…';
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (tokenizer.count(text.slice(0, middle) + ellipsis) <= maxTokens) low = middle;
    else high = middle - 1;
  }
  return { text: text.slice(0, low) + ellipsis, truncated: true };
}

/** A window of `text` around the first query word it contains, at most `maxTokens` tokens. */
function snippetAround(tokenizer: Tokenizer, text: string, query: string, maxTokens: number): string {
  const lower = text.toLowerCase();
  const words = query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 2);
  const at = words.map((word) => lower.indexOf(word)).filter((index) => index >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - 80);
  const window = (start > 0 ? '…' : '') + text.slice(start);
  return truncateToTokens(tokenizer, window, maxTokens).text;
}

/** Keeps the longest prefix of `items` whose rendered output stays within `maxTokens`. */
function fitList<T, O>(tokenizer: Tokenizer, items: readonly T[], maxTokens: number, render: (items: T[], omitted: number) => O): { items: T[]; omitted: number } {
  const kept: T[] = [];
  for (const item of items) {
    const next = [...kept, item];
    if (tokenizer.count(JSON.stringify(render(next, items.length - next.length))) > maxTokens) break;
    kept.push(item);
  }
  return { items: kept, omitted: items.length - kept.length };
}
