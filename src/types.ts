/**
 * The data model of llm-context: scopes, conversations, messages and their content parts,
 * summaries and memories. Every type here is JSON-serializable except `Date` fields, which
 * exports turn into ISO-8601 strings.
 *
 * The message format follows the Vercel AI SDK's `ModelMessage` (roles `system | user |
 * assistant | tool`; parts `text`, `file`, `reasoning`, `tool-call`, `tool-result`) so that the
 * adapters convert losslessly.
 */

/** Any JSON value. `undefined`, functions, `NaN`/`Infinity` and class instances are not JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (the shape of `metadata` and `state`). */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Who owns data. Every store operation takes a scope and never reads or writes outside it.
 *
 * Ownership is exact: a conversation created with `{ tenantId: 'a', userId: 'u' }` is visible
 * only to that same pair; a scope without `userId` sees only the tenant's user-less data. The one
 * widening is {@link Memory}: a user also reads the tenant's user-less (shared) memories.
 */
export interface Scope {
  /** Tenant (organisation, workspace). Required; use {@link defaultScope} for single-tenant apps. */
  readonly tenantId: string;
  /** End user within the tenant. */
  readonly userId?: string;
}

/** Message roles, as in OpenAI's chat format and the AI SDK's `ModelMessage`. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

export const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** Plain text. */
export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

/**
 * A file by reference: an `https:` URL, a small `data:` URL (counted against the message size
 * limit), or an application reference such as `s3://bucket/key`. Large blobs belong in object
 * storage, not in the conversation store.
 */
export interface FilePart {
  readonly type: 'file';
  /** IANA media type, e.g. `image/png`. */
  readonly mediaType: string;
  readonly url: string;
  readonly filename?: string;
}

/** Model reasoning ("thinking") text, kept so a provider that requires it can be sent it back. */
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
}

/** A tool call requested by the assistant. `input` is the parsed JSON arguments. */
export interface ToolCallPart {
  readonly type: 'tool-call';
  readonly toolCallId: string;
  readonly toolName: string;
  readonly input: JsonValue;
}

/** The result of a tool call; pairs with the {@link ToolCallPart} of the same `toolCallId`. */
export interface ToolResultPart {
  readonly type: 'tool-result';
  readonly toolCallId: string;
  readonly toolName: string;
  readonly output: JsonValue;
  readonly isError?: boolean;
}

export type ContentPart = TextPart | FilePart | ReasoningPart | ToolCallPart | ToolResultPart;

export type MessageContent = string | readonly ContentPart[];

/** What a caller appends. The store assigns `seq`; the manager fills `id`, `createdAt`, token counts and hash. */
export interface MessageInput {
  /** Caller-supplied id (idempotency key within the conversation); generated when absent. */
  readonly id?: string;
  readonly role: Role;
  /** Participant name (OpenAI `name`, LangChain `name`). */
  readonly name?: string;
  readonly content: MessageContent;
  readonly createdAt?: Date;
  readonly metadata?: JsonObject;
  readonly tags?: readonly string[];
}

/** A message ready to be written: every derived field computed once, before the store sees it. */
export interface NewMessage {
  readonly id: string;
  readonly role: Role;
  readonly name?: string;
  readonly content: MessageContent;
  readonly createdAt: Date;
  readonly metadata: JsonObject;
  readonly tags: readonly string[];
  /** Token count of the whole message in the chat format (content plus per-message framing), keyed by encoding name. */
  readonly tokenCounts: Readonly<Record<string, number>>;
  /** Lowercase hex SHA-256 of the canonical JSON of `{ role, name, content }`. */
  readonly contentHash: string;
}

/** A stored message. */
export interface Message extends NewMessage {
  readonly conversationId: string;
  /** Store-assigned position, strictly increasing within the conversation, starting at 1. */
  readonly seq: number;
}

/** How a conversation expires. `sliding` pushes `expiresAt` forward on every append. */
export interface TtlPolicy {
  /** Time to live in seconds (positive integer). */
  readonly seconds: number;
  readonly mode: 'sliding' | 'fixed';
}

