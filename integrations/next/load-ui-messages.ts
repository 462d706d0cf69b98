import type { UIMessage } from 'ai';
import { messagesToUIMessages } from '../ai-sdk/ui-message.js';
import type { ChatContextManager } from './chat-manager.js';
import { NotFoundError, type Message, type Scope } from '../../src/index.js';

/** Page size for reading a whole conversation (the store's maximum page). */
const PAGE_SIZE = 1000;

/**
 * Loads a chat as AI SDK `UIMessage[]` for `useChat({ id, messages })` (server component or loader).
 *
 * @param options.conversationId the chat id (`useChat`'s `id`).
 * @param options.limit read only the newest `limit` stored messages (a `UIMessage` may span several:
 *   one per step, plus tool messages); by default the whole conversation is read, page by page.
 * @returns `[]` when the conversation does not exist in `scope` (a new chat).
 * @throws {ValidationError} for a bad id, scope or limit; store errors pass through.
 */
export async function loadUIMessages<UI_MESSAGE extends UIMessage = UIMessage>(options: {
  manager: ChatContextManager;
  conversationId: string;
  scope: Scope;
  limit?: number;
}): Promise<UI_MESSAGE[]> {
  const { manager, conversationId, scope, limit } = options;
  try {
    const messages = limit === undefined ? await readAll(manager, conversationId, scope) : await readNewest(manager, conversationId, scope, limit);
    return messagesToUIMessages<UI_MESSAGE>({ messages });
  } catch (error) {
    if (NotFoundError.isInstance(error) && error.code === 'not_found') return [];
    throw error;
  }
}

async function readAll(manager: ChatContextManager, conversationId: string, scope: Scope): Promise<Message[]> {
  const messages: Message[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await manager.listMessages(conversationId, { scope, order: 'asc', afterSeq, limit: PAGE_SIZE });
    messages.push(...page);
    if (page.length < PAGE_SIZE) return messages;
    afterSeq = page[page.length - 1]!.seq;
  }
}

async function readNewest(manager: ChatContextManager, conversationId: string, scope: Scope, limit: number): Promise<Message[]> {
  const newest = [...(await manager.listMessages(conversationId, { scope, order: 'desc', limit }))].reverse();
  // A window cut before a tool message would show a result without its call.
  const start = newest.findIndex((message) => message.role !== 'tool');
  return start === -1 ? [] : newest.slice(start);
}
