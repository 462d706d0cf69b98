import { assembleContext, type AssembleOptions, type AssembleResult } from './assemble/assemble-context.js';
import type { SectionSources } from './assemble/sources.js';
import { appendMessages } from './manager/append-messages.js';
import { createBackgroundTasks, type BackgroundTasks } from './manager/background-tasks.js';
import { compact, type CompactOptions } from './manager/compact.js';
import { indexMessageEmbeddings } from './manager/index-message-embeddings.js';
import { lazyMemories } from './manager/lazy-memories.js';
import type { AppendOptions, ContextManagerOptions } from './manager/manager-options.js';
import { createSectionSources, managerSummarizer } from './manager/section-sources.js';
import { searchConversations, searchMessages, type ConversationSearchHit, type SearchOptions } from './manager/search-messages.js';
import { extractMemories } from './memories/extract-memories.js';
import { createMemories, type Memories } from './memories/memories.js';
import type { SummaryPolicyResult } from './summarize/policy.js';
import type { AppendResult, ErasureResult, ListConversationsOptions, MessageSearchHit, Store } from './spec/store.js';
import { createMemoryStore } from './stores/memory/memory-store.js';
import { getTokenizer } from './tokens/get-tokenizer.js';
import type { Tokenizer } from './tokens/tokenizer.js';
import type { Conversation, ConversationExport, CreateConversationInput, Message, MessageInput, Page, Scope } from './types.js';

export type { AssembleOptions, AssembleResult } from './assemble/assemble-context.js';
export type { ContextMessage } from './assemble/context-message.js';
export type { RecallOptions } from './assemble/gather-sections.js';
export type { SectionShares } from './assemble/plan-budget.js';
export type { AppendOptions, ContextManagerOptions } from './manager/manager-options.js';
export type { ConversationSearchHit, SearchOptions } from './manager/search-messages.js';

/**
 * The entry point: stores turns and assembles the prompt for the next call under a token budget.
 * It wires the store, the tokenizer and the section sources to the modules that do the work:
 * `src/assemble/` (the assembly pipeline), `src/manager/` (append, search, compaction).
 *
 * @example
 * ```ts
 * const manager = new ContextManager();
 * const scope = defaultScope();
 * await manager.append('chat-1', [{ role: 'user', content: 'Hi!' }], { scope });
 * const { messages, report } = await manager.assemble('chat-1', { scope, budget: { maxTokens: 2000 } });
 * ```
 */
export class ContextManager {
  readonly store: Store;
  /** Long-term memories of a scope: `put` (upsert by key), `get`, `list`, `update`, `delete`, `search`, `history`; a tenant-level memory is shared with the tenant's users. */
  readonly memories: Memories;
  private readonly options: ContextManagerOptions;
  private readonly sources: SectionSources;
  private tokenizerPromise: Promise<Tokenizer> | undefined;
  private readonly background: BackgroundTasks;

  constructor(options: ContextManagerOptions = {}) {
    this.options = options;
    this.store = options.store ?? createMemoryStore(options.clock ? { clock: options.clock } : {});
    this.sources = createSectionSources(options, () => this.getTokenizer());
    this.background = createBackgroundTasks(options.onBackgroundError);
    const embedder = options.embedder ? { embedder: options.embedder } : {};
    this.memories = lazyMemories(async () => createMemories({ store: this.store, tokenizer: await this.getTokenizer(), ...embedder }));
  }

  /** The tokenizer every count uses (loaded on first use). */
  getTokenizer(): Promise<Tokenizer> {
    if (this.options.tokenizer) return Promise.resolve(this.options.tokenizer);
    this.tokenizerPromise ??= getTokenizer({
      encoding: this.options.encoding ?? 'o200k_base',
      implementation: this.options.tokenizerImplementation ?? 'gpt-tokenizer',
    });
    return this.tokenizerPromise;
  }

  /** Creates a conversation. @throws {ConversationExistsError} */
  createConversation(input: CreateConversationInput, options: { scope: Scope; ifExists?: 'error' | 'return' }): Promise<Conversation> {
    return this.store.createConversation(options.scope, input, options.ifExists ? { ifExists: options.ifExists } : {});
  }

  getConversation(conversationId: string, options: { scope: Scope }): Promise<Conversation | null> {
    return this.store.getConversation(options.scope, conversationId);
  }

  listConversations(options: { scope: Scope } & ListConversationsOptions): Promise<Page<Conversation>> {
    const { scope, ...rest } = options;
    return this.store.listConversations(scope, rest);
  }

  deleteConversation(conversationId: string, options: { scope: Scope }): Promise<boolean> {
    return this.store.deleteConversation(options.scope, conversationId);
  }

  /**
   * Stores new turns (creating the conversation on first use). Token counts and content hashes
   * are computed here, once. Messages whose id is already stored are not written again.
   * @returns the stored messages in input order and how many were new.
   * @throws {ValidationError} for bad messages (nothing written).
   */
  async append(conversationId: string, messages: readonly MessageInput[], options: AppendOptions): Promise<AppendResult> {
    const result = await appendMessages({ store: this.store, tokenizer: () => this.getTokenizer(), clock: this.options.clock, conversationId, messages, append: options });
    if (result.inserted === 0) return result;
    const { scope } = options;
    if (this.options.embedder && this.store.vectors) {
      // Off the hot path: an embedder failure never fails the append (recall stays lexical for these turns).
      this.background.run('embeddings', () => this.indexEmbeddings(conversationId, { scope, messages: result.messages }));
    }
    const extractor = this.options.memoryExtractor;
    if (extractor && this.store.capabilities.memories.available) {
      const firstNewSeq = result.conversation.lastSeq - result.inserted + 1;
      const messages = result.messages.filter((message) => message.seq >= firstNewSeq);
      const embedder = this.options.embedder ? { embedder: this.options.embedder } : {};
      this.background.run('memories', () => extractMemories({ memories: this.memories, extractor, scope, conversationId, messages, ...embedder }));
    }
    return result;
  }

