import type { UIMessage } from 'ai';
import type { ChatRequestBody } from './parse-chat-request.js';

/**
 * For `new DefaultChatTransport({ prepareSendMessagesRequest: prepareSendLastMessage })` on the client:
 * sends only the chat id and the newest message, since the server holds the history
 * (the AI SDK's documented "send only the last message" pattern). Safe to import in client components.
 */
export function prepareSendLastMessage<UI_MESSAGE extends UIMessage>(options: { id: string; messages: UI_MESSAGE[] }): { body: ChatRequestBody } {
  const message = options.messages[options.messages.length - 1];
  if (message === undefined) throw new Error('[llm-context] [next] prepareSendLastMessage: there is no message to send.');
  return { body: { id: options.id, message } };
}
