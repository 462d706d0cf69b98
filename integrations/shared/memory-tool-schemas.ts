import { z } from 'zod';
import { MAX_TOOL_SEARCH_LIMIT } from '../../src/index.js';

/*
 * The zod schemas of the memory tools, shared by the AI SDK and LangChain adapters. They live here,
 * not in the main entry, so that importing `llm-context` never loads zod (about a hundred modules,
 * ≈ 0.1 s of a serverless cold start; see bench/cold-start.ts).
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

/**
 * The zod input schemas of the memory tools. They hold no scope field: where the data lives is never
 * the model's choice (the scope comes from the call's context).
 */
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
