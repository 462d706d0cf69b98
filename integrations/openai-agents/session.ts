import type { AgentInputItem, Session } from '@openai/agents-core';
import {
  groupIntoUnits,
  LLMContextError,
  resolveBudget,
  TOKENS_PER_MESSAGE,
  validate,
  ValidationError,
  type BudgetOptions,
  type ContextManager,
  type CreateConversationInput,
  type Message,
  type MessageInput,
  type Scope,
} from '../../src/index.js';
import { itemFingerprint, itemFromMetadata, itemToMessage, stableItemId } from './items.js';

/** What the session needs of a `ContextManager` (a `Pick`, so a wrapper or a second installed copy fits). */
export type SessionManager = Pick<ContextManager, 'store' | 'append' | 'getTokenizer' | 'listMessages' | 'deleteConversation' | 'compact'>;

export interface LLMContextSessionOptions {
  readonly manager: SessionManager;
  /** The conversation id the session's items are stored under (the SDK's session id). */
  readonly sessionId: string;
  /** Owner of the conversation; fixed for the session's lifetime. */
  readonly scope: Scope;
  /**
   * Token budget of the history `getItems` returns (`{ maxTokens }` or `{ model, reserveOutput }`;
   * see `resolveBudget`). Leave room for the agent's instructions, tools and the new input.
   */
  readonly budget: BudgetOptions;
  /**
   * The rolling summary of older items, as one leading system message item counted in the budget.
   * - `true` / `'stored'`: when older items are left out, start with the conversation's stored
   *   summary (kept by `manager.compact(sessionId, { scope })`, e.g. after each run).
   * - `'compact'`: first fold the items that fall out of the budget into that summary on `getItems`
   *   (`manager.compact`, so the manager needs a `summarizer`; bounded by its `summary.timeoutMs`
   *   and run only past its `summary.thresholdTokens`), keeping the newest
   *   `budget − maxSummaryTokens` tokens as items.
   * - `false`: no summary.
   * @default true
   */
  readonly summary?: boolean | 'stored' | 'compact';
  /** Longest summary `'compact'` writes, in tokens. @default 20% of the budget */
  readonly maxSummaryTokens?: number;
  /** How the conversation is created on its first write (title, tags, ttl …). */
  readonly conversation?: Omit<CreateConversationInput, 'id'>;
  /**
   * When the conversation is not stored (as `ContextManager.append`'s `ifMissing`): by default a
   * conversation that never existed is created, but an expired one makes the call throw
   * `ConversationExpiredError` (code `not_found`, `reason: 'expired'`) rather than recreating it
   * without its TTL; `'create'` starts it again with `conversation`'s settings; `'error'` throws
   * `NotFoundError` for any missing conversation.
   */
  readonly ifMissing?: 'create' | 'error';
}

/** A stored message in the window: one SDK item. */
interface StoredItem {
  readonly message: Message;
  readonly item: AgentInputItem;
  readonly tokens: number;
}

/** How many stored messages `addItems` compares an id-less batch with (a retried batch is no longer than this). */
const RETRY_WINDOW = 100;

/**
 * An OpenAI Agents JS `Session` backed by any llm-context store.
 *
 * - `addItems` stores each SDK item as one message (role and content parts we can count, search and
 *   summarize, the item itself in metadata) with an id derived from the item's own id or `callId`,
 *   so an item written again — a resumed run, a retried call — is not stored twice. Items without
 *   either (user input) are skipped when the batch starts with the same items as the stored tail.
 * - `getItems(limit?)` returns the newest items that fit the token budget, as whole turns and tool
 *   groups (a call never without its result, a result never without its call; calls still waiting
 *   for a result are left out), oldest first, preceded by the rolling summary when older items were
 *   left out. With `limit`, at most `limit` items (whole groups only, so possibly fewer).
 *
 * Token counts are the stored messages' counts (computed once at write, in the manager's encoding);
 * a call group and the assistant items written next to it count as one unit.
 *
 * Implements the base `Session` only: not the optional history-transaction and history-rewrite
 * capabilities (output-guardrail `replace_suffix`, `replace_function_call`). The runner's recovery of
 * a resumed write that was interrupted mid-way compares `getItems()` before and after; when the
 * budget window has slid in between it raises a `UserError` rather than writing twice.
 *
 * @example
 * ```ts
 * const session = new LLMContextSession({ manager, sessionId: 'chat-1', scope, budget: { maxTokens: 8000 } });
 * const result = await run(agent, 'Hello', { session });
 * ```
 */
