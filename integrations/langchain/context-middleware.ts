import { LRUCache } from 'lru-cache';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { InteropZodObject } from '@langchain/core/utils/types';
import { createMiddleware, type AgentMiddleware } from 'langchain';
import { fromLangChainMessage, fromLangChainMessages, toLangChainMessageList } from './convert-messages.js';
import { jsonEqual } from './langchain-fields.js';
import type { AssembleBudget, AssembledMessage, ManagerLike } from './manager-like.js';
import { toolDefinitionsOf } from './tool-definitions.js';
import { LLMContextError, ValidationError, defaultScope, type CreateConversationInput, type Scope, type AssemblyReport } from '../../src/index.js';

/** What the middleware reads from the agent runtime to find the conversation. */
export interface ContextMiddlewareRuntime {
  readonly context?: unknown;
  readonly configurable?: { readonly thread_id?: string; readonly [key: string]: unknown };
}

export interface ContextMiddlewareOptions {
  /** A `ContextManager` (or anything with its `append` and `assemble`). */
  manager: ManagerLike;
  /** Token budget of every model call (tokens). */
  budget: AssembleBudget;
  /**
   * The conversation: a fixed id, or a function of the runtime.
   * @default the runtime's `configurable.thread_id`
   */
  conversationId?: string | ((runtime: ContextMiddlewareRuntime) => string | undefined);
  /** Owner of the conversation, fixed or from the runtime (e.g. `runtime.context.tenantId`). @default defaultScope() */
  scope?: Scope | ((runtime: ContextMiddlewareRuntime) => Scope);
  /**
   * Schema of the `runtime.context` fields that `scope` or `conversationId` read. LangChain hands
   * middleware hooks only the context fields their schema declares, so without it `afterAgent`
   * would see an empty context.
   */
  contextSchema?: InteropZodObject;
  /** Title, tags, metadata or TTL when the first write creates the conversation. */
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
   * The recall query (older turns and memories relevant to it), from the request's messages;
   * `false` turns recall off. @default the text of the last human message
   */
  query?: false | ((messages: readonly BaseMessage[]) => string | undefined);
  /** Called with the assembly report of every model call (tokens per section, what was dropped), e.g. for logging. */
  onReport?: (report: AssemblyReport, info: { conversationId: string; scope: Scope }) => void;
  /** Middleware name (LangChain requires unique names per agent). @default "LLMContextMiddleware" */
  name?: string;
}

/** How many conversations' last recorded message ids are remembered (oldest forgotten first). */
const RECORDED_CACHE_SIZE = 1000;

/**
 * Middleware for LangChain v1 `createAgent` that keeps the conversation in llm-context and sends
 * the model an assembled, budgeted prompt.
 *
 * - Before every model call (`wrapModelCall`) it records the turns new since the last call (the
 *   user's input, tool results; ids are idempotency keys), assembles the context — system prompt,
 *   memories and summary in one leading system message, then the recent window with whole
 *   tool-call groups — and calls the model with it. The replacement is transient: the agent's
 *   state keeps every message.
 * - After the run (`afterAgent`) it records the final messages, so the stored conversation
 *   mirrors the agent's state.
 *
 * Messages that are in the agent's state are sent exactly as they are there (provider-specific
 * fields intact); older turns that only the store holds are converted from it.
 *
 * @throws {ValidationError} (from the model call) when no conversation id can be found: pass
 *   `configurable.thread_id` or the `conversationId` option.
 * @throws {BudgetTooSmallError} when the budget cannot hold the system prompt, tools and current turn.
 *
 * @example
 * ```ts
 * const agent = createAgent({ model, tools, middleware: [contextMiddleware({ manager, budget: { maxTokens: 8000 } })] });
 * await agent.invoke({ messages: [new HumanMessage('Hi')] }, { configurable: { thread_id: 'thread-1' } });
 * ```
 */
