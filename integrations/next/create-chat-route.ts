import type { UIMessage } from 'ai';
import { errorResponse } from './error-response.js';
import { parseChatRequest } from './parse-chat-request.js';
import { streamChatResponse, type StreamChatResponseOptions } from './stream-chat-response.js';
import { type Scope } from '../../src/index.js';

export type CreateChatRouteOptions<UI_MESSAGE extends UIMessage = UIMessage> = Omit<StreamChatResponseOptions<UI_MESSAGE>, 'conversationId' | 'scope' | 'message'> & {
  /** The caller's scope: a fixed one, or derived from the request (e.g. the signed-in user). Throw to refuse. */
  scope: Scope | ((request: Request) => Scope | Promise<Scope>);
  /** Body size limit in bytes; default 1 MiB. */
  maxBodyBytes?: number;
};

/**
 * A Next.js App Router `POST` handler (`export const POST = createChatRoute({ … })` in
 * `app/api/chat/route.ts`) for clients that send only the last message
 * (`prepareSendMessagesRequest: prepareSendLastMessage`): parses and validates the request
 * ({@link parseChatRequest}), then runs {@link streamChatResponse}. Errors become JSON responses
 * with our error code (400 bad input, 404 unknown conversation, 409 a message id resent with other content, 413 budget too small, 503 store unreachable, 500 otherwise)
 * and nothing is streamed.
 */
export function createChatRoute<UI_MESSAGE extends UIMessage = UIMessage>(options: CreateChatRouteOptions<UI_MESSAGE>): (request: Request) => Promise<Response> {
  const { scope, maxBodyBytes, ...streamOptions } = options;
  return async (request) => {
    try {
      const resolvedScope = typeof scope === 'function' ? await scope(request) : scope;
      const { conversationId, message } = await parseChatRequest<UI_MESSAGE>({ request, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) });
      return await streamChatResponse<UI_MESSAGE>({ ...streamOptions, conversationId, scope: resolvedScope, message });
    } catch (error) {
      options.onError?.(error);
      return errorResponse({ error });
    }
  };
}
