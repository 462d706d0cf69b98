import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ValidationError } from '../errors.js';
import { isLocomo, locomoToMessages, parseJsonl, parseLocomo, parseMessagesJson } from '../importers/index.js';
import type { ConversationExport, JsonObject, MessageInput } from '../types.js';

/** One conversation to import. */
export interface TranscriptConversation {
  readonly id: string;
  readonly messages: readonly MessageInput[];
}

/** What a file holds: transcripts to append, or an `llm-context export` to recreate as it was. */
export type Transcript =
  | { readonly kind: 'messages'; readonly conversations: readonly TranscriptConversation[] }
  | { readonly kind: 'export'; readonly data: ConversationExport };

const EXPORT_FORMAT = 'llm-context.conversation/v1';

/**
 * Reads a transcript file and detects its format: an `llm-context export` file (kept whole, with
 * its conversation id, seqs and summary; `conversationId` renames it), `.jsonl` (a message per
 * line), a JSON array of OpenAI-style messages (or `{ messages }`), or LoCoMo (each sample a
 * conversation named by `sample_id`).
 * @param conversationId the id for single-conversation formats; default: the file name without extension.
 * @throws {ValidationError} for an unrecognised or malformed file.
 */
export async function readTranscript(path: string, conversationId?: string): Promise<Transcript> {
  const text = await readFile(path, 'utf8');
  const data = parseExportFile(text);
  if (data) {
    return { kind: 'export', data: conversationId === undefined ? data : { ...data, conversation: { ...data.conversation, id: conversationId } } };
  }
  const conversations = readConversations(path, text, conversationId);
  return {
    kind: 'messages',
    conversations: conversations.map((conversation) => ({
      id: conversation.id,
      messages: conversation.messages.map((message, index) => (message.id === undefined ? { ...message, id: derivedMessageId(conversation.id, index, message) } : message)),
    })),
  };
}

/**
 * The id of a message that has none: its conversation, its position and a hash of what it says.
 * Importing the same file again is a no-op (same ids), while another file of the same name (the
 * same conversation id) gets other ids instead of colliding with, and being dropped as, the first
 * file's messages.
 */
function derivedMessageId(conversationId: string, index: number, message: MessageInput): string {
  const digest = createHash('sha256').update(JSON.stringify([message.role, message.name ?? null, message.content])).digest('base64url').slice(0, 16);
  return `${conversationId}-${index + 1}-${digest}`;
}

function parseExportFile(text: string): ConversationExport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || (value as JsonObject).format !== EXPORT_FORMAT) return undefined;
  return value as ConversationExport;
}

function readConversations(path: string, text: string, conversationId?: string): TranscriptConversation[] {
  const defaultId = conversationId ?? basename(path, extname(path));
  if (extname(path) === '.jsonl') return [{ id: defaultId, messages: parseJsonl(text) }];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A .json file that is really JSON Lines.
    return [{ id: defaultId, messages: parseJsonl(text) }];
  }
  if (isLocomo(value)) {
    return parseLocomo(value).map((sample) => ({ id: sample.sampleId, messages: locomoToMessages(sample) }));
  }
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && 'messages' in value)) {
    return [{ id: defaultId, messages: parseMessagesJson(value) }];
  }
  throw new ValidationError({ field: path, message: 'unrecognised format: expected JSONL, an OpenAI-style messages array, or LoCoMo JSON' });
}
