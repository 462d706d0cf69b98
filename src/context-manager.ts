import { resolveBudget, type BudgetOptions } from './assemble/budget.js';
import { storedSummarySource } from './assemble/stored-summary-source.js';
import { createMemories, type Memories } from './memories/memories.js';
import { createMemorySource } from './memories/memory-source.js';
import { DEFAULT_MAX_PINNED } from './memories/select-memories.js';
import { createRecallSource } from './search/recall-source.js';
import type { Embedder } from './search/embedder.js';
import { indexEmbeddings, messageEmbeddingTarget } from './search/index-embeddings.js';
import { compactConversation, type SummaryPolicyResult } from './summarize/policy.js';
import { createSummarySource } from './summarize/summary-source.js';
import type { Summarizer } from './summarize/summarizer.js';
import { SECTION_ORDER, type AssemblyReport, type DroppedItem, type SectionName, type SectionReport } from './assemble/report.js';
import { selectWindow } from './assemble/select-window.js';
import type { SectionSources, SummarySourceResult } from './assemble/sources.js';
import {
  blockCost,
  composeSystemContent,
  messageText,
  renderMemories,
  renderRecall,
  renderSummary,
  type RecallExcerpt,
  type SystemBlock,
} from './assemble/system-blocks.js';
import { groupIntoUnits, type MessageUnit } from './assemble/tool-groups.js';
import { BudgetTooSmallError, CapabilityError, LLMContextError, NotFoundError, ValidationError } from './errors.js';
import { prepareMessages } from './messages/prepare.js';
import type { AppendResult, ContextRead, ErasureResult, ListConversationsOptions, MessageSearchHit, Store } from './spec/store.js';
import { validateConversationId, validateQuery, validateScope } from './spec/validate.js';
import { createMemoryStore } from './stores/memory/memory-store.js';
import { getTokenizer } from './tokens/get-tokenizer.js';
import {
  countMessageTokens,
  countToolTokens,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  type ToolDefinition,
} from './tokens/message-tokens.js';
import type { EncodingName, Tokenizer, TokenizerImplementation } from './tokens/tokenizer.js';
import type {
  Conversation,
  ConversationExport,
  CreateConversationInput,
  JsonObject,
  Memory,
  Message,
  MessageContent,
  MessageInput,
  Page,
  Role,
  Scope,
} from './types.js';

/** A message of an assembled prompt: the neutral format the adapters convert from. */
export interface ContextMessage {
  readonly role: Role;
  readonly content: MessageContent;
  readonly name?: string;
  /** The stored message's id; absent on the synthetic leading system message. */
  readonly id?: string;
  /** The stored message's metadata, when it has any keys (adapters restore framework-only fields from it). */
  readonly metadata?: JsonObject;
}

/** Share of the budget (after fixed costs and the current turn) a section may use, 0–1. */
export interface SectionShares {
  /** Pinned and relevant memories. Default 0.15. */
  readonly memories?: number;
  /** The rolling summary. Default 0.2. */
  readonly summary?: number;
  /** Recalled excerpts of older history. Default 0.25. */
  readonly recall?: number;
}

export interface RecallOptions {
  /** Turns to include before and after each match. Default `{ before: 1, after: 1 }`. */
  readonly neighbours?: { readonly before: number; readonly after: number };
  /** Also recall from the user's other conversations. Default false. */
  readonly otherConversations?: boolean;
}

