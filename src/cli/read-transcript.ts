import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ValidationError } from '../errors.js';
import { isLocomo, locomoToMessages, parseJsonl, parseLocomo, parseMessagesJson } from '../importers/index.js';
import type { MessageInput } from '../types.js';

/** One conversation to import. */
export interface TranscriptConversation {
  readonly id: string;
  readonly messages: readonly MessageInput[];
}

/**
 * Reads a transcript file and detects its format: `.jsonl` (a message per line), a JSON array of
 * OpenAI-style messages (or `{ messages }`), or LoCoMo (each sample a conversation named by `sample_id`).
 * @param conversationId the id for single-conversation formats; default: the file name without extension.
 */
export async function readTranscript(path: string, conversationId?: string): Promise<TranscriptConversation[]> {
  const conversations = await readConversations(path, conversationId);
  // Messages without an id get one from their position, so importing the same file again is a no-op.
  return conversations.map((conversation) => ({
    id: conversation.id,
    messages: conversation.messages.map((message, index) => (message.id === undefined ? { ...message, id: `${conversation.id}-${index + 1}` } : message)),
  }));
}

async function readConversations(path: string, conversationId?: string): Promise<TranscriptConversation[]> {
  const text = await readFile(path, 'utf8');
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
