import { ValidationError } from '../errors.js';
import type { ContentPartSchema } from './content-part-schema.js';
import { decodeCursor, type ListCursor } from './cursor.js';
import type { EmbeddingRecord, TailOptions, VectorSearchOptions } from './store.js';
import type {
  ConversationExport,
  CreateConversationInput,
  JsonObject,
  NewMemory,
  NewMessage,
  Role,
  Scope,
  Summary,
  TtlPolicy,
  UpdateConversationInput,
} from '../types.js';

/**
 * Input validation shared by every store, run at the store boundary before anything is written,
 * so a bad call throws a `ValidationError` (with the field path and the fix) and changes nothing.
 *
 * Strings must be well-formed UTF-16 without NUL characters: PostgreSQL `text`/`jsonb` cannot hold
 * U+0000 and lone surrogates do not survive a UTF-8 round trip, so accepting them in one store
 * and not another would break the "same behaviour on every backend" contract.
 */

/** Default per-message size limit: 1 MiB of UTF-8 JSON (content + metadata). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_ID_LENGTH = 256;
const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 128;
const MAX_JSON_DEPTH = 64;
export const MAX_PAGE_LIMIT = 1000;

const encoder = new TextEncoder();

function fail(field: string, message: string): never {
  throw new ValidationError({ field, message });
}

function checkString(field: string, value: unknown): string {
  if (typeof value !== 'string') fail(field, 'must be a string');
  if (value.includes('\u0000')) fail(field, 'must not contain NUL (U+0000) characters');
  if (!value.isWellFormed()) fail(field, 'must be well-formed UTF-16 (no lone surrogates)');
  return value;
}

/** Ids: 1–256 characters, no control characters. */
export function validateId(field: string, value: unknown): string {
  const id = checkString(field, value);
  if (id.length === 0 || id.length > MAX_ID_LENGTH) fail(field, `must be 1–${MAX_ID_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) fail(field, 'must not contain control characters');
  return id;
}

export function validateScope(scope: unknown): Scope {
  if (typeof scope !== 'object' || scope === null) fail('scope', 'must be an object { tenantId, userId? }; use defaultScope() for a single-tenant app');
  const { tenantId, userId } = scope as Record<string, unknown>;
  validateId('scope.tenantId', tenantId);
  if (userId !== undefined) validateId('scope.userId', userId);
  return scope as Scope;
}

export function validateUserScope(scope: unknown): Scope & { userId: string } {
  const checked = validateScope(scope);
  if (checked.userId === undefined) fail('scope.userId', 'is required for this operation');
  return checked as Scope & { userId: string };
}

export function validateConversationId(value: unknown): string {
  return validateId('conversationId', value);
}

export function validateTags(field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) fail(field, 'must be an array of strings');
  if (value.length > MAX_TAGS) fail(field, `must have at most ${MAX_TAGS} tags`);
  // A loop, not forEach with a closure (this runs for every appended message); holes are skipped as forEach skips them.
  for (let index = 0; index < value.length; index += 1) {
    if (!(index in value)) continue;
    const tag: unknown = value[index];
    if (typeof tag === 'string' && tag.length > 0 && tag.length <= MAX_TAG_LENGTH && !tag.includes('\u0000') && tag.isWellFormed()) continue;
    const text = checkString(`${field}[${index}]`, tag);
    if (text.length === 0 || text.length > MAX_TAG_LENGTH) fail(`${field}[${index}]`, `must be 1–${MAX_TAG_LENGTH} characters`);
  }
  return value as string[];
}

/** Checks that `value` is plain JSON: no `undefined`, functions, non-finite numbers, class instances, `__proto__` keys, or depth over 64. */
export function validateJsonValue(field: string, value: unknown, depth = 0): void {
  if (depth > MAX_JSON_DEPTH) fail(field, `must be nested at most ${MAX_JSON_DEPTH} levels deep`);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'string') {
    checkString(field, value);
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(field, 'must be a finite number (NaN and Infinity are not JSON)');
    return;
  }
  if (Array.isArray(value)) {
    // Holes are skipped, as forEach skips them.
    for (let index = 0; index < value.length; index += 1) if (index in value) validateJsonValue(`${field}[${index}]`, value[index], depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) fail(field, 'must be a plain JSON object (not a class instance, Date, Map…)');
    for (const key of Object.keys(value)) {
      if (key === '__proto__') fail(field, 'must not have a "__proto__" key');
      checkString(`${field} key`, key);
      validateJsonValue(`${field}.${key}`, (value as Record<string, unknown>)[key], depth + 1);
    }
    return;
  }
  fail(field, `must be JSON (got ${typeof value})`);
}

export function validateJsonObject(field: string, value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be a JSON object');
  validateJsonValue(field, value);
  return value as JsonObject;
}

export function validateTtl(field: string, value: unknown): TtlPolicy {
  if (typeof value !== 'object' || value === null) fail(field, 'must be { seconds, mode: "sliding" | "fixed" }');
  const { seconds, mode } = value as Record<string, unknown>;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds <= 0) fail(`${field}.seconds`, 'must be a positive integer (seconds)');
  if (mode !== 'sliding' && mode !== 'fixed') fail(`${field}.mode`, 'must be "sliding" or "fixed"');
  return value as TtlPolicy;
}

export function validateCreateConversation(input: unknown): CreateConversationInput {
  if (typeof input !== 'object' || input === null) fail('input', 'must be an object');
  const value = input as Record<string, unknown>;
  if (value.id !== undefined) validateId('input.id', value.id);
  if (value.title !== undefined) checkString('input.title', value.title);
  if (value.tags !== undefined) validateTags('input.tags', value.tags);
  if (value.state !== undefined) validateJsonObject('input.state', value.state);
  if (value.metadata !== undefined) validateJsonObject('input.metadata', value.metadata);
  if (value.ttl !== undefined) validateTtl('input.ttl', value.ttl);
  return input as CreateConversationInput;
}

export function validateUpdateConversation(patch: unknown): UpdateConversationInput {
  if (typeof patch !== 'object' || patch === null) fail('patch', 'must be an object');
  const value = patch as Record<string, unknown>;
  if (value.title !== undefined && value.title !== null) checkString('patch.title', value.title);
  if (value.tags !== undefined) validateTags('patch.tags', value.tags);
  if (value.metadata !== undefined) validateJsonObject('patch.metadata', value.metadata);
  if (value.ttl !== undefined && value.ttl !== null) validateTtl('patch.ttl', value.ttl);
  return patch as UpdateConversationInput;
}

let contentPartSchema: Promise<ContentPartSchema> | undefined;
/** The content-part schema (zod), imported on first use (see content-part-schema.ts). */
function loadContentPartSchema(): Promise<ContentPartSchema> {
  contentPartSchema ??= import('./content-part-schema.js').then((module) => module.CONTENT_PART_SCHEMA);
  return contentPartSchema;
}

/** Which part types each role may carry (the AI SDK's `ModelMessage` rules). */
const ALLOWED_PARTS: Record<Role, ReadonlySet<string>> = {
  system: new Set(['text']),
  user: new Set(['text', 'file']),
  assistant: new Set(['text', 'file', 'reasoning', 'tool-call', 'tool-result']),
  tool: new Set(['tool-result']),
};

/** `partSchema` is loaded whenever some content of the batch is an array (see validateNewMessages). */
function validateContent(field: string, role: Role, content: unknown, partSchema: ContentPartSchema | undefined): void {
  if (typeof content === 'string') {
    if (role === 'tool') fail(field, 'a tool message must be an array of tool-result parts (each with toolCallId and toolName)');
    checkString(field, content);
    return;
  }
  if (!Array.isArray(content)) fail(field, 'must be a string or an array of content parts');
  if (role === 'tool' && content.length === 0) fail(field, 'a tool message needs at least one tool-result part');
  for (let index = 0; index < content.length; index += 1) {
    if (!(index in content)) continue; // holes are skipped, as forEach skips them
    const part: unknown = content[index];
    const partField = `${field}[${index}]`;
    const parsed = partSchema!.safeParse(part);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : '';
      fail(`${partField}${path}`, `invalid content part (${issue?.message ?? 'unknown shape'}); parts are text, file, reasoning, tool-call {toolCallId, toolName, input}, tool-result {toolCallId, toolName, output}`);
    }
    const type = (part as { type: string }).type;
    if (!ALLOWED_PARTS[role].has(type)) fail(partField, `a ${role} message cannot carry a ${type} part`);
    validateJsonValue(partField, part);
  }
}

export function validateRole(field: string, role: unknown): Role {
  if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'tool') {
    fail(field, 'must be one of system, user, assistant, tool');
  }
  return role;
}

/**
 * Validates a batch about to be appended (non-empty, unique ids, every message well-formed and within
 * the size limit). Asynchronous only because a batch with content parts imports their schema on first use.
 * @throws {ValidationError} (as a rejection) for the first problem found, in message order.
 */
export async function validateNewMessages(messages: unknown, options: { maxMessageBytes?: number } = {}): Promise<readonly NewMessage[]> {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Array.isArray(messages)) fail('messages', 'must be an array');
  const partSchema = messages.some(hasArrayContent) ? await loadContentPartSchema() : undefined;
  if (messages.length === 0) fail('messages', 'must not be empty (append at least one message)');
  // Plain loops and module-level helpers, no closures per call: this runs for every appended
  // message (a closure per message and per bound walk was a third of the validation's time).
  // Holes are skipped, as forEach skipped them.
  const ids = messages.length === 1 ? undefined : new Set<string>();
  for (let index = 0; index < messages.length; index += 1) {
    if (!(index in messages)) continue;
    validateNewMessage(messages[index], index, ids, partSchema, maxBytes);
  }
  return messages as NewMessage[];
}

function hasArrayContent(message: unknown): boolean {
  return Array.isArray((message as { content?: unknown } | null)?.content);
}

function validateNewMessage(message: unknown, index: number, ids: Set<string> | undefined, partSchema: ContentPartSchema | undefined, maxBytes: number): void {
  const field = `messages[${index}]`;
  if (typeof message !== 'object' || message === null) fail(field, 'must be an object');
  const value = message as Record<string, unknown>;
  const id = validateId(`${field}.id`, value.id);
  if (ids !== undefined) {
    if (ids.has(id)) fail(`${field}.id`, 'is repeated within the batch');
    ids.add(id);
  }
  const role = validateRole(`${field}.role`, value.role);
  if (value.name !== undefined) validateId(`${field}.name`, value.name);
  validateContent(`${field}.content`, role, value.content, partSchema);
  if (!(value.createdAt instanceof Date) || Number.isNaN(value.createdAt.getTime())) fail(`${field}.createdAt`, 'must be a valid Date');
  validateJsonObject(`${field}.metadata`, value.metadata);
  validateTags(`${field}.tags`, value.tags);
  validateTokenCounts(`${field}.tokenCounts`, value.tokenCounts);
  if (typeof value.contentHash !== 'string' || !/^[0-9a-f]{64}$/.test(value.contentHash)) fail(`${field}.contentHash`, 'must be a lowercase hex SHA-256');
  // Most messages are far below the limit: an upper bound of their JSON length settles it
  // without serializing them (JSON.stringify was a third of a one-message batch's validation).
  const cap = Math.floor(maxBytes / 3);
  const bound = jsonLengthBound(value.metadata, cap, jsonLengthBound(value.content, cap, 4));
  const bytes = bound <= maxBytes / 3 ? undefined : utf8LengthOver(JSON.stringify([value.content, value.metadata]), maxBytes);
  if (bytes !== undefined) fail(field, `is ${bytes} bytes; the limit is ${maxBytes} bytes (store large files by URL in a file part)`);
}

/**
 * `total` plus an upper bound of `JSON.stringify(value).length` for validated JSON, or any number
 * above `cap` once the sum passes it (the walk stops there). A string's character costs at most 6
 * (`\uXXXX`), a number at most 24 characters, `null`/booleans 5. The caller starts at 4 for the
 * pair `[content, metadata]` (2 + its length, as for any array).
 */
function jsonLengthBound(value: unknown, cap: number, total: number): number {
  if (total > cap) return total;
  if (typeof value === 'string') return total + value.length * 6 + 2;
  if (typeof value === 'number') return total + 24;
  if (value === null || typeof value !== 'object') return total + 5;
  if (Array.isArray(value)) {
    let sum = total + 2 + value.length;
    for (const element of value) sum = jsonLengthBound(element, cap, sum);
    return sum;
  }
  let sum = total + 2;
  for (const key of Object.keys(value)) sum = jsonLengthBound((value as Record<string, unknown>)[key], cap, sum + key.length * 6 + 4);
  return sum;
}

/**
 * The UTF-8 length of `text` in bytes when it exceeds `limit`, else undefined. A UTF-16 code unit
 * is at most 3 UTF-8 bytes, so text of at most `limit / 3` units is not encoded at all: encoding
 * every message cost about a third of the batch validation.
 */
function utf8LengthOver(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = encoder.encode(text).length;
  return bytes > limit ? bytes : undefined;
}

function validateTokenCounts(field: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be an object of encoding → count');
  for (const encoding in value) {
    if (!Object.prototype.propertyIsEnumerable.call(value, encoding)) continue; // own enumerable keys only, as Object.entries
    const count: unknown = (value as Record<string, unknown>)[encoding];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) fail(`${field}.${encoding}`, 'must be a non-negative integer');
  }
}

export function validateNewMemory(memory: unknown): NewMemory {
  if (typeof memory !== 'object' || memory === null) fail('memory', 'must be an object');
  const value = memory as Record<string, unknown>;
  validateId('memory.id', value.id);
  if (value.key !== undefined) validateId('memory.key', value.key);
  const text = checkString('memory.text', value.text);
  if (text.trim().length === 0) fail('memory.text', 'must not be empty');
  if (encoder.encode(text).length > DEFAULT_MAX_MESSAGE_BYTES) fail('memory.text', `must be at most ${DEFAULT_MAX_MESSAGE_BYTES} bytes`);
  validateTags('memory.tags', value.tags);
  if (typeof value.pinned !== 'boolean') fail('memory.pinned', 'must be a boolean');
  if (value.source !== undefined) {
    const source = value.source as Record<string, unknown>;
    if (typeof source !== 'object' || source === null) fail('memory.source', 'must be { conversationId, messageIds }');
    validateId('memory.source.conversationId', source.conversationId);
    if (!Array.isArray(source.messageIds)) fail('memory.source.messageIds', 'must be an array of message ids');
    source.messageIds.forEach((id, index) => validateId(`memory.source.messageIds[${index}]`, id));
  }
  validateJsonObject('memory.metadata', value.metadata);
  validateTokenCounts('memory.tokenCounts', value.tokenCounts);
  return memory as NewMemory;
}

/** A page size: an integer 1–1000. */
export function validateLimit(field: string, value: unknown, fallback: number, max = MAX_PAGE_LIMIT): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) fail(field, `must be an integer from 1 to ${max}`);
  return value;
}

/** A seq bound: a non-negative integer. */
export function validateSeq(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(field, 'must be a non-negative integer');
  return value;
}

/**
 * Tail read options (`getTail`, `readContext`) as every store checks them: `maxTokens` a number of
 * tokens, `encoding` an id, `maxMessages` 1–10,000 (default 1,000), `beforeSeq` a seq.
 * @throws {ValidationError}
 */
/** An optional boolean option: `undefined` reads as false. */
export function validateFlag(field: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') fail(field, 'must be a boolean when given');
  return value === true;
}

export function validateTailOptions(options: TailOptions): { maxTokens: number; encoding: string; maxMessages: number; beforeSeq: number | undefined } {
  if (options === null || typeof options !== 'object') fail('options', 'must be an object with maxTokens and encoding');
  const { maxTokens } = options;
  if (typeof maxTokens !== 'number' || Number.isNaN(maxTokens)) fail('maxTokens', 'must be a number of tokens');
  return {
    maxTokens,
    encoding: validateId('encoding', options.encoding),
    maxMessages: validateLimit('maxMessages', options.maxMessages, 1000, 10_000),
    beforeSeq: validateSeq('beforeSeq', options.beforeSeq),
  };
}

/** A search query: 1–4096 characters after trimming. */
export function validateQuery(field: string, value: unknown): string {
  const query = checkString(field, value);
  if (query.trim().length === 0) fail(field, 'must not be empty');
  if (query.length > 4096) fail(field, 'must be at most 4096 characters');
  return query;
}

export function validateExport(data: unknown): ConversationExport {
  if (typeof data !== 'object' || data === null) fail('data', 'must be an export object');
  const value = data as Record<string, unknown>;
  if (value.format !== 'llm-context.conversation/v1') fail('data.format', 'must be "llm-context.conversation/v1"');
  validateJsonObject('data.conversation', value.conversation);
  if (!Array.isArray(value.messages)) fail('data.messages', 'must be an array');
  if (value.summary !== null) validateJsonObject('data.summary', value.summary);
  return data as ConversationExport;
}

/**
 * A summary to store: `text` a string, `coversThroughSeq` and `tokenCount` non-negative integers
 * (tokens), `encoding` an id, `updatedAt` a valid Date.
 * @throws {ValidationError}
 */
export function validateSummary(summary: unknown): Summary {
  if (typeof summary !== 'object' || summary === null) fail('summary', 'must be { text, coversThroughSeq, tokenCount, encoding, updatedAt }');
  const value = summary as Record<string, unknown>;
  checkString('summary.text', value.text);
  if (validateSeq('summary.coversThroughSeq', value.coversThroughSeq) === undefined) fail('summary.coversThroughSeq', 'is required (the last seq folded into the summary)');
  if (validateSeq('summary.tokenCount', value.tokenCount) === undefined) fail('summary.tokenCount', 'is required (tokens of text in encoding)');
  validateId('summary.encoding', value.encoding);
  if (!(value.updatedAt instanceof Date) || Number.isNaN(value.updatedAt.getTime())) fail('summary.updatedAt', 'must be a valid Date');
  return summary as Summary;
}

/** `putSummary` options: `expectedCoversThroughSeq` a seq or `null` (no summary stored yet). */
export function validateSummaryPrecondition(options: unknown): number | null {
  if (typeof options !== 'object' || options === null) fail('options', 'must be { expectedCoversThroughSeq: number | null }');
  const expected = (options as Record<string, unknown>).expectedCoversThroughSeq;
  if (expected === null) return null;
  if (expected === undefined) fail('options.expectedCoversThroughSeq', 'is required: null when no summary is stored yet, else the stored coversThroughSeq');
  return validateSeq('options.expectedCoversThroughSeq', expected)!;
}

/** `forkConversation` options: `atSeq` a seq (messages with `seq <= atSeq` are copied), `input` as for create. */
export function validateForkOptions(options: unknown): { atSeq: number; input: CreateConversationInput } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be { atSeq, input? }');
  const value = options as Record<string, unknown>;
  const atSeq = validateSeq('atSeq', value.atSeq);
  if (atSeq === undefined) fail('atSeq', 'is required: copy the parent messages with seq <= atSeq');
  const input = value.input === undefined ? {} : validateCreateConversation(value.input);
  return { atSeq, input };
}

/** `listConversations` options: `tag` a tag, `parentId` an id, `limit` 1–1000 (default 50), `cursor` from a previous page. */
export function validateListConversationsOptions(options: unknown = {}): { tag?: string; parentId?: string; limit: number; cursor?: ListCursor } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const value = options as Record<string, unknown>;
  const limit = validateLimit('limit', value.limit, 50);
  if (value.tag !== undefined) validateTags('tag', [value.tag]);
  if (value.parentId !== undefined) validateConversationId(value.parentId);
  if (value.cursor !== undefined && typeof value.cursor !== 'string') fail('cursor', 'must be the nextCursor string of a previous page');
  return {
    limit,
    ...(value.tag !== undefined ? { tag: value.tag as string } : {}),
    ...(value.parentId !== undefined ? { parentId: value.parentId as string } : {}),
    ...(value.cursor !== undefined ? { cursor: decodeCursor('cursor', value.cursor as string) } : {}),
  };
}

/** `listMessages` options: `order` asc|desc, `afterSeq`/`beforeSeq` seqs, `limit` 1–1000 (default 100). */
export function validateListMessagesOptions(options: unknown): { order: 'asc' | 'desc'; afterSeq: number; beforeSeq?: number; limit: number } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be { order: "asc" | "desc", limit, afterSeq?, beforeSeq? }');
  const value = options as Record<string, unknown>;
  if (value.order !== 'asc' && value.order !== 'desc') fail('order', 'must be "asc" or "desc"');
  const beforeSeq = validateSeq('beforeSeq', value.beforeSeq);
  return {
    order: value.order,
    afterSeq: validateSeq('afterSeq', value.afterSeq) ?? 0,
    ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    limit: validateLimit('limit', value.limit, 100),
  };
}

/** `searchMessages` options: `query` 1–4096 characters, `limit` 1–100 (default 10), optional conversation, seq bound and tags. */
export function validateMessageSearchOptions(options: unknown): { query: string; conversationId?: string; beforeSeq?: number; tags?: readonly string[]; limit: number } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be { query, limit?, conversationId?, beforeSeq?, tags? }');
  const value = options as Record<string, unknown>;
  const beforeSeq = validateSeq('beforeSeq', value.beforeSeq);
  return {
    query: validateQuery('query', value.query),
    limit: validateLimit('limit', value.limit, 10, 100),
    ...(value.conversationId !== undefined ? { conversationId: validateConversationId(value.conversationId) } : {}),
    ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    ...(value.tags !== undefined ? { tags: validateTags('tags', value.tags) } : {}),
  };
}

/** `memories.list` options, normalized (`limit` filled in). */
export function validateMemoryListOptions(options: unknown = {}): { tags?: readonly string[]; pinned?: boolean; limit: number; cursor?: string } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  const value = options as Record<string, unknown>;
  const limit = validateLimit('limit', value.limit, 50);
  if (value.tags !== undefined) validateTags('tags', value.tags);
  if (value.pinned !== undefined && typeof value.pinned !== 'boolean') fail('pinned', 'must be a boolean');
  if (value.cursor !== undefined && typeof value.cursor !== 'string') fail('cursor', 'must be the nextCursor string of a previous page');
  return {
    limit,
    ...(value.tags !== undefined ? { tags: value.tags as readonly string[] } : {}),
    ...(value.pinned !== undefined ? { pinned: value.pinned as boolean } : {}),
    ...(value.cursor !== undefined ? { cursor: value.cursor as string } : {}),
  };
}

/** `memories.search` options, normalized (`limit` filled in: 1–100, default 10). */
export function validateMemorySearchOptions(options: unknown): { query: string; tags?: readonly string[]; limit: number } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object with a query');
  const value = options as Record<string, unknown>;
  const query = validateQuery('query', value.query);
  const limit = validateLimit('limit', value.limit, 10, 100);
  if (value.tags !== undefined) validateTags('tags', value.tags);
  return { query, limit, ...(value.tags !== undefined ? { tags: value.tags as readonly string[] } : {}) };
}

/** `memories.history` options, normalized (`limit` filled in: 1–1000, default 50). */
export function validateMemoryHistoryOptions(options: unknown = {}): { limit: number } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object');
  return { limit: validateLimit('limit', (options as Record<string, unknown>).limit, 50) };
}

/** A memory patch (`memories.update`): only the fields present are checked, each as in {@link validateNewMemory}. */
export function validateMemoryPatch(patch: unknown): Partial<Pick<NewMemory, 'text' | 'tags' | 'pinned' | 'metadata' | 'tokenCounts' | 'contentHash'>> {
  if (typeof patch !== 'object' || patch === null) fail('patch', 'must be an object');
  const value = patch as Record<string, unknown>;
  if (value.text !== undefined) {
    const text = checkString('patch.text', value.text);
    if (text.trim().length === 0) fail('patch.text', 'must not be empty');
    if (encoder.encode(text).length > DEFAULT_MAX_MESSAGE_BYTES) fail('patch.text', `must be at most ${DEFAULT_MAX_MESSAGE_BYTES} bytes`);
  }
  if (value.tags !== undefined) validateTags('patch.tags', value.tags);
  if (value.pinned !== undefined && typeof value.pinned !== 'boolean') fail('patch.pinned', 'must be a boolean');
  if (value.metadata !== undefined) validateJsonObject('patch.metadata', value.metadata);
  if (value.tokenCounts !== undefined) validateTokenCounts('patch.tokenCounts', value.tokenCounts);
  if (value.contentHash !== undefined && typeof value.contentHash !== 'string') fail('patch.contentHash', 'must be a string');
  return patch as Partial<Pick<NewMemory, 'text' | 'tags' | 'pinned' | 'metadata' | 'tokenCounts' | 'contentHash'>>;
}

const MAX_VECTOR_DIMENSIONS = 16_000;

/** An embedding vector: 1–16,000 finite numbers. */
export function validateVector(field: string, vector: unknown): readonly number[] {
  if (!Array.isArray(vector) || vector.length === 0 || vector.length > MAX_VECTOR_DIMENSIONS) fail(field, `must be an array of 1–${MAX_VECTOR_DIMENSIONS} numbers`);
  if (!vector.every((value) => typeof value === 'number' && Number.isFinite(value))) fail(field, 'must contain finite numbers only');
  return vector as number[];
}

/** Embedding records to upsert: kind, target id, model id, vector, optional conversation and seq. */
export function validateEmbeddingRecords(records: unknown): readonly EmbeddingRecord[] {
  if (!Array.isArray(records)) fail('records', 'must be an array');
  records.forEach((record: Record<string, unknown>, index) => {
    if (typeof record !== 'object' || record === null) fail(`records[${index}]`, 'must be an object');
    if (record.kind !== 'message' && record.kind !== 'memory') fail(`records[${index}].kind`, 'must be "message" or "memory"');
    validateId(`records[${index}].targetId`, record.targetId);
    validateId(`records[${index}].model`, record.model);
    if (record.conversationId !== undefined) validateConversationId(record.conversationId);
    if (record.kind === 'message' && record.conversationId === undefined) fail(`records[${index}].conversationId`, 'is required for a message embedding');
    if (record.seq !== undefined) validateSeq(`records[${index}].seq`, record.seq);
    validateVector(`records[${index}].vector`, record.vector);
    if (typeof record.contentHash !== 'string') fail(`records[${index}].contentHash`, 'must be a string');
  });
  return records as EmbeddingRecord[];
}

/** Vector search options: kind, model id, query vector, `limit` 1–100 (default 10), optional conversation and seq bound. */
export function validateVectorSearchOptions(options: unknown): VectorSearchOptions & { limit: number } {
  if (typeof options !== 'object' || options === null) fail('options', 'must be { kind, model, vector, limit? }');
  const value = options as Record<string, unknown>;
  if (value.kind !== 'message' && value.kind !== 'memory') fail('kind', 'must be "message" or "memory"');
  validateId('model', value.model);
  validateVector('vector', value.vector);
  if (value.conversationId !== undefined) validateConversationId(value.conversationId);
  validateSeq('beforeSeq', value.beforeSeq);
  return { ...(value as unknown as VectorSearchOptions), limit: validateLimit('limit', value.limit, 10, 100) };
}
