import type { UIMessage } from 'ai';
import type { ChatRequestBody, ChatTrigger } from './parse-chat-request.js';

/**
 * For `new DefaultChatTransport({ prepareSendMessagesRequest: prepareSendLastMessage })` on the client:
 * sends only the chat id and the newest message, since the server holds the history
 * (the AI SDK's documented "send only the last message" pattern), with `useChat`'s `trigger` and
 * `messageId`. On `regenerate()` the client has already dropped the reply, so the newest message
 * is the user turn to answer again; the server replaces the stored reply. Safe to import in client components.
 */
export function prepareSendLastMessage<UI_MESSAGE extends UIMessage>(options: { id: string; messages: UI_MESSAGE[]; trigger?: ChatTrigger; messageId?: string | undefined }): { body: ChatRequestBody } {
  const message = options.messages[options.messages.length - 1];
  if (message === undefined) throw new Error('[llm-context] [next] prepareSendLastMessage: there is no message to send.');
  return {
    body: {
      id: options.id,
      message,
      ...(options.trigger === undefined ? {} : { trigger: options.trigger }),
      ...(options.messageId === undefined ? {} : { messageId: options.messageId }),
    },
  };
}
