import { z } from '@hono/zod-openapi';

/**
 * Zod schemas of the HTTP API; the OpenAPI 3.1 document (`GET /v1/openapi.json`) is generated from
 * them. They check the shape of a request; the store's shared validators (`src/spec/validate.ts`)
 * then check every value, so the API accepts and rejects exactly what the library does.
 * Dates travel as ISO-8601 strings.
 */

const Json = z.unknown().meta({ description: 'Any JSON value' });
export const JsonObjectSchema = z.record(z.string(), Json).meta({ id: 'JsonObject',  description: 'A JSON object' });
const IsoDate = z.string().meta({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' });
const Tags = z.array(z.string()).meta({ description: 'Tags, 1–128 characters each' });
const TtlSchema = z.object({ seconds: z.number().int().positive(), mode: z.enum(['sliding', 'fixed']) }).meta({ id: 'Ttl' });

export const IdParam = z.object({ id: z.string().min(1).max(512).meta({ param: { name: 'id', in: 'path' }, example: 'chat-1' }) });
export const MessageIdParams = IdParam.extend({ messageId: z.string().min(1).max(512).meta({ param: { name: 'messageId', in: 'path' } }) });
export const UserIdParam = z.object({ userId: z.string().min(1).max(512).meta({ param: { name: 'userId', in: 'path' } }) });

export const ConversationSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    userId: z.string().optional(),
    title: z.string().optional(),
    tags: Tags,
    state: JsonObjectSchema,
    stateVersion: z.number().int(),
    metadata: JsonObjectSchema,
    parentId: z.string().optional(),
    forkedFromSeq: z.number().int().optional(),
    ttl: TtlSchema.optional(),
    expiresAt: IsoDate.optional(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    messageCount: z.number().int(),
    tokenCount: z.number().int(),
    lastSeq: z.number().int(),
  })
  .meta({ id: 'Conversation' });

export const CreateConversationSchema = z
  .object({
    id: z.string().optional(),
    title: z.string().optional(),
    tags: Tags.optional(),
    metadata: JsonObjectSchema.optional(),
    state: JsonObjectSchema.optional(),
    ttlSeconds: z.number().int().positive().optional().meta({ description: 'Sliding TTL in seconds (shorthand for ttl: { seconds, mode: "sliding" })' }),
    ttl: TtlSchema.optional(),
    ifExists: z.enum(['error', 'return']).optional().meta({ description: '"return": answer 200 with the existing conversation instead of 409' }),
  })
  .strict().meta({ id: 'CreateConversation' });

export const UpdateConversationSchema = z
  .object({
    title: z.string().nullable().optional(),
    tags: Tags.optional(),
    metadata: JsonObjectSchema.optional(),
    ttlSeconds: z.number().int().positive().nullable().optional(),
    ttl: TtlSchema.nullable().optional(),
  })
  .strict().meta({ id: 'UpdateConversation' });

export const ListConversationsQuery = z.object({
  tag: z.string().optional(),
  parentId: z.string().optional(),
  limit: z.coerce.number().int().optional().meta({ description: '1–1000, default 50' }),
  cursor: z.string().optional().meta({ description: 'nextCursor of the previous page' }),
});

export const StateSchema = z.object({ state: JsonObjectSchema }).strict().meta({ id: 'StateUpdate' });

export const ForkSchema = z
  .object({ atSeq: z.number().int().nonnegative(), conversation: CreateConversationSchema.omit({ ifExists: true }).optional() })
  .strict().meta({ id: 'Fork' });

const ContentPart = z.record(z.string(), Json).meta({ id: 'ContentPart',  description: 'text, file, reasoning, tool-call or tool-result part (AI SDK ModelMessage parts)' });

export const MessageInSchema = z
  .object({
    id: z.string().optional(),
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    name: z.string().optional(),
    content: z.union([z.string(), z.array(ContentPart)]),
    createdAt: IsoDate.optional(),
    metadata: JsonObjectSchema.optional(),
    tags: Tags.optional(),
    tokenCounts: z.record(z.string(), z.number()).optional().meta({ description: 'Prepared messages only (the remote store sends them): token counts by encoding' }),
    contentHash: z.string().optional().meta({ description: 'Prepared messages only: SHA-256 of the canonical content' }),
  })
  .strict().meta({ id: 'MessageIn' });

export const AppendSchema = z
  .object({ messages: z.array(MessageInSchema), dedupeByContentHash: z.boolean().optional() })
  .strict().meta({ id: 'Append' });

export const MessageSchema = MessageInSchema.extend({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int(),
  createdAt: IsoDate,
  metadata: JsonObjectSchema,
  tags: Tags,
  tokenCounts: z.record(z.string(), z.number()),
  contentHash: z.string(),
}).meta({ id: 'Message' });

export const AppendResultSchema = z
  .object({ messages: z.array(MessageSchema), inserted: z.number().int(), conversation: ConversationSchema })
  .meta({ id: 'AppendResult' });

export const ListMessagesQuery = z.object({
  order: z.enum(['asc', 'desc']).optional().meta({ description: 'default asc' }),
  afterSeq: z.coerce.number().int().optional(),
  beforeSeq: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().optional().meta({ description: '1–1000, default 100' }),
});

export const TailSchema = z
  .object({ maxTokens: z.number(), encoding: z.string(), beforeSeq: z.number().int().optional(), maxMessages: z.number().int().optional(), pinnedMemories: z.number().int().optional(), stopAtSummary: z.boolean().optional() })
  .strict().meta({ id: 'TailRequest' });

export const BudgetSchema = z
  .object({ maxTokens: z.number().int().positive().optional(), model: z.string().optional(), reserveOutput: z.number().int().nonnegative().optional() })
  .strict().meta({ id: 'Budget',  description: '{ maxTokens } or { model, reserveOutput }' });

export const ContextRequestSchema = z
  .object({
    budget: BudgetSchema,
    system: z.string().optional(),
    query: z.string().optional(),
    tools: z.array(z.object({ name: z.string(), description: z.string().optional(), parameters: Json.optional() })).optional(),
    shares: z.object({ memories: z.number().optional(), summary: z.number().optional(), recall: z.number().optional() }).optional(),
  })
  .strict().meta({ id: 'ContextRequest' });

export const ContextResultSchema = z
  .object({ messages: z.array(z.record(z.string(), Json)), report: z.record(z.string(), Json).meta({ description: 'AssemblyReport: sections, tokens, dropped items, notes' }) })
  .meta({ id: 'ContextResult' });

export const SummarySchema = z
  .object({ text: z.string(), coversThroughSeq: z.number().int(), tokenCount: z.number().int(), encoding: z.string(), updatedAt: IsoDate })
  .strict().meta({ id: 'Summary' });

export const PutSummarySchema = z
  .object({ summary: SummarySchema, expectedCoversThroughSeq: z.number().int().nullable() })
  .strict().meta({ id: 'PutSummary' });

export const ExportSchema = z
  .object({ format: z.literal('llm-context.conversation/v1'), conversation: JsonObjectSchema, messages: z.array(JsonObjectSchema), summary: JsonObjectSchema.nullable() })
  .meta({ id: 'ConversationExport' });

export const SearchQuery = z.object({
  q: z.string().meta({ description: 'query text' }),
  conversationId: z.string().optional(),
  beforeSeq: z.coerce.number().int().optional(),
  tag: z.union([z.string(), z.array(z.string())]).optional().meta({ description: 'repeat for several tags (all must match)' }),
  limit: z.coerce.number().int().optional().meta({ description: '1–100, default 10' }),
});

export const SearchBodySchema = z
  .object({ query: z.string(), conversationId: z.string().optional(), beforeSeq: z.number().int().optional(), tags: Tags.optional(), limit: z.number().int().optional() })
  .strict().meta({ id: 'MessageSearch' });

export const MemoryInSchema = z
  .object({
    id: z.string().optional(),
    key: z.string().optional(),
    text: z.string(),
    tags: Tags.optional(),
    pinned: z.boolean().optional(),
    source: z.object({ conversationId: z.string(), messageIds: z.array(z.string()) }).optional(),
    metadata: JsonObjectSchema.optional(),
    tokenCounts: z.record(z.string(), z.number()).optional().meta({ description: 'Prepared memories only (the remote store sends them)' }),
    contentHash: z.string().optional(),
  })
  .strict().meta({ id: 'MemoryIn' });

export const MemoryPatchSchema = MemoryInSchema.pick({ text: true, tags: true, pinned: true, metadata: true, tokenCounts: true, contentHash: true }).partial().meta({ id: 'MemoryPatch' });

export const ListMemoriesQuery = z.object({
  tag: z.union([z.string(), z.array(z.string())]).optional(),
  pinned: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().optional(),
  cursor: z.string().optional(),
});

export const MemoryHistoryQuery = z.object({ limit: z.coerce.number().int().optional() });

export const MemorySearchBodySchema = z.object({ query: z.string(), tags: Tags.optional(), limit: z.number().int().optional() }).strict().meta({ id: 'MemorySearch' });

export const EmbeddingRecordsSchema = z
  .object({
    records: z.array(
      z.object({
        kind: z.enum(['message', 'memory']),
        targetId: z.string(),
        conversationId: z.string().optional(),
        seq: z.number().int().optional(),
        model: z.string(),
        vector: z.array(z.number()),
        contentHash: z.string(),
      }),
    ),
  })
  .strict().meta({ id: 'EmbeddingRecords' });

export const VectorSearchSchema = z
  .object({
    kind: z.enum(['message', 'memory']),
    model: z.string(),
    vector: z.array(z.number()),
    conversationId: z.string().optional(),
    beforeSeq: z.number().int().optional(),
    limit: z.number().int().optional(),
  })
  .strict().meta({ id: 'VectorSearch' });

export const VectorHasSchema = z.object({ kind: z.enum(['message', 'memory']), model: z.string(), targetIds: z.array(z.string()) }).strict().meta({ id: 'VectorHas' });

export const TokenRequestSchema = z
  .object({ userId: z.string(), role: z.enum(['read', 'write', 'admin']).optional(), ttlSeconds: z.number().int().optional() })
  .strict().meta({ id: 'TokenRequest' });

export const SweepSchema = z.object({ limit: z.number().int().optional() }).strict().meta({ id: 'Sweep' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'The library error code, e.g. not_found, invalid_input, state_conflict' }),
    field: z.string().optional(),
    retryable: z.boolean().optional(),
    reason: z.enum(['absent', 'expired']).optional().meta({ description: 'Of a not_found: expired when the conversation existed and its TTL passed, else absent' }),
    expiredAt: z.string().optional().meta({ description: 'Of an expired conversation: when it expired (ISO 8601)' }),
    kind: z.enum(['conversation', 'message', 'memory']).optional().meta({ description: 'Of a not_found: what was asked for' }),
    id: z.string().optional().meta({ description: 'Of a not_found: the id asked for' }),
  })
  .meta({ id: 'Problem' });

export const AnyObject = z.record(z.string(), Json);
