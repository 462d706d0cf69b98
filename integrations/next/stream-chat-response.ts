import {
  consumeStream,
  convertToModelMessages,
  createIdGenerator,
  createUIMessageStreamResponse,
  streamText,
  toUIMessageStream,
  type IdGenerator,
  type LanguageModel,
  type ModelMessage,
  type ToolSet,
  type UIMessage,
} from 'ai';
import { toModelMessages } from '../ai-sdk/model-message.js';
import { uiMessageToMessages } from '../ai-sdk/ui-message.js';
import type { ChatBudget, ChatContextManager, ChatContextMessage } from './chat-manager.js';
import { toolDefinitions } from './tool-definitions.js';
import { LLMContextError, ValidationError, type Message, type MessageContent, type MessageInput, type Scope } from '../../src/index.js';

/** `streamText` settings the helper passes through (everything but what it sets itself). */
export type ChatStreamTextSettings = Omit<Parameters<typeof streamText>[0], 'model' | 'messages' | 'prompt' | 'instructions' | 'system' | 'tools'>;

export interface StreamChatResponseOptions<UI_MESSAGE extends UIMessage = UIMessage> {
  manager: ChatContextManager;
  conversationId: string;
  scope: Scope;
  /** The new user message, already validated (see `parseChatRequest`). */
  message: UI_MESSAGE;
  model: LanguageModel;
  /** Token budget of the assembled prompt. */
  budget: ChatBudget;
  /** System prompt; sent as `instructions` together with memories and the summary. */
  system?: string;
  tools?: ToolSet;
  /** Extra `streamText` settings (`stopWhen`, `temperature`, `providerOptions`, …). */
  settings?: ChatStreamTextSettings;
  /** Server-side id of the assistant message; default `createIdGenerator({ prefix: 'msg', size: 16 })`. */
  generateMessageId?: IdGenerator;
  /** Extra response headers. */
  headers?: HeadersInit;
  /** Called with the assembly report before the model call (token accounting, logging). */
  onAssembled?: (event: { report: { readonly totalTokens: number }; messages: readonly ChatContextMessage[] }) => void;
  /** Called after the response message is stored (also when the client disconnected mid-stream). */
  onPersisted?: (event: { responseMessage: UI_MESSAGE; messages: readonly MessageInput[] }) => void | Promise<void>;
  /** Errors of the model stream or of storing the response; the stream itself reports model errors to the client. */
  onError?: (error: unknown) => void;
}

const defaultMessageId = createIdGenerator({ prefix: 'msg', size: 16 });

/**
 * The chat route handler's work, in the AI SDK's persistence pattern with the server holding the
 * history: stores the new user message (creating the conversation on the first one; an id already
 * stored is not stored again, and whatever was stored after it — the replies a retry or
 * `regenerate` replaces — is removed, so the prompt ends with this turn), assembles the context under `budget` (system prompt, memories and
 * summary go to `instructions`; the recent window to `messages`), streams the reply with
 * `streamText` as a UI message stream, and stores the assistant message (with a server-generated
 * id) when the stream ends. The stream is read to the end on the server even if the client goes
 * away, so a disconnect still stores the whole reply; the client's stream closes only after the
 * reply is stored, so a reload right after sees it.
 *
 * @returns the streaming `Response` (`createUIMessageStreamResponse`).
 * An `assistant` message (`useChat` after `addToolApprovalResponse` or `addToolOutput`) continues the
 * stored reply with that id: the approved tool runs, and the continued reply replaces the stored one.
 * Its tokens are not part of the assembly budget (it is sent as the SDK converts it).
 *
 * @throws {ConversationExpiredError} when the conversation's TTL passed (the route answers 410 Gone: start a new chat id).
 * @throws {ValidationError} for a bad message or scope (an assistant message must continue the stored reply); {@link BudgetTooSmallError} when the budget
 *   cannot hold the system prompt, tools and new turn; store errors pass through. Nothing is streamed then.
 */