export interface Conversation {
  readonly id: string;
  readonly tenantId: string;
  readonly userId?: string;
  readonly title?: string;
  readonly tags: readonly string[];
  /** Application state (JSON); see `stateVersion`. */
  readonly state: JsonObject;
  /** Incremented on every state update; pass it as `expectedVersion` for optimistic concurrency. Starts at 0. */
  readonly stateVersion: number;
  readonly metadata: JsonObject;
  /** The conversation this one was forked from. */
  readonly parentId?: string;
  /** The parent's last message `seq` copied into this fork. */
  readonly forkedFromSeq?: number;
  readonly ttl?: TtlPolicy;
  /** When the conversation becomes invisible to every read (and sweepable). */
  readonly expiresAt?: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly messageCount: number;
  /** Sum of message token counts in the store's primary encoding (see `tokenEncoding`). */
  readonly tokenCount: number;
  /** Highest `seq` ever assigned (0 when empty). Deleted messages leave gaps; `seq` is never reused. */
  readonly lastSeq: number;
}

export interface CreateConversationInput {
  /** Caller-supplied id; generated (UUID v4) when absent. */
  readonly id?: string;
  readonly title?: string;
  readonly tags?: readonly string[];
  readonly state?: JsonObject;
  readonly metadata?: JsonObject;
  readonly ttl?: TtlPolicy;
}

export interface UpdateConversationInput {
  readonly title?: string | null;
  readonly tags?: readonly string[];
  readonly metadata?: JsonObject;
  /** A new TTL policy (counted from now), or `null` to remove expiry. */
  readonly ttl?: TtlPolicy | null;
}

/** The rolling summary of a conversation's older turns. Raw messages are never deleted for it. */
export interface Summary {
  readonly text: string;
  /** Every message with `seq <= coversThroughSeq` is folded into `text`. */
  readonly coversThroughSeq: number;
  /** Token count of `text` (without message framing) in `encoding`. */
  readonly tokenCount: number;
  readonly encoding: string;
  readonly updatedAt: Date;
}

/** Where a memory came from. */
export interface MemorySource {
  readonly conversationId: string;
  readonly messageIds: readonly string[];
}

/**
 * A long-term fact. Written to exactly one scope, like conversations; read more widely: a
 * tenant-level memory (written with a scope without `userId`) is *shared* — every user of the
 * tenant reads it (in `get`, `list`, `search`, `history` and assembly), marked `shared: true`, but
 * only the tenant scope changes it. A user's own memories are read only through that user's scope.
 *
 * A memory has versions: changing its text (an upsert by `key`, or an update) supersedes the
 * current version instead of overwriting it. The current version has `validFrom` and no `validTo`;
 * superseded ones (read with `history`) carry the `validTo` at which the newer one took over.
 */
export interface Memory {
  readonly id: string;
  readonly tenantId: string;
  /** The owning user; absent on a tenant-level (shared) memory. */
  readonly userId?: string;
  /** True for a tenant-level memory (no `userId`): shared with every user of the tenant, read-only for them. */
  readonly shared: boolean;
  /** Structured key; `put` with an existing key in the same scope updates that memory (upsert). */
  readonly key?: string;
  readonly text: string;
  readonly tags: readonly string[];
  /** Pinned memories are always included in assembled context ("working memory"). */
  readonly pinned: boolean;
  readonly source?: MemorySource;
  readonly metadata: JsonObject;
  readonly tokenCounts: Readonly<Record<string, number>>;
  readonly contentHash: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When this version's text became the fact (its first write, or the write that superseded the previous text). ISO-8601 on the wire. */
  readonly validFrom: Date;
  /** When a newer text superseded this version; absent on the current version. ISO-8601 on the wire. */
  readonly validTo?: Date;
}

export interface MemoryInput {
  readonly id?: string;
  readonly key?: string;
  readonly text: string;
  readonly tags?: readonly string[];
  readonly pinned?: boolean;
  readonly source?: MemorySource;
  readonly metadata?: JsonObject;
}

/** A memory ready to be written (derived fields computed by the manager). */
export interface NewMemory {
  readonly id: string;
  readonly key?: string;
  readonly text: string;
  readonly tags: readonly string[];
  readonly pinned: boolean;
  readonly source?: MemorySource;
  readonly metadata: JsonObject;
  readonly tokenCounts: Readonly<Record<string, number>>;
  readonly contentHash: string;
}

/** One page of a cursor-paginated listing. `nextCursor` is absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** The lossless JSON export of one conversation (`exportConversation` / `importConversation`). */
export interface ConversationExport {
  readonly format: 'llm-context.conversation/v1';
  readonly conversation: JsonObject;
  readonly messages: readonly JsonObject[];
  readonly summary: JsonObject | null;
}

/** Returns the single-tenant scope `{ tenantId: "default" }`, for apps without tenants. */
export function defaultScope(userId?: string): Scope {
  return userId === undefined ? { tenantId: 'default' } : { tenantId: 'default', userId };
}