export interface ContextManagerOptions {
  /** Where conversations live. Default: a new in-memory store (`createMemoryStore()`). */
  readonly store?: Store;
  /** Encoding for token counts. Default `o200k_base` (GPT-4o and later). */
  readonly encoding?: EncodingName;
  /** Counting library. Default `gpt-tokenizer` (same counts as js-tiktoken, faster; see README). */
  readonly tokenizerImplementation?: TokenizerImplementation;
  /** A ready tokenizer; overrides `encoding` and `tokenizerImplementation`. */
  readonly tokenizer?: Tokenizer;
  /** Clock in ms since epoch for message timestamps. Default `Date.now`. */
  readonly clock?: { now(): number };
  /** Default section shares for `assemble`. */
  readonly shares?: SectionShares;
  /** Default recall options for `assemble`. */
  readonly recall?: RecallOptions;
  /**
   * Folds turns that fall out of the window into a rolling summary (see `src/summarize/policy.ts`).
   * Without one, a summary already stored (e.g. by `compact`) is still used.
   */
  readonly summarizer?: Summarizer;
  /** How the summarizer runs. */
  readonly summary?: {
    /** `inline`: summarize before `assemble` returns (bounded by `timeoutMs`); `deferred`: `assemble` never waits, call `compact()` later. @default 'inline' */
    readonly mode?: 'inline' | 'deferred';
    /** Summarize only when at least this many uncovered tokens lie before the window. @default 1000 */
    readonly thresholdTokens?: number;
    /** Time limit of one summarizer call in ms. @default 10000 */
    readonly timeoutMs?: number;
  };
  /**
   * Enables vector (hybrid) recall and memory search. New messages are embedded after `append`
   * returns, off the hot path (call `indexEmbeddings` yourself where background work can be cut short).
   */
  readonly embedder?: Embedder;
  /** Replaces how memories, the summary and recalled excerpts are gathered. */
  readonly sources?: Partial<SectionSources>;
  /**
   * Longest one section source (memories, summary, recall) may take, in ms, before assembly goes on
   * without that section and says so in `report.notes` — a hung summarizer, embedder or search
   * backend must not hang the call. @default 15000
   */
  readonly sourceTimeoutMs?: number;
}

export interface AppendOptions {
  readonly scope: Scope;
  /** Skip a retried identical batch of id-less messages (content-hash dedup). */
  readonly dedupeByContentHash?: boolean;
  /** Used to create the conversation on first append. */
  readonly conversation?: Omit<CreateConversationInput, 'id'>;
}

export interface AssembleOptions {
  readonly scope: Scope;
  readonly budget: BudgetOptions;
  /** The system prompt (instructions). Counted and always kept. */
  readonly system?: string;
  /** Tool definitions the call will pass to the model. Counted, not returned. */
  readonly tools?: readonly ToolDefinition[];
  /** Text to retrieve memories and recall by. Default: the current user turn's text. */
  readonly query?: string;
  readonly shares?: SectionShares;
  readonly recall?: RecallOptions;
  readonly signal?: AbortSignal;
}

export interface AssembleResult {
  readonly messages: readonly ContextMessage[];
  readonly report: AssemblyReport;
}

const DEFAULT_SHARES = { memories: 0.15, summary: 0.2, recall: 0.25 } as const;
const MAX_TAIL_READS = 20;
const DEFAULT_SOURCE_TIMEOUT_MS = 15_000;

