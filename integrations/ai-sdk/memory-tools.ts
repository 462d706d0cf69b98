import { tool } from 'ai';
import type { z } from 'zod';
import {
  createMemoryToolHandlers,
  MEMORY_TOOL_DESCRIPTIONS,
  type MemoryToolContext,
  type MemoryToolsOptions,
} from '../../src/index.js';
import { MEMORY_TOOL_CONTEXT_SCHEMA, MEMORY_TOOL_INPUT_SCHEMAS } from '../shared/memory-tool-schemas.js';

/** The tool context every memory tool requires (`toolsContext` of `generateText` / `streamText`). */
export const memoryToolContextSchema = MEMORY_TOOL_CONTEXT_SCHEMA;

const { remember: rememberInput, forget: forgetInput, search: searchInput } = MEMORY_TOOL_INPUT_SCHEMAS;

/** The names of the memory tools, as the model sees them. */
export type MemoryToolName = 'remember' | 'forget' | 'recall_memories' | 'search_history';

/**
 * The memory tools as AI SDK `tool()`s: `remember`, `forget`, `recall_memories`, `search_history`.
 * Each reads who is calling from its tool context (`toolsContext`, ai 7; `experimental_context`,
 * ai 6), never from the model's arguments; build that context with {@link memoryToolsContext}.
 * Outputs are small JSON objects bounded by `maxOutputTokens` (default 400 tokens).
 *
 * @example
 * ```ts
 * const result = await generateText({
 *   model, prompt, tools: createMemoryTools({ manager }),
 *   toolsContext: memoryToolsContext({ scope: { tenantId: 'acme', userId: session.userId }, conversationId: 'chat-1' }),
 * });
 * ```
 * @throws {ValidationError} from a tool call with a missing/bad context or arguments (the SDK sends
 * the message to the model as the tool error; nothing is written).
 */
export function createMemoryTools(options: MemoryToolsOptions) {
  const handlers = createMemoryToolHandlers(options);
  const contextOf = (execution: { context?: unknown; experimental_context?: unknown }) =>
    (execution.context ?? execution.experimental_context) as MemoryToolContext;
  return {
    remember: tool({
      description: MEMORY_TOOL_DESCRIPTIONS.remember,
      inputSchema: rememberInput,
      contextSchema: memoryToolContextSchema,
      execute: (input, execution) => handlers.remember(input, contextOf(execution)),
    }),
    forget: tool({
      description: MEMORY_TOOL_DESCRIPTIONS.forget,
      inputSchema: forgetInput,
      contextSchema: memoryToolContextSchema,
      execute: (input, execution) => handlers.forget(input, contextOf(execution)),
    }),
    recall_memories: tool({
      description: MEMORY_TOOL_DESCRIPTIONS.recall_memories,
      inputSchema: searchInput,
      contextSchema: memoryToolContextSchema,
      execute: (input, execution) => handlers.recallMemories(input, contextOf(execution)),
    }),
    search_history: tool({
      description: MEMORY_TOOL_DESCRIPTIONS.search_history,
      inputSchema: searchInput,
      contextSchema: memoryToolContextSchema,
      execute: (input, execution) => handlers.searchHistory(input, contextOf(execution)),
    }),
  };
}

/** The tool context of one memory tool call, as the tools' `contextSchema` types it. */
export type MemoryToolsContextValue = z.infer<typeof memoryToolContextSchema>;

/** The `toolsContext` map for {@link createMemoryTools}: the same caller context for each memory tool. */
export function memoryToolsContext(context: MemoryToolContext): Record<MemoryToolName, MemoryToolsContextValue> {
  const value: MemoryToolsContextValue = {
    scope: context.scope.userId === undefined ? { tenantId: context.scope.tenantId } : { tenantId: context.scope.tenantId, userId: context.scope.userId },
    ...(context.conversationId !== undefined ? { conversationId: context.conversationId } : {}),
    ...(context.messageIds !== undefined ? { messageIds: [...context.messageIds] } : {}),
  };
  return { remember: value, forget: value, recall_memories: value, search_history: value };
}