export function contextMiddleware(options: ContextMiddlewareOptions): AgentMiddleware {
  const { manager } = options;
  const lastRecorded = new LRUCache<string, string>({ max: RECORDED_CACHE_SIZE });

  function target(runtime: ContextMiddlewareRuntime): { conversationId: string; scope: Scope; key: string } {
    const conversationId = typeof options.conversationId === 'function' ? options.conversationId(runtime) : (options.conversationId ?? runtime.configurable?.thread_id);
    if (typeof conversationId !== 'string' || conversationId === '') {
      throw new ValidationError({ field: 'conversationId', message: 'is missing: pass { configurable: { thread_id } } to the agent call, or the conversationId option to contextMiddleware' });
    }
    const scope = typeof options.scope === 'function' ? options.scope(runtime) : (options.scope ?? defaultScope());
    return { conversationId, scope, key: JSON.stringify([scope.tenantId, scope.userId ?? null, conversationId]) };
  }

  // Appends what follows the newest recorded message. After a restart (nothing cached) one read
  // of the newest stored message finds where to resume, so a long checkpointed thread is not
  // re-hashed and re-counted; ids keep any overlap idempotent.
  async function record(messages: readonly BaseMessage[], runtime: ContextMiddlewareRuntime): Promise<void> {
    const { conversationId, scope, key } = target(runtime);
    const lastId = lastRecorded.get(key) ?? (await newestStoredId(conversationId, scope));
    let start = 0;
    if (lastId !== undefined) {
      const index = messages.findLastIndex((message) => message.id === lastId);
      if (index >= 0) start = index + 1;
    }
    const fresh = messages.slice(start);
    if (fresh.length > 0) {
      await manager.append(conversationId, fromLangChainMessages(fresh), {
        scope,
        ...(options.conversation === undefined ? {} : { conversation: options.conversation }),
        ...(options.ifMissing === undefined ? {} : { ifMissing: options.ifMissing }),
      });
    }
    const newest = messages.at(-1)?.id;
    if (newest !== undefined) lastRecorded.set(key, newest);
    else lastRecorded.delete(key);
  }

  async function newestStoredId(conversationId: string, scope: Scope): Promise<string | undefined> {
    try {
      const [newest] = await manager.listMessages(conversationId, { scope, order: 'desc', limit: 1 });
      return newest?.id;
    } catch (error) {
      if (LLMContextError.isInstance(error) && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  return createMiddleware({
    name: options.name ?? 'LLMContextMiddleware',
    ...(options.contextSchema === undefined ? {} : { contextSchema: options.contextSchema }),
    wrapModelCall: async (request, handler) => {
      const runtime = request.runtime as ContextMiddlewareRuntime;
      await record(request.messages, runtime);
      const { conversationId, scope } = target(runtime);
      const system = request.systemMessage.text;
      const tools = toolDefinitionsOf(request.tools);
      const query = options.query === false ? undefined : (options.query ?? lastHumanText)(request.messages);
      const { messages, report } = await manager.assemble(conversationId, {
        scope,
        budget: options.budget,
        ...(system === '' ? {} : { system }),
        ...(tools.length === 0 ? {} : { tools }),
        ...(query === undefined || query === '' ? {} : { query }),
      });
      options.onReport?.(report, { conversationId, scope });
      const first = messages[0];
      const leadingSystem = first !== undefined && first.role === 'system' && first.id === undefined ? first : undefined;
      const window = leadingSystem === undefined ? messages : messages.slice(1);
      return handler({
        ...request,
        systemMessage: leadingSystem === undefined ? request.systemMessage : new SystemMessage(textOf(leadingSystem)),
        messages: fromState({ window, stateMessages: request.messages }),
      });
    },
    afterAgent: async (state, runtime) => {
      await record(state.messages, runtime as ContextMiddlewareRuntime);
      return undefined;
    },
  });
}

/**
 * Assembled messages as LangChain messages, each taken from the agent state when it is there
 * unchanged (exact, provider fields intact); turns only the store holds are converted from the
 * assembled message, whose stored metadata keeps the LangChain-only fields.
 */
function fromState(options: { window: readonly AssembledMessage[]; stateMessages: readonly BaseMessage[] }): BaseMessage[] {
  const byId = new Map<string, BaseMessage>();
  for (const message of options.stateMessages) if (message.id !== undefined) byId.set(message.id, message);
  const fromStateOrUndefined = options.window.map((message) => {
    const original = message.id === undefined ? undefined : byId.get(message.id);
    return original !== undefined && jsonEqual(fromLangChainMessage(original).content, message.content) ? original : undefined;
  });
  if (fromStateOrUndefined.every((message) => message !== undefined)) return fromStateOrUndefined;
  // Assembled messages carry their stored metadata, where LangChain-only fields are kept.
  return options.window.flatMap((message, index) => {
    const original = fromStateOrUndefined[index];
    return original === undefined ? toLangChainMessageList(message) : [original];
  });
}

function textOf(message: AssembledMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

function lastHumanText(messages: readonly BaseMessage[]): string | undefined {
  const human = messages.findLast((message) => HumanMessage.isInstance(message));
  return human?.text;
}
