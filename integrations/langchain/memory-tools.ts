import { tool, type ToolRuntime } from '@langchain/core/tools';
import {
  createMemoryToolHandlers,
  MEMORY_TOOL_DESCRIPTIONS,
  type MemoryToolContext,
  type MemoryToolsOptions,
} from '../../src/index.js';
import { MEMORY_TOOL_CONTEXT_SCHEMA, MEMORY_TOOL_INPUT_SCHEMAS } from '../shared/memory-tool-schemas.js';

export interface LangChainMemoryToolsOptions extends MemoryToolsOptions {
  /**
   * Reads who is calling from the tool runtime. Default: `runtime.context` itself, i.e. the agent's
   * `context` (`agent.invoke(input, { context: { scope, conversationId } })`, declared with
   * `contextSchema`). Never from the model's arguments.
   */
  readonly context?: (runtime: ToolRuntime) => MemoryToolContext;
}

const { remember: rememberInput, forget: forgetInput, search: searchInput } = MEMORY_TOOL_INPUT_SCHEMAS;

/**
 * The memory tools as LangChain `tool()`s for `createAgent` (or any tool-calling runnable):
 * `remember`, `forget`, `recall_memories`, `search_history`. The scope comes from the tool runtime
 * (the agent's `context` by default), never from the model's arguments. Each returns a JSON string
 * of at most `maxOutputTokens` tokens (default 400).
 *
 * @example
 * ```ts
 * const agent = createAgent({ model, tools: createMemoryTools({ manager }), contextSchema: memoryToolContextSchema });
 * await agent.invoke({ messages }, { context: { scope: { tenantId: 'acme', userId: 'alice' } } });
 * ```
 * @throws {ValidationError} from a tool call whose runtime has no valid `{ scope }`, or whose
 * arguments must be fixed (LangChain's tool node returns the message to the model; nothing is written).
 */
export function createMemoryTools(options: LangChainMemoryToolsOptions) {
  const handlers = createMemoryToolHandlers(options);
  const contextOf = options.context ?? ((runtime: ToolRuntime) => runtime?.context as MemoryToolContext);
  const remember = tool(async (input, runtime) => JSON.stringify(await handlers.remember(input, contextOf(runtime as ToolRuntime))), {
    name: 'remember',
    description: MEMORY_TOOL_DESCRIPTIONS.remember,
    schema: rememberInput,
  });
  const forget = tool(async (input, runtime) => JSON.stringify(await handlers.forget(input, contextOf(runtime as ToolRuntime))), {
    name: 'forget',
    description: MEMORY_TOOL_DESCRIPTIONS.forget,
    schema: forgetInput,
  });
  const recallMemories = tool(async (input, runtime) => JSON.stringify(await handlers.recallMemories(input, contextOf(runtime as ToolRuntime))), {
    name: 'recall_memories',
    description: MEMORY_TOOL_DESCRIPTIONS.recall_memories,
    schema: searchInput,
  });
  const searchHistory = tool(async (input, runtime) => JSON.stringify(await handlers.searchHistory(input, contextOf(runtime as ToolRuntime))), {
    name: 'search_history',
    description: MEMORY_TOOL_DESCRIPTIONS.search_history,
    schema: searchInput,
  });
  // A mutable tuple: `createAgent({ tools })` takes an array, and callers can still pick one tool by position.
  return [remember, forget, recallMemories, searchHistory] as [typeof remember, typeof forget, typeof recallMemories, typeof searchHistory];
}

/** The agent `contextSchema` the default {@link createMemoryTools} reads (`{ scope, conversationId?, messageIds? }`). */
export const memoryToolContextSchema = MEMORY_TOOL_CONTEXT_SCHEMA;
