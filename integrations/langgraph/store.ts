import {
  BaseStore,
  getTextAtPath,
  InvalidNamespaceError,
  validateNamespace,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { canonicalJson, sha256Hex, validate, type ContextManager, type JsonObject, type Memory, type Scope } from '../../src/index.js';
import { matchesFilter } from './filter.js';

/** What the store needs of a `ContextManager`. */
export type LangGraphStoreManager = Pick<ContextManager, 'memories'>;

export interface LLMContextStoreOptions {
  readonly manager: LangGraphStoreManager;
  /**
   * The owner of every item, fixed when the store is created (typically per request, from the
   * authenticated user). Namespaces are folders *inside* this scope: no namespace names another scope.
   */
  readonly scope: Scope;
  /**
   * Fields of each value whose text is indexed for `search({ query })` (LangGraph path syntax:
   * `"title"`, `"notes[*].text"`; `"$"` is the whole value as JSON). A `put`'s own `index` overrides
   * it; `index: false` indexes only the namespace and key. @default every string and number in the value
   */
  readonly fields?: readonly string[];
}

const TAG_ROOT = 'langgraph';
const MAX_DEPTH = 60;
const PAGE = 500;
/** Candidates a `search` with a `query` ranks (memory search returns at most 100). */
const QUERY_CANDIDATES = 100;

interface StoredEntry {
  readonly namespace: string[];
  readonly key: string;
  readonly value: Record<string, unknown>;
}

/**
 * A LangGraph `BaseStore` over llm-context memories, so `createAgent` / LangGraph long-term memory
 * (`runtime.store`, `config.store`) lives in the same tables as the rest of the scope's data.
 *
 * Each item is one memory of the store's scope: a structured `key` derived from namespace and key
 * (so `put` is the store's atomic upsert), tags for the item and for each namespace prefix (how
 * `get`, `search` and `listNamespaces` find it), the value in metadata, and the text of its indexed
 * fields as the memory text (lexical search; hybrid when the manager has an embedder).
 *
 * `batch` follows LangGraph's `InMemoryStore`: reads see the state before the batch's writes, and of
 * several writes to one item the last wins. `search` with a query returns the best lexical (or
 * hybrid) matches first, with their `score` (at most 100 ranked), then, like `InMemoryStore`, the
 * other items without a score; without a query, newest `updatedAt` first. Reads without a query
 * page through every item under the prefix (cost grows with the namespace). `listNamespaces` lists
 * the namespaces that hold items (`InMemoryStore` also keeps listing a namespace after its last item
 * is deleted). Results are snapshots (`InMemoryStore` returns its live objects). The `BaseStore`
 * interface has no TTL, so items do not expire.
 *
 * @throws {InvalidNamespaceError} for a namespace LangGraph rejects (empty, `.`/`:`/NUL in a label,
 * root `langgraph`) or deeper than 60 labels. @throws {ValidationError} for a value that is not JSON.
 */
export class LLMContextStore extends BaseStore {
  private readonly manager: LangGraphStoreManager;
  private readonly scope: Scope;
  private readonly fields: readonly string[] | undefined;

  constructor(options: LLMContextStoreOptions) {
    super();
    this.manager = options.manager;
    const scope = validate.validateScope(options.scope);
    this.scope = scope.userId === undefined ? { tenantId: scope.tenantId } : { tenantId: scope.tenantId, userId: scope.userId };
    this.fields = options.fields;
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    for (const operation of operations) checkOperation(operation);
    const results: unknown[] = [];
    const writes = new Map<string, PutOperation>();
    for (const operation of operations) {
      if ('namespacePrefix' in operation) results.push(await this.searchOperation(operation));
      else if ('namespace' in operation && 'value' in operation) {
        writes.set(JSON.stringify([operation.namespace, operation.key]), operation);
        results.push(undefined);
      } else if ('namespace' in operation) results.push(await this.getOperation(operation));
      else results.push(await this.listNamespacesOperation(operation));
    }
    for (const write of writes.values()) await this.putOperation(write);
    return results as OperationResults<Op>;
  }

  private async findMemory(namespace: readonly string[], key: string): Promise<Memory | undefined> {
    const page = await this.manager.memories.list({ scope: this.scope, tags: [await itemTag(namespace, key)], limit: 10 });
    return page.items.find((memory) => {
      const entry = entryOf(memory);
      return entry !== undefined && entry.key === key && sameNamespace(entry.namespace, namespace);
    });
  }

  private async getOperation(operation: GetOperation): Promise<Item | null> {
    const memory = await this.findMemory(operation.namespace, operation.key);
    return memory ? toItem(memory) : null;
  }

  private async putOperation(operation: PutOperation): Promise<void> {
    const { namespace, key, value } = operation;
    if (value === null) {
      const memory = await this.findMemory(namespace, key);
      if (memory) await this.manager.memories.delete(memory.id, { scope: this.scope });
      return;
    }
    const paths = operation.index === false ? [] : (operation.index ?? this.fields);
    const text = indexText(value, paths, namespace, key);
    const tags = [TAG_ROOT, await itemTag(namespace, key)];
    for (let depth = 1; depth <= namespace.length; depth++) tags.push(await prefixTag(namespace.slice(0, depth)));
    await this.manager.memories.put(
      {
        key: `langgraph:${await sha256Hex(canonicalJson([namespace, key]))}`,
        text,
        tags,
        // A JSON copy: LangGraph values may carry `undefined` fields, which JSON (and the store) leave out.
        metadata: { langgraph: JSON.parse(JSON.stringify({ namespace, key, value })) as JsonObject },
      },
      { scope: this.scope },
    );
  }

  private async searchOperation(operation: SearchOperation): Promise<SearchItem[]> {
    const offset = operation.offset ?? 0;
    const limit = operation.limit ?? 10;
    const tag = operation.namespacePrefix.length === 0 ? TAG_ROOT : await prefixTag(operation.namespacePrefix);
    const matches = (memory: Memory) => {
      const entry = entryOf(memory);
      return entry !== undefined && startsWith(entry.namespace, operation.namespacePrefix) && matchesFilter(entry.value, operation.filter);
    };
    const found: SearchItem[] = [];
    const seen = new Set<string>();
    if (operation.query !== undefined && operation.query.trim().length > 0) {
      const hits = await this.manager.memories.search(operation.query, { scope: this.scope, tags: [tag], limit: QUERY_CANDIDATES });
      for (const hit of hits) {
        if (!matches(hit.memory) || found.length >= offset + limit) continue;
        seen.add(hit.memory.id);
        found.push({ ...toItem(hit.memory), score: hit.score });
      }
    }
    // Without a query, or when the query ranks fewer than asked: the other items, newest first and
    // without a score (as LangGraph's InMemoryStore fills with unscored items).
    if (found.length < offset + limit) {
      for await (const memory of this.allWithTag(tag)) {
        if (seen.has(memory.id) || !matches(memory)) continue;
        found.push(toItem(memory));
        if (found.length >= offset + limit) break;
      }
    }
    return found.slice(offset, offset + limit);
  }

  private async listNamespacesOperation(operation: ListNamespacesOperation): Promise<string[][]> {
    const distinct = new Map<string, string[]>();
    for await (const memory of this.allWithTag(TAG_ROOT)) {
      const entry = entryOf(memory);
      if (!entry) continue;
      if (!(operation.matchConditions ?? []).every((condition) => matchesCondition(condition.matchType, condition.path, entry.namespace))) continue;
      const namespace = operation.maxDepth === undefined ? entry.namespace : entry.namespace.slice(0, operation.maxDepth);
      distinct.set(JSON.stringify(namespace), namespace);
    }
    const sorted = [...distinct.values()].sort((a, b) => a.join(':').localeCompare(b.join(':')));
    const offset = operation.offset ?? 0;
    return sorted.slice(offset, offset + (operation.limit ?? sorted.length));
  }

  /** Every memory of the scope with `tag`, newest `updatedAt` first, page by page. */
  private async *allWithTag(tag: string): AsyncGenerator<Memory> {
    let cursor: string | undefined;
    do {
      const page = await this.manager.memories.list({ scope: this.scope, tags: [tag], limit: PAGE, ...(cursor ? { cursor } : {}) });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }
}

function checkOperation(operation: Operation): void {
  if ('namespacePrefix' in operation) {
    validateNamespace(operation.namespacePrefix, { allowEmpty: true, allowReservedRoot: true });
    checkDepth(operation.namespacePrefix);
  } else if ('namespace' in operation) {
    if ('value' in operation) validateNamespace(operation.namespace);
    else validateNamespace(operation.namespace, { allowReservedRoot: true });
    checkDepth(operation.namespace);
    if (typeof operation.key !== 'string' || operation.key.length === 0) throw new InvalidNamespaceError('Item keys must be non-empty strings.');
    if ('value' in operation && operation.value !== null && (typeof operation.value !== 'object' || Array.isArray(operation.value))) {
      throw new InvalidNamespaceError('Item values must be JSON objects (or null to delete).');
    }
  }
}

function checkDepth(namespace: readonly string[]): void {
  if (namespace.length > MAX_DEPTH) throw new InvalidNamespaceError(`Namespaces may have at most ${MAX_DEPTH} labels (one tag per prefix level).`);
}

function entryOf(memory: Memory): StoredEntry | undefined {
  const entry = memory.metadata.langgraph as unknown as StoredEntry | undefined;
  return entry && Array.isArray(entry.namespace) && typeof entry.key === 'string' && typeof entry.value === 'object' ? entry : undefined;
}

function toItem(memory: Memory): Item {
  const entry = entryOf(memory)!;
  return { namespace: [...entry.namespace], key: entry.key, value: structuredClone(entry.value), createdAt: memory.createdAt, updatedAt: memory.updatedAt };
}

function sameNamespace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, index) => label === b[index]);
}