/**
 * The entry point: stores turns and assembles the prompt for the next call under a token budget.
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
  /** Long-term memories of a scope: `put` (upsert by key), `get`, `list`, `update`, `delete`, `search`. */
  readonly memories: Memories;
  private readonly options: ContextManagerOptions;
  private readonly sources: SectionSources;
  private tokenizerPromise: Promise<Tokenizer> | undefined;

  constructor(options: ContextManagerOptions = {}) {
    this.options = options;
    this.store = options.store ?? createMemoryStore(options.clock ? { clock: options.clock } : {});
    const embedder = options.embedder ? { embedder: options.embedder } : {};
    const now = options.clock ? { now: () => options.clock!.now() } : {};
    this.sources = {
      memories: createMemorySource(embedder),
      recall: createRecallSource(embedder),
      summary: options.summarizer ? createSummarySource({ summarizer: options.summarizer, ...options.summary, ...now }) : storedSummarySource,
      ...options.sources,
    };
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
    validateScope(options.scope);
    validateConversationId(conversationId);
    const tokenizer = await this.getTokenizer();
    const prepared = await prepareMessages(messages, { tokenizer, ...(this.options.clock ? { now: () => this.options.clock!.now() } : {}) });
    const appendOptions = options.dedupeByContentHash ? { dedupeByContentHash: true } : {};
    let result: AppendResult;
    try {
      result = await this.store.appendMessages(options.scope, conversationId, prepared, appendOptions);
    } catch (error) {
      if (!(LLMContextError.isInstance(error) && error.code === 'not_found')) throw error;
      await this.store.createConversation(options.scope, { ...options.conversation, id: conversationId }, { ifExists: 'return' });
      result = await this.store.appendMessages(options.scope, conversationId, prepared, appendOptions);
    }
    if (this.options.embedder && this.store.vectors && result.inserted > 0) {
      // Off the hot path: an embedder failure never fails the append (recall stays lexical for these turns).
      void this.indexEmbeddings(conversationId, { scope: options.scope, messages: result.messages }).catch(() => undefined);
    }
    return result;
  }

  /**
   * Embeds messages that have no vector yet for the configured embedder (each once, in batches).
   * @param options.messages the messages to index; default: the newest 1,000 of the conversation.
   * @returns how many were embedded now.
   * @throws {ValidationError} when no embedder is configured; {@link CapabilityError} when the store has no vector index.
   */
  async indexEmbeddings(conversationId: string, options: { scope: Scope; messages?: readonly Message[] }): Promise<{ embedded: number }> {
    if (!this.options.embedder) throw new ValidationError({ field: 'embedder', message: 'is not configured; pass { embedder } to the ContextManager' });
    const messages = options.messages ?? (await this.store.listMessages(options.scope, conversationId, { order: 'desc', limit: 1000 }));
    const result = await indexEmbeddings({
      store: this.store,
      scope: options.scope,
      embedder: this.options.embedder,
      targets: messages.map(messageEmbeddingTarget).filter((target) => target.text.trim().length > 0),
    });
    return { embedded: result.embedded };
  }

  /**
   * Deferred summarization: folds the turns older than the newest `keepRecentTokens` into the stored
   * summary now (e.g. from Next.js `after()`), so later `assemble` calls find it ready.
   * @throws {ValidationError} when no summarizer is configured.
   */
  async compact(conversationId: string, options: { scope: Scope; keepRecentTokens?: number; maxSummaryTokens?: number; signal?: AbortSignal }): Promise<SummaryPolicyResult> {
    if (!this.options.summarizer) throw new ValidationError({ field: 'summarizer', message: 'is not configured; pass { summarizer } to the ContextManager' });
    validateScope(options.scope);
    validateConversationId(conversationId);
    return compactConversation({
      store: this.store,
      scope: options.scope,
      conversationId,
      tokenizer: await this.getTokenizer(),
      summarizer: this.options.summarizer,
      thresholdTokens: this.options.summary?.thresholdTokens ?? 1000,
      maxSummaryTokens: options.maxSummaryTokens ?? 800,
      timeoutMs: this.options.summary?.timeoutMs ?? 10_000,
      keepRecentTokens: options.keepRecentTokens ?? 2000,
      ...(this.options.clock ? { now: () => this.options.clock!.now() } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
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
   * Lexical search over stored messages, in one conversation or across all of the scope's.
   * @throws {CapabilityError} when the store has no lexical search.
   */
  async search(query: string, options: { scope: Scope; conversationId?: string; tags?: readonly string[]; limit?: number }): Promise<MessageSearchHit[]> {
    validateQuery('query', query);
    if (!this.store.searchMessages) {
      const capability = this.store.capabilities.lexicalSearch;
      throw new CapabilityError({ store: this.store.name, capability: 'lexical search', hint: capability.available ? 'unavailable' : capability.reason });
    }
    const { scope, ...rest } = options;
    return this.store.searchMessages(scope, { query, ...rest });
  }

  /**
   * Assembles the prompt for the next call: one leading system message (system prompt, memories,
   * summary, recalled excerpts — each under its cap), then the most recent turns that fit (whole
   * tool-call groups, never an orphan tool result, starting on a user turn where possible), ending
   * with the current turn. Reads only the tail pages it needs.
   * @returns the messages and a report whose section tokens sum exactly to `report.totalTokens`.
   * @throws {ValidationError} (code `invalid_budget`) for a bad budget; `invalid_input` for bad options.
   * @throws {BudgetTooSmallError} when the system prompt, tools and current turn alone exceed the budget.
   * @throws {NotFoundError} when the conversation is absent in this scope.
   */
  async assemble(conversationId: string, options: AssembleOptions): Promise<AssembleResult> {
    validateScope(options?.scope);
    validateConversationId(conversationId);
    const budget = resolveBudget(options.budget);
    if (options.system !== undefined && typeof options.system !== 'string') throw new ValidationError({ field: 'system', message: 'must be a string' });
    if (options.tools !== undefined && !Array.isArray(options.tools)) throw new ValidationError({ field: 'tools', message: 'must be an array of tool definitions' });
    if (options.query !== undefined) validateQuery('query', options.query);
    const shares = resolveShares({ ...DEFAULT_SHARES, ...this.options.shares, ...options.shares });
    const recallOptions = { ...this.options.recall, ...options.recall };
    const { scope } = options;
    const tokenizer = await this.getTokenizer();
    const encoding = tokenizer.encoding;
    const notes: string[] = [];
    const dropped: DroppedItem[] = [];

    const systemText = options.system && options.system.length > 0 ? options.system : undefined;
    const toolsTokens = options.tools ? countToolTokens(tokenizer, options.tools) : 0;
    const systemFraming = TOKENS_PER_MESSAGE + tokenizer.count('system');
    const fixedTokens = REPLY_PRIMING_TOKENS + toolsTokens + (systemText ? systemFraming + tokenizer.count(systemText) : 0);
    const windowMax = budget.available - fixedTokens;
    if (windowMax <= 0) {
      throw new BudgetTooSmallError({ requiredTokens: fixedTokens, availableTokens: budget.available, what: 'the system prompt and tool definitions' });
    }

    // The tail read: at most the whole window's worth of tokens, newest first, in one round trip.
    const tokensOf = (message: Message) => message.tokenCounts[encoding] ?? countMessageTokens(tokenizer, message);
    let recounted = 0;
    const countChecked = (message: Message) => {
      if (message.tokenCounts[encoding] === undefined) recounted += 1;
      return tokensOf(message);
    };
    // The first read: the conversation, the tail, and — where the store can read them in the same
    // round trip — the stored summary and pinned memories the sources would ask for.
    const tailRead = { maxTokens: windowMax, encoding };
    const wantPinned = shares.memories > 0 && this.store.capabilities.memories.available;
    const prefetched: ContextRead | undefined = this.store.readContext
      ? await this.store.readContext(scope, conversationId, { ...tailRead, ...(wantPinned ? { pinnedMemories: DEFAULT_MAX_PINNED } : {}) })
      : undefined;
    const [conversation, tail] = prefetched
      ? [prefetched.conversation, prefetched.tail]
      : await Promise.all([this.store.getConversation(scope, conversationId), this.store.getTail(scope, conversationId, tailRead)]);
    if (!conversation) throw new NotFoundError({ kind: 'conversation', id: conversationId });
    const reads = { messages: tail.messages.length, roundTrips: prefetched ? 1 : 2 };
    let history: Message[] = [...tail.messages];
    let reachedStart = tail.reachedStart;

    let units = groupIntoUnits(history, countChecked);
    const last = units.at(-1);
    const current = last && last.messages[0]!.role === 'user' && !last.defect ? last : undefined;
    const currentTokens = current?.tokens ?? 0;
    if (current && currentTokens + (systemText ? 0 : systemFraming) > windowMax) {
      throw new BudgetTooSmallError({ requiredTokens: fixedTokens + currentTokens, availableTokens: budget.available, what: 'the system prompt, tools and the current user turn' });
    }
    const currentSeq = current?.messages[0]!.seq;
    const olderUnits = (all: MessageUnit[]) => (current ? all.slice(0, -1) : all);

    // Room for everything but the fixed parts and the current turn; the optional system block
    // framing is reserved up front so adding memories/summary/recall never overflows.
    const rest = windowMax - currentTokens - (systemText ? 0 : systemFraming);
    const caps = {
      memories: Math.floor(rest * shares.memories),
      summary: Math.floor(rest * shares.summary),
      recall: Math.floor(rest * shares.recall),
    };
    // A read that stopped mid-history may have cut a tool group at its start.
    const windowOptions = () => ({ currentIsUser: current !== undefined, cutAtStart: !reachedStart });
    const minimal = selectWindow(olderUnits(units), rest - caps.memories - caps.summary - caps.recall, windowOptions());
    const windowStartSeq = minimal.units[0]?.messages[0]!.seq ?? currentSeq ?? conversation.lastSeq + 1;
    const query = options.query ?? (current ? messageText(current.messages[0]!) : '');
    const wholeHistoryFits = reachedStart && minimal.dropped.length === 0 && minimal.exhausted;

    // Optional sections, each under its cap. A failing source leaves its section empty.
    const blocks: SystemBlock[] = systemText ? [{ section: 'system', text: systemText }] : [];
    let optionalTokens = 0;
    const memoriesIncluded: Memory[] = [];
    // The three sources are independent: they run concurrently, and are placed in order below.
    const sourceNotes = { memories: [] as string[], summary: [] as string[], recall: [] as string[] };
    const wantSummary = !wholeHistoryFits && caps.summary > 0;
    const wantRecall = !wholeHistoryFits && caps.recall > 0 && query.length > 0 && windowStartSeq > 1;
    const [memoriesFound, summaryFound, recallFound] = await Promise.all([
      caps.memories > 0
        ? guard(sourceNotes.memories, 'memories', () =>
            this.sources.memories({ store: this.store, scope, query, maxTokens: caps.memories, tokenizer, ...(prefetched?.memories ? { prefetched: prefetched.memories } : {}), ...signalOf(options) }), this.options.sourceTimeoutMs)
        : undefined,
      wantSummary
        ? guard(sourceNotes.summary, 'summary', () =>
            this.sources.summary({ store: this.store, scope, conversationId, windowStartSeq, maxTokens: caps.summary, tokenizer, ...(prefetched ? { storedSummary: prefetched.summary } : {}), ...signalOf(options) }), this.options.sourceTimeoutMs)
        : undefined,
      wantRecall
        ? guard(sourceNotes.recall, 'recall', () =>
            this.sources.recall({
              store: this.store,
              scope,
              conversationId,
              query,
              beforeSeq: windowStartSeq,
              maxTokens: caps.recall,
              tokenizer,
              neighbours: recallOptions.neighbours ?? { before: 1, after: 1 },
              otherConversations: recallOptions.otherConversations ?? false,
              ...signalOf(options),
            }), this.options.sourceTimeoutMs)
        : undefined,
    ]);
    notes.push(...sourceNotes.memories);
    if (caps.memories > 0) {
      const found = memoriesFound;
      if (found) {
        if (found.note) notes.push(found.note);
        let used = tokenizer.count(renderMemories([])) + 4;
        for (const memory of [...found.pinned, ...found.relevant]) {
          const cost = tokenizer.count(`- ${memory.text}`) + 1;
          if (used + cost > caps.memories) {
            dropped.push({ section: 'memories', reason: 'cap', memoryId: memory.id, tokens: cost });
            continue;
          }
          memoriesIncluded.push(memory);
          used += cost;
        }
        if (memoriesIncluded.length > 0) {
          const text = renderMemories(memoriesIncluded);
          blocks.push({ section: 'memories', text });
          optionalTokens += blockCost(tokenizer, text);
        }
      }
    }

    let summaryResult: SummarySourceResult = { summary: null, status: 'none' };
    notes.push(...sourceNotes.summary);
    if (wantSummary) {
      const found = summaryFound;
      summaryResult = found ?? { summary: null, status: 'failed', note: notes.at(-1) };
      if (summaryResult.note && found) notes.push(summaryResult.note);
      const summary = summaryResult.summary;
      if (summary) {
        const text = renderSummary(summary);
        const cost = blockCost(tokenizer, text);
        if (cost > caps.summary) {
          dropped.push({ section: 'summary', reason: 'cap', tokens: cost });
          summaryResult = { ...summaryResult, summary: null, note: `summary (${cost} tokens) exceeds its cap (${caps.summary})` };
        } else {
          blocks.push({ section: 'summary', text });
          optionalTokens += cost;
        }
      }
    } else if (wholeHistoryFits) {
      summaryResult = { summary: null, status: 'skipped', note: 'the whole history fits the window' };
    }

    let excerpts: RecallExcerpt[] = [];
    notes.push(...sourceNotes.recall);
    if (wantRecall) {
      const found = recallFound;
      if (found?.note) notes.push(found.note);
      excerpts = fitExcerpts(tokenizer, found?.excerpts ?? [], caps.recall, conversationId, dropped);
      if (excerpts.length > 0) optionalTokens += blockCost(tokenizer, renderRecall(excerpts, conversationId));
    }

    // The recent window gets everything the optional sections left unused.
    const windowBudget = rest - optionalTokens;
    // The window grows into what the sections left, but never back over turns the summary covers.
    const summaryFloor = blocks.some((block) => block.section === 'summary') ? (summaryResult.summary?.coversThroughSeq ?? 0) : 0;
    const uncoveredUnits = (all: MessageUnit[]) => olderUnits(all).filter((unit) => unit.messages[0]!.seq > summaryFloor);
    let window = selectWindow(uncoveredUnits(units), windowBudget, windowOptions());
    for (let reads_ = 0; window.exhausted && !reachedStart && history[0]!.seq > summaryFloor + 1 && reads_ < MAX_TAIL_READS; reads_ += 1) {
      const more = await this.store.getTail(scope, conversationId, {
        maxTokens: Math.max(1, windowBudget - window.tokens),
        encoding,
        beforeSeq: history[0]!.seq,
      });
      reads.roundTrips += 1;
      reads.messages += more.messages.length;
      reachedStart = more.reachedStart || more.messages.length === 0;
      history = [...more.messages, ...history];
      units = groupIntoUnits(history, countChecked);
      window = selectWindow(uncoveredUnits(units), windowBudget, windowOptions());
    }
    if (recounted > 0) notes.push(`${recounted} messages had no stored ${encoding} count and were counted on read`);

    // Recalled messages that the final window holds anyway are not repeated.
    const windowStart = window.units[0]?.messages[0]!.seq ?? currentSeq ?? Number.MAX_SAFE_INTEGER;
    excerpts = dedupeAgainstWindow(excerpts, conversationId, windowStart, dropped, tokensOf);
    if (excerpts.length > 0) blocks.push({ section: 'recall', text: renderRecall(excerpts, conversationId) });
    dropped.push(...window.dropped);

    // Compose and count exactly; the planning slack makes an overflow here practically impossible,
    // but if BPE boundaries ever cost more than allowed, the oldest window units give way.
    let keptUnits = [...window.units];
    for (;;) {
      const composed = blocks.length > 0 ? composeSystemContent(tokenizer, blocks) : undefined;
      const messages: ContextMessage[] = [
        ...(composed ? [{ role: 'system' as const, content: composed.content }] : []),
        ...keptUnits.flatMap((unit) => unit.messages.map(toContextMessage)),
        ...(current ? current.messages.map(toContextMessage) : []),
      ];
      const recentTokens = keptUnits.reduce((sum, unit) => sum + unit.tokens, 0);
      const sectionTokens: Record<SectionName, SectionReport> = {
        system: { tokens: composed?.tokens.get('system') ?? 0, items: systemText ? 1 : 0 },
        tools: { tokens: toolsTokens, items: options.tools?.length ?? 0 },
        memories: { tokens: composed?.tokens.get('memories') ?? 0, items: memoriesIncluded.length, cap: caps.memories },
        summary: { tokens: composed?.tokens.get('summary') ?? 0, items: blocks.some((block) => block.section === 'summary') ? 1 : 0, cap: caps.summary },
        recall: { tokens: composed?.tokens.get('recall') ?? 0, items: excerpts.reduce((sum, excerpt) => sum + excerpt.messages.length, 0), cap: caps.recall },
        recent: { tokens: recentTokens, items: keptUnits.reduce((sum, unit) => sum + unit.messages.length, 0) },
        current: { tokens: currentTokens, items: current?.messages.length ?? 0 },
        overhead: { tokens: REPLY_PRIMING_TOKENS + (composed ? systemFraming : 0), items: 0 },
      };
      const totalTokens = SECTION_ORDER.reduce((sum, name) => sum + sectionTokens[name].tokens, 0);
      if (totalTokens > budget.available && keptUnits.length > 0) {
        const oldest = keptUnits.shift()!;
        dropped.push(...oldest.messages.map((message, index) => ({ section: 'recent' as const, reason: 'budget' as const, messageId: message.id, seq: message.seq, tokens: oldest.messageTokens[index]! })));
        continue;
      }
      const windowMessages = keptUnits.flatMap((unit) => unit.messages).concat(current?.messages ?? []);
      const report: AssemblyReport = {
        budget: { maxTokens: budget.maxTokens, reserveOutput: budget.reserveOutput, available: budget.available, ...(budget.model ? { model: budget.model } : {}), encoding, exactTokenizer: budget.exactTokenizer },
        totalTokens,
        sections: sectionTokens,
        dropped,
        window: {
          fromSeq: windowMessages[0]?.seq ?? null,
          toSeq: windowMessages.at(-1)?.seq ?? null,
          messages: windowMessages.length,
          olderMessages: Math.max(0, conversation.messageCount - history.length),
        },
        summary: {
          status: summaryResult.status,
          ...(summaryResult.summary && blocks.some((block) => block.section === 'summary') ? { coversThroughSeq: summaryResult.summary.coversThroughSeq } : {}),
          ...(summaryResult.note ? { note: summaryResult.note } : {}),
        },
        memories: memoriesIncluded.map((memory) => ({ id: memory.id, ...(memory.key !== undefined ? { key: memory.key } : {}), pinned: memory.pinned, ...(memory.source ? { source: memory.source } : {}) })),
        recall: excerpts.map((excerpt) => ({ conversationId: excerpt.conversationId, seqs: excerpt.messages.map((message) => message.seq) })),
        reads,
        notes,
      };
      return { messages, report };
    }
  }
}

/** The memories API, created on first use (it needs the tokenizer, which loads lazily). */
function lazyMemories(create: () => Promise<Memories>): Memories {
  let memories: Promise<Memories> | undefined;
  const get = () => (memories ??= create());
  return {
    put: async (options) => (await get()).put(options),
    get: async (options) => (await get()).get(options),
    list: async (options) => (await get()).list(options),
    update: async (options) => (await get()).update(options),
    delete: async (options) => (await get()).delete(options),
    search: async (options) => (await get()).search(options),
  };
}

function toContextMessage(message: Message): ContextMessage {
  return {
    role: message.role,
    content: message.content,
    ...(message.name !== undefined ? { name: message.name } : {}),
    id: message.id,
    ...(Object.keys(message.metadata).length > 0 ? { metadata: message.metadata } : {}),
  };
}

function resolveShares(shares: Required<SectionShares>): Required<SectionShares> {
  for (const [name, value] of Object.entries(shares)) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ValidationError({ field: `shares.${name}`, message: 'must be a number from 0 to 1' });
  }
  if (shares.memories + shares.summary + shares.recall > 1) {
    throw new ValidationError({ field: 'shares', message: 'memories + summary + recall must not exceed 1' });
  }
  return shares;
}

function signalOf(options: AssembleOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** Runs a section source; a failure becomes a note and an empty section, never a failed call. */
async function guard<T>(notes: string[], section: string, run: () => Promise<T>, timeoutMs = DEFAULT_SOURCE_TIMEOUT_MS): Promise<T | undefined> {
  const timedOut = Symbol('timed out');
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // A source that never settles (a hung embedder or summarizer) is abandoned, not awaited forever.
    const result = await Promise.race([run(), new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)))]);
    if (result === timedOut) {
      notes.push(`${section} source timed out after ${timeoutMs} ms; the section was left empty`);
      return undefined;
    }
    return result;
  } catch (error) {
    const kind = error instanceof Error ? error.name : typeof error;
    notes.push(`${section} source failed (${kind}); the section was left empty`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keeps whole excerpts, best first as given, while the rendered block stays under `cap`. Each
 * excerpt is counted once (its lines plus a 2-token boundary allowance); the block is counted
 * exactly when the system message is composed.
 */
function fitExcerpts(tokenizer: Tokenizer, excerpts: readonly RecallExcerpt[], cap: number, conversationId: string, dropped: DroppedItem[]): RecallExcerpt[] {
  const kept: RecallExcerpt[] = [];
  const header = tokenizer.count(renderRecall([], conversationId));
  let used = blockCost(tokenizer, renderRecall([], conversationId));
  for (const excerpt of excerpts) {
    const cost = tokenizer.count(renderRecall([excerpt], conversationId)) - header + 2;
    if (used + cost > cap) {
      for (const message of excerpt.messages) dropped.push({ section: 'recall', reason: 'cap', messageId: message.id, seq: message.seq, tokens: message.tokenCounts[tokenizer.encoding] ?? 0 });
      continue;
    }
    kept.push(excerpt);
    used += cost;
  }
  return kept.sort(compareExcerpts);
}

function compareExcerpts(a: RecallExcerpt, b: RecallExcerpt): number {
  const timeA = a.messages[0]?.createdAt.getTime() ?? 0;
  const timeB = b.messages[0]?.createdAt.getTime() ?? 0;
  return timeA - timeB || (a.messages[0]?.seq ?? 0) - (b.messages[0]?.seq ?? 0);
}

function dedupeAgainstWindow(
  excerpts: readonly RecallExcerpt[],
  conversationId: string,
  windowStart: number,
  dropped: DroppedItem[],
  tokensOf: (message: Message) => number,
): RecallExcerpt[] {
  const result: RecallExcerpt[] = [];
  for (const excerpt of excerpts) {
    if (excerpt.conversationId !== conversationId) {
      result.push(excerpt);
      continue;
    }
    const kept = excerpt.messages.filter((message) => message.seq < windowStart);
    for (const message of excerpt.messages) {
      if (message.seq >= windowStart) dropped.push({ section: 'recall', reason: 'already-in-window', messageId: message.id, seq: message.seq, tokens: tokensOf(message) });
    }
    if (kept.length > 0) result.push({ conversationId, messages: kept });
  }
  return result;
}
