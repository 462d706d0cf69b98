/**
 * `llm-context/next`: helpers for a Next.js (App Router) chat that keeps its history in llm-context,
 * following the AI SDK's message-persistence pattern — load a chat's `UIMessage[]` for `useChat`,
 * send only the last message, validate it, append, assemble under a token budget, stream with
 * `streamText`, and store the reply (server-side ids, saved even if the client disconnects).
 */
export type { ChatBudget, ChatContextManager, ChatContextMessage } from './chat-manager.js';
export { loadUIMessages } from './load-ui-messages.js';
export { parseChatRequest, type ChatRequestBody, type ChatTrigger } from './parse-chat-request.js';
export { prepareSendLastMessage } from './prepare-send-last-message.js';
export { streamChatResponse, type ChatStreamTextSettings, type StreamChatResponseOptions } from './stream-chat-response.js';
export { createChatRoute, type CreateChatRouteOptions } from './create-chat-route.js';
export { errorResponse } from './error-response.js';
export { toolDefinitions } from './tool-definitions.js';
export { messagesToUIMessages, uiMessageToMessages } from '../ai-sdk/ui-message.js';