function startsWith(namespace: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= namespace.length && prefix.every((label, index) => label === namespace[index]);
}

/** LangGraph's namespace match: `prefix` or `suffix`, `*` matching any one label. */
function matchesCondition(matchType: string, path: readonly string[], namespace: readonly string[]): boolean {
  if (path.length > namespace.length) return false;
  const offset = matchType === 'suffix' ? namespace.length - path.length : 0;
  return path.every((label, index) => label === '*' || namespace[offset + index] === label);
}

async function itemTag(namespace: readonly string[], key: string): Promise<string> {
  return `${TAG_ROOT}:item:${(await sha256Hex(canonicalJson([[...namespace], key]))).slice(0, 48)}`;
}

async function prefixTag(prefix: readonly string[]): Promise<string> {
  return `${TAG_ROOT}:ns:${(await sha256Hex(canonicalJson([...prefix]))).slice(0, 48)}`;
}

/** The memory text: the indexed fields' text, or every string and number in the value; never empty. */
function indexText(value: Record<string, unknown>, paths: readonly string[] | undefined, namespace: readonly string[], key: string): string {
  const texts = paths === undefined ? leafTexts(value) : paths.flatMap((path) => getTextAtPath(value, path));
  const text = texts.filter((part) => part.trim().length > 0).join('\n');
  return text.length > 0 ? text : `${namespace.join('/')}/${key}`;
}

function leafTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(leafTexts);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leafTexts);
  return [];
}