export async function streamChatResponse<UI_MESSAGE extends UIMessage = UIMessage>(options: StreamChatResponseOptions<UI_MESSAGE>): Promise<Response> {
  const { manager, conversationId, scope, message, onError } = options;
  // An assistant message is `useChat` sending back the stored reply with a tool approval or a
  // client-side tool result: the stored copy is replaced by the continued reply when it ends.
  const continuation = message.role === 'assistant';
  if (continuation) {
    const storedCopy = await findStoredMessage({ manager, conversationId, scope, messageId: message.id });
    if (storedCopy === undefined || storedCopy.role !== 'assistant') {
      throw new ValidationError({ field: 'message.id', message: 'must be the id of the stored assistant reply this request continues (after a tool approval or a client-side tool result)' });
    }
    await removeMessagesAfter({ manager, conversationId, scope, afterSeq: storedCopy.seq - 1 });
  } else {
    const appended = await manager.append(conversationId, uiMessageToMessages({ message }), { scope });
    // A resent user message (a retry, or `regenerate` — the client drops the replies after it
    // before sending it again) replaces what was answered to it: those replies are removed, so the
    // stored history never reads user, assistant, assistant and the prompt ends with this user turn.
    const lastSeq = appended.messages.at(-1)?.seq;
    if (lastSeq !== undefined) await removeMessagesAfter({ manager, conversationId, scope, afterSeq: lastSeq });
  }
  const query = continuation ? '' : messageText(message);
  const assembled = await manager.assemble(conversationId, {
    ...(query.trim().length === 0 ? {} : { query }),
    scope,
    budget: options.budget,
    ...(options.system === undefined ? {} : { system: options.system }),
    ...(options.tools === undefined ? {} : { tools: await toolDefinitions({ tools: options.tools }) }),
  });
  options.onAssembled?.({ report: assembled.report, messages: assembled.messages });
  const [first, ...rest] = assembled.messages;
  // The manager's synthetic system message (no id) carries the system prompt, memories and summary:
  // AI SDK 7 wants those as `instructions`, not as a system message inside `messages`.
  const leadingSystem = first !== undefined && first.role === 'system' && first.id === undefined;
  const result = streamText({
    // Route model errors to the caller's hook instead of the SDK's default console output.
    onError: ({ error }: { error: unknown }) => onError?.(error),
    ...options.settings,
    model: options.model,
    ...(leadingSystem ? { instructions: systemText(first.content) } : {}),
    messages: [
      ...toModelMessages(leadingSystem ? rest : assembled.messages).filter(hasContent),
      // The answered approval (or tool output) in the SDK's own model form, so streamText runs the approved tool.
      ...(continuation ? await convertToModelMessages([message], options.tools === undefined ? {} : { tools: options.tools }) : []),
    ],
    ...(options.tools === undefined ? {} : { tools: options.tools }),
  } as Parameters<typeof streamText>[0]);

  const uiStream = toUIMessageStream<ToolSet, UI_MESSAGE>({
    stream: result.stream,
    ...(options.tools === undefined ? {} : { tools: options.tools }),
    originalMessages: [message],
    generateMessageId: options.generateMessageId ?? defaultMessageId,
    onError: (error) => {
      onError?.(error);
      return 'The model call failed.';
    },
    onEnd: async ({ responseMessage }) => {
      if (responseMessage.parts.length === 0) return;
      const messages = uiMessageToMessages({ message: responseMessage });
      try {
        await manager.append(conversationId, messages, { scope });
      } catch (error) {
        onError?.(error);
        throw error;
      }
      await options.onPersisted?.({ responseMessage, messages });
    },
  });
  // One branch goes to the client; the other is read here to the end, so the reply is generated
  // and stored even when the client disconnects (the AI SDK docs' `consumeStream` advice).
  const [toClient, toServer] = uiStream.tee();
  void consumeStream({ stream: toServer, onError: (error) => onError?.(error) });
  return createUIMessageStreamResponse({ stream: toClient, ...(options.headers === undefined ? {} : { headers: options.headers }) });
}

/** Messages removed per read when a regenerate or retry replaces the replies after a user turn. */
const REMOVE_PAGE = 200;

/** How far back a continued assistant reply is looked for: it is the newest reply, so a page suffices. */
const CONTINUATION_LOOKBACK = 200;

/** The stored message with `messageId` among the newest, or undefined (also when the conversation is absent). */
async function findStoredMessage(options: { manager: ChatContextManager; conversationId: string; scope: Scope; messageId: string }): Promise<Message | undefined> {
  try {
    const newest = await options.manager.listMessages(options.conversationId, { scope: options.scope, order: 'desc', limit: CONTINUATION_LOOKBACK });
    return newest.find((stored) => stored.id === options.messageId);
  } catch (error) {
    if (LLMContextError.isInstance(error) && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** Removes every stored message after `afterSeq` (newest last), page by page. */
async function removeMessagesAfter(options: { manager: ChatContextManager; conversationId: string; scope: Scope; afterSeq: number }): Promise<void> {
  const { manager, conversationId, scope, afterSeq } = options;
  for (;;) {
    const page = await manager.listMessages(conversationId, { scope, order: 'asc', afterSeq, limit: REMOVE_PAGE });
    for (const stale of page) await manager.store.deleteMessage(scope, conversationId, stale.id);
    if (page.length < REMOVE_PAGE) return;
  }
}

/** A step that produced nothing is stored (the UI shows it) but not sent, as `convertToModelMessages` does. */
function hasContent(message: ModelMessage): boolean {
  return !(Array.isArray(message.content) && message.content.length === 0);
}

function messageText(message: UIMessage): string {
  return message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}

function systemText(content: MessageContent): string {
  return typeof content === 'string' ? content : content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}