export class LLMContextSession implements Session {
  private readonly manager: SessionManager;
  private readonly sessionId: string;
  private readonly scope: Scope;
  private readonly maxTokens: number;
  private readonly summaryMode: 'stored' | 'compact' | false;
  private readonly maxSummaryTokens: number;
  private readonly conversation: Omit<CreateConversationInput, 'id'> | undefined;
  private readonly ifMissing: 'create' | 'error' | undefined;

  /** @throws {ValidationError} for a bad scope, session id or budget. */
  constructor(options: LLMContextSessionOptions) {
    this.manager = options.manager;
    this.scope = validate.validateScope(options.scope);
    this.sessionId = validate.validateConversationId(options.sessionId);
    this.maxTokens = resolveBudget(options.budget).available;
    const summary = options.summary ?? true;
    this.summaryMode = summary === true ? 'stored' : summary;
    this.maxSummaryTokens = options.maxSummaryTokens ?? Math.max(1, Math.floor(this.maxTokens * 0.2));
    if (!Number.isInteger(this.maxSummaryTokens) || this.maxSummaryTokens < 1 || this.maxSummaryTokens >= this.maxTokens) {
      throw new ValidationError({ field: 'maxSummaryTokens', message: `must be an integer from 1 to below the budget (${this.maxTokens} tokens)` });
    }
    this.conversation = options.conversation;
    this.ifMissing = options.ifMissing;
  }

  async getSessionId(): Promise<string> {
    return this.sessionId;
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length === 0) return;
    const ids = await Promise.all(items.map(stableItemId));
    let skip = 0;
    if (ids[0] === undefined) skip = await this.storedOverlap(items);
    const inputs: MessageInput[] = [];
    for (let index = skip; index < items.length; index++) {
      inputs.push(itemToMessage(items[index]!, ids[index] ?? `oa:input:${crypto.randomUUID()}`));
    }
    if (inputs.length === 0) return;
    await this.manager.append(this.sessionId, inputs, {
      scope: this.scope,
      ...(this.conversation ? { conversation: this.conversation } : {}),
      ...(this.ifMissing ? { ifMissing: this.ifMissing } : {}),
    });
  }

  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new ValidationError({ field: 'limit', message: 'must be a non-negative integer (items)' });
    }
    if (limit === 0) return [];
    const tokenizer = await this.manager.getTokenizer();
    const encoding = tokenizer.encoding;
    const tail = await this.readTail(encoding);
    if (tail.messages.length === 0) return [];
    const stored = tail.messages.flatMap((message): StoredItem[] => {
      const item = itemFromMetadata(message.metadata);
      return item ? [{ message, item, tokens: message.tokenCounts[encoding] ?? 0 }] : [];
    });

    let summaryItem: AgentInputItem | undefined;
    let summaryTokens = 0;
    let budget = this.maxTokens;
    const selected = select(stored, budget, limit);
    const leftOutOlder = !tail.reachedStart || selected.length < stored.length;
    if (this.summaryMode !== false && leftOutOlder) {
      if (this.summaryMode === 'compact') {
        await this.manager.compact(this.sessionId, { scope: this.scope, keepRecentTokens: this.maxTokens - this.maxSummaryTokens, maxSummaryTokens: this.maxSummaryTokens });
      }
      const summary = await this.manager.store.getSummary(this.scope, this.sessionId);
      if (summary && summary.text.trim().length > 0) {
        summaryTokens = TOKENS_PER_MESSAGE + tokenizer.count('system') + tokenizer.count(summary.text);
        if (summaryTokens <= budget) {
          summaryItem = { type: 'message', role: 'system', content: summary.text };
          budget -= summaryTokens;
        }
      }
    }
    const window = summaryItem ? select(stored, budget, limit === undefined ? undefined : limit - 1) : selected;
    const items = window.map((entry) => entry.item);
    return summaryItem ? [summaryItem, ...items] : items;
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    const [last] = await this.listOrEmpty({ order: 'desc', limit: 1 });
    if (!last) return undefined;
    await this.manager.store.deleteMessage(this.scope, this.sessionId, last.id);
    return itemFromMetadata(last.metadata);
  }

  async clearSession(): Promise<void> {
    await this.manager.deleteConversation(this.sessionId, { scope: this.scope });
  }

  /** How many leading items of `items` equal the newest stored items (a retried write of id-less input). */
  private async storedOverlap(items: readonly AgentInputItem[]): Promise<number> {
    const recent = (await this.listOrEmpty({ order: 'desc', limit: Math.min(items.length, RETRY_WINDOW) })).reverse();
    const stored = recent.map((message) => itemFromMetadata(message.metadata)).map((item) => (item ? itemFingerprint(item) : ''));
    const batch = items.map(itemFingerprint);
    for (let overlap = Math.min(stored.length, batch.length); overlap > 0; overlap--) {
      const suffix = stored.slice(stored.length - overlap);
      if (suffix.every((fingerprint, index) => fingerprint === batch[index])) return overlap;
    }
    return 0;
  }

  private async readTail(encoding: string) {
    try {
      // The first message read may cross the budget; units that straddle it are incomplete and dropped.
      return await this.manager.store.getTail(this.scope, this.sessionId, { maxTokens: this.maxTokens, encoding });
    } catch (error) {
      if (LLMContextError.isInstance(error) && error.code === 'not_found') return { messages: [], reachedStart: true };
      throw error;
    }
  }

  private async listOrEmpty(options: { order: 'asc' | 'desc'; limit: number }): Promise<Message[]> {
    try {
      return await this.manager.listMessages(this.sessionId, { scope: this.scope, ...options });
    } catch (error) {
      if (LLMContextError.isInstance(error) && error.code === 'not_found') return [];
      throw error;
    }
  }
}