  /** Resolves when the background work `append` started (embeddings, memory extraction) has finished. */
  settled(): Promise<void> {
    return this.background.settled();
  }

  /**
   * Embeds messages that have no vector yet for the configured embedder (each once, in batches).
   * @param options.messages the messages to index; default: the newest 1,000 of the conversation.
   * @returns how many were embedded now.
   * @throws {ValidationError} when no embedder is configured; {@link CapabilityError} when the store has no vector index.
   */
  indexEmbeddings(conversationId: string, options: { scope: Scope; messages?: readonly Message[] }): Promise<{ embedded: number }> {
    return indexMessageEmbeddings({ store: this.store, embedder: this.options.embedder, scope: options.scope, conversationId, messages: options.messages });
  }

  /**
   * Deferred summarization: folds the turns older than the newest `keepRecentTokens` into the stored
   * summary now (e.g. from Next.js `after()`), so later `assemble` calls find it ready.
   * @throws {ValidationError} when summaries are off (`summary: false`).
   */
  compact(conversationId: string, options: CompactOptions): Promise<SummaryPolicyResult> {
    const { store, options: settings } = this;
    const tokenizer = () => this.getTokenizer();
    const summary = settings.summary === false ? undefined : settings.summary;
    return compact({ store, summarizer: managerSummarizer(settings, tokenizer), settings: summary, clock: settings.clock, tokenizer, conversationId, compact: options });
  }

  /** Pages through stored messages by seq. */
  listMessages(
    conversationId: string,
    options: { scope: Scope; order?: 'asc' | 'desc'; afterSeq?: number; beforeSeq?: number; limit?: number },
  ): Promise<Message[]> {
    const { scope, order = 'asc', limit = 100, ...rest } = options;
    return this.store.listMessages(scope, conversationId, { order, limit, ...rest });
  }

  exportConversation(conversationId: string, options: { scope: Scope }): Promise<ConversationExport> {
    return this.store.exportConversation(options.scope, conversationId);
  }

  importConversation(data: ConversationExport, options: { scope: Scope }): Promise<Conversation> {
    return this.store.importConversation(options.scope, data);
  }

  /** Right to erasure: everything of `scope.userId`. */
  eraseUser(options: { scope: Scope & { userId: string } }): Promise<ErasureResult> {
    return this.store.eraseUser(options.scope);
  }

  /**
   * Search over stored messages, in one conversation or across all of the scope's: hybrid
   * (lexical + vector, reciprocal rank fusion) when an embedder is configured and the store has a
   * vector index, else lexical.
   * @throws {CapabilityError} when the store has no lexical search.
   */
  search(query: string, options: SearchOptions): Promise<MessageSearchHit[]> {
    return searchMessages(this.store, query, { ...options, embedder: this.options.embedder });
  }

  /**
   * The scope's conversations ranked by their best matching messages, each with snippets (hybrid
   * when an embedder is configured, lexical otherwise).
   * @param options.limit conversations to return. @default 10
   * @param options.snippets snippets per conversation. @default 3
   * @throws {CapabilityError} when the store has no lexical search.
   */
  searchConversations(query: string, options: { scope: Scope; tags?: readonly string[]; limit?: number; snippets?: number }): Promise<ConversationSearchHit[]> {
    return searchConversations(this.store, query, { ...options, embedder: this.options.embedder });
  }

  /**
   * A thread: a new conversation holding the parent's messages up to `atSeq` (same ids and seqs),
   * with `parentId` and `forkedFromSeq` set. @throws {NotFoundError} when the parent is absent.
   */
  fork(conversationId: string, options: { scope: Scope; atSeq: number; conversation?: CreateConversationInput }): Promise<Conversation> {
    return this.store.forkConversation(options.scope, conversationId, { atSeq: options.atSeq, ...(options.conversation ? { input: options.conversation } : {}) });
  }

  /** The conversations forked from this one (its threads), a page at a time. */
  listChildren(conversationId: string, options: { scope: Scope; limit?: number; cursor?: string }): Promise<Page<Conversation>> {
    const { scope, ...page } = options;
    return this.store.listConversations(scope, { ...page, parentId: conversationId });
  }

  /**
   * Assembles the prompt for the next call (see {@link assembleContext}): one leading system
   * message (system prompt, memories, summary, recalled excerpts — each under its cap), then the
   * most recent turns that fit (whole tool-call groups, never an orphan tool result, starting on a
   * user turn where possible), ending with the current turn. Reads only the tail pages it needs.
   * @returns the messages and a report whose section tokens sum exactly to `report.totalTokens`.
   * @throws {ValidationError} (code `invalid_budget`) for a bad budget; `invalid_input` for bad options.
   * @throws {BudgetTooSmallError} when the system prompt, tools and current turn alone exceed the budget.
   * @throws {NotFoundError} when the conversation is absent in this scope.
   */
  async assemble(conversationId: string, options: AssembleOptions): Promise<AssembleResult> {
    const { shares, recall, sourceTimeoutMs } = this.options;
    return assembleContext(
      {
        store: this.store,
        sources: this.sources,
        tokenizer: await this.getTokenizer(),
        defaults: { ...(shares ? { shares } : {}), ...(recall ? { recall } : {}) },
        ...(sourceTimeoutMs !== undefined ? { sourceTimeoutMs } : {}),
      },
      conversationId,
      options,
    );
  }
}
