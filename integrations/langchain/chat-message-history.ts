import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import type { BaseMessage } from '@langchain/core/messages';
import { fromLangChainMessages, toLangChainMessages } from './convert-messages.js';
import type { AssembleBudget, ManagerLike } from './manager-like.js';
import { readRange } from './read-range.js';
import { LLMContextError, ValidationError, defaultScope, type CreateConversationInput, type Scope } from '../../src/index.js';

export interface LLMContextChatMessageHistoryOptions {
  /** A `ContextManager` (or anything with its `append`/`assemble`/`listMessages`/`deleteConversation`). */
  manager: ManagerLike;
  /** The conversation, e.g. `RunnableWithMessageHistory`'s `sessionId`. Created on the first write. */
  conversationId: string;
  /** Owner of the conversation. @default defaultScope() ({ tenantId: "default" }) */
  scope?: Scope;
  /**
   * What `getMessages` returns:
   * - `"history"`: every stored message, oldest first (paged reads of 1,000 messages);
   * - `"context"`: the assembled prompt under `assemble.budget` — one leading system message
   *   (system prompt, memories, summary) then the recent window, whole tool-call groups only.
   * @default "history"
   */
  view?: 'history' | 'context';
  /** Assembly options for `view: "context"`. The new turn is not stored yet when LangChain reads history, so leave room for it in `reserveOutput`. */
  assemble?: { budget: AssembleBudget; system?: string; query?: string };
  /** Title, tags, metadata or TTL of the conversation when the first write creates it. */
  conversation?: Omit<CreateConversationInput, 'id'>;
  /**
   * When the conversation is not stored (as `ContextManager.append`'s `ifMissing`): by default a
   * conversation that never existed is created, but an expired one makes the call throw
   * `ConversationExpiredError` (code `not_found`, `reason: 'expired'`) rather than recreating it
   * without its TTL; `'create'` starts it again with `conversation`'s settings; `'error'` throws
   * `NotFoundError` for any missing conversation.
   */
  ifMissing?: 'create' | 'error';
  /**
   * Skip a batch whose roles and contents equal the newest stored messages: a retried
   * `addMessages` whose messages have no ids (LangChain's usually have none) is then not stored
   * twice. Turn it off only when the same turn may legitimately be stored twice in a row.
   * @default true
   */
  dedupeByContentHash?: boolean;
}

/**
 * A LangChain chat message history backed by llm-context, for `RunnableWithMessageHistory` and
 * anything else that takes a `BaseListChatMessageHistory`.
 *
 * `addMessages` writes one atomic batch (`RunnableWithMessageHistory` saves each turn's input and
 * output in one call). A retried batch is not stored twice: message ids are idempotency keys, and a
 * batch without ids that equals the newest stored messages is recognised by content hash (see
 * `dedupeByContentHash`, on by default).
 * Conversion is lossless (see `toLangChainMessages`): `tool_calls`, `tool_call_id`, names, ids,
 * content blocks, `additional_kwargs` and `response_metadata` come back as they went in.
 *
 * @example
 * ```ts
 * const manager = new ContextManager();
 * const chain = new RunnableWithMessageHistory({
 *   runnable: prompt.pipe(model),
 *   getMessageHistory: (sessionId) => new LLMContextChatMessageHistory({ manager, conversationId: sessionId }),
 *   inputMessagesKey: 'input',
 *   historyMessagesKey: 'history',
 * });
 * ```
 */
export class LLMContextChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['llm_context', 'chat_history'];

  readonly manager: ManagerLike;
  readonly conversationId: string;
  readonly scope: Scope;
  readonly #options: LLMContextChatMessageHistoryOptions;

  /** @throws {ValidationError} when `view` is `"context"` without `assemble.budget`. */
  constructor(options: LLMContextChatMessageHistoryOptions) {
    super();
    if (options.view === 'context' && options.assemble?.budget === undefined) {
      throw new ValidationError({ field: 'assemble.budget', message: 'is required with view "context" (e.g. { budget: { maxTokens: 8000 } })' });
    }
    this.manager = options.manager;
    this.conversationId = options.conversationId;
    this.scope = options.scope ?? defaultScope();
    this.#options = options;
  }

  /**
   * The stored history, or the assembled context with `view: "context"`. An absent conversation reads as empty.
   * @throws {BudgetTooSmallError} (view "context") when the budget cannot hold the system prompt.
   */
  async getMessages(): Promise<BaseMessage[]> {
    try {
      if (this.#options.view === 'context') return await this.#assembled();
      return toLangChainMessages(await readRange({ manager: this.manager, conversationId: this.conversationId, scope: this.scope }));
    } catch (error) {
      if (LLMContextError.isInstance(error) && error.code === 'not_found') return [];
      throw error;
    }
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /**
   * Appends the messages as one atomic batch (all or nothing), creating the conversation on first use.
   * @throws {ValidationError} for a message the store cannot hold (nothing is written).
   * @throws {ConversationExpiredError} when the conversation's TTL passed (unless `ifMissing: 'create'`):
   *   start a new conversation id, or pass `ifMissing: 'create'` to start this one again.
   */
  override async addMessages(messages: BaseMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const options = this.#options;
    await this.manager.append(this.conversationId, fromLangChainMessages(messages), {
      scope: this.scope,
      dedupeByContentHash: options.dedupeByContentHash ?? true,
      ...(options.conversation === undefined ? {} : { conversation: options.conversation }),
      ...(options.ifMissing === undefined ? {} : { ifMissing: options.ifMissing }),
    });
  }

  /** Deletes the conversation with its messages and summary (the next write starts a new one). */
  override async clear(): Promise<void> {
    await this.manager.deleteConversation(this.conversationId, { scope: this.scope });
  }

  async #assembled(): Promise<BaseMessage[]> {
    // Assembled messages carry their stored metadata, where LangChain-only fields are kept.
    const { messages } = await this.manager.assemble(this.conversationId, { scope: this.scope, ...this.#options.assemble! });
    return toLangChainMessages(messages);
  }
}