/**
 * The newest whole units (turn messages, tool groups) that fit `budget` tokens and `limit` items,
 * oldest first. Assistant-side items of one response (reasoning and text leading into calls, parallel
 * calls) are grouped as one message first, so parallel calls form one tool group with their results.
 * Units with an orphan result or an unanswered call are skipped; the walk stops at the first sound
 * unit that does not fit, so the window is contiguous apart from skipped broken units. The window
 * then starts at its first user message, when it has one.
 */
function select(stored: readonly StoredItem[], budget: number, limit: number | undefined): StoredItem[] {
  if (limit !== undefined && limit <= 0) return [];
  const merged: Array<{ virtual: Message; members: StoredItem[] }> = [];
  for (const entry of stored) {
    const previous = merged[merged.length - 1];
    // Reasoning and text lead into the calls of their response, and parallel calls join one another;
    // an item after the calls starts a new message (it does not wait for their results).
    const joins = previous !== undefined && previous.virtual.role === 'assistant' && entry.message.role === 'assistant' && (hasToolCall(entry.message) || !hasToolCall(previous.virtual));
    if (previous && joins) {
      previous.members.push(entry);
      previous.virtual = { ...previous.virtual, content: [...asParts(previous.virtual), ...asParts(entry.message)] };
    } else {
      merged.push({ virtual: entry.message, members: [entry] });
    }
  }
  const membersOf = new Map(merged.map((group) => [group.virtual, group.members]));
  const tokensOf = (message: Message) => (membersOf.get(message) ?? []).reduce((sum, member) => sum + member.tokens, 0);
  const units = groupIntoUnits(
    merged.map((group) => group.virtual),
    tokensOf,
  );
  const kept: StoredItem[][] = [];
  let used = 0;
  let count = 0;
  for (let index = units.length - 1; index >= 0; index--) {
    const unit = units[index]!;
    if (unit.defect) continue;
    const members = unit.messages.flatMap((message) => membersOf.get(message) ?? []);
    if (used + unit.tokens > budget || (limit !== undefined && count + members.length > limit)) break;
    kept.unshift(members);
    used += unit.tokens;
    count += members.length;
  }
  // Whole turns: start on a user message when the window holds one (a turn cut at its start would
  // show the model an answer without its question).
  const firstTurn = kept.findIndex((members) => members[0]?.message.role === 'user');
  return (firstTurn > 0 ? kept.slice(firstTurn) : kept).flat();
}

function asParts(message: Message) {
  return typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content;
}

function hasToolCall(message: Message): boolean {
  return typeof message.content !== 'string' && message.content.some((part) => part.type === 'tool-call');
}
