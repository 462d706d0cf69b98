import { safeValidateUIMessages, type UIMessage } from 'ai';
import { ValidationError, validate } from '../../src/index.js';

/** Default request body limit: 1 MiB, the store's per-message limit. */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Tool-part states with which `useChat` sends the assistant message back for the server to continue. */
const CONTINUATION_STATES = new Set(['approval-responded', 'output-available', 'output-error', 'output-denied']);

/** An assistant message `useChat` resends after `addToolApprovalResponse` or `addToolOutput`. */
function continuesTools(message: UIMessage): boolean {
  return message.parts.some((part) => (part.type.startsWith('tool-') || part.type === 'dynamic-tool') && CONTINUATION_STATES.has((part as { state?: string }).state ?? ''));
}

/** What the client sends with {@link prepareSendLastMessage}: the chat id and only the new message. */
export interface ChatRequestBody {
  readonly id: string;
  readonly message: UIMessage;
  /** `useChat`'s trigger: a new message, or `regenerate()` (then `message` is the user turn to answer again). */
  readonly trigger?: ChatTrigger;
  /** The message `regenerate({ messageId })` named, if any. */
  readonly messageId?: string;
}

/** The `trigger` of AI SDK 7's chat requests (`HttpChatTransport`). */
export type ChatTrigger = 'submit-message' | 'regenerate-message';

/**
 * Reads and validates the body of a chat request sent with {@link prepareSendLastMessage}
 * (`{ id, message, trigger?, messageId? }`, `trigger` and `messageId` as `useChat` sends them): the chat id must be a valid conversation id, and `message` a well-formed
 * `UIMessage` (checked with the AI SDK's `validateUIMessages`, with your schemas when given) with a
 * valid id, from the `user` role — or the `assistant` message `useChat` sends back after
 * `addToolApprovalResponse` / `addToolOutput` (a tool part answered). Nothing is written.
 *
 * @param options.maxBodyBytes body size limit in bytes (UTF-8); default 1 MiB.
 * @param options.metadataSchema / dataSchemas / tools passed to `validateUIMessages`.
 * @throws {ValidationError} naming the field (`body`, `id`, `trigger`, `messageId`, `message`, `message.role`, `message.id`).
 *   Messages never echo the request's content.
 */
export async function parseChatRequest<UI_MESSAGE extends UIMessage = UIMessage>(options: {
  request: Request;
  maxBodyBytes?: number;
  metadataSchema?: Parameters<typeof safeValidateUIMessages<UI_MESSAGE>>[0]['metadataSchema'];
  dataSchemas?: Parameters<typeof safeValidateUIMessages<UI_MESSAGE>>[0]['dataSchemas'];
  tools?: Parameters<typeof safeValidateUIMessages<UI_MESSAGE>>[0]['tools'];
}): Promise<{ conversationId: string; message: UI_MESSAGE; trigger: ChatTrigger; messageId?: string }> {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(options.request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new ValidationError({ field: 'body', message: `is ${declared} bytes; the limit is ${maxBytes} bytes` });
  const text = await options.request.text();
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) throw new ValidationError({ field: 'body', message: `is ${bytes} bytes; the limit is ${maxBytes} bytes` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ValidationError({ field: 'body', message: 'must be JSON { id, message } (send it with prepareSendLastMessage)' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError({ field: 'body', message: 'must be a JSON object { id, message } (send it with prepareSendLastMessage)' });
  }
  const { id, message, trigger = 'submit-message', messageId } = body as Record<string, unknown>;
  const conversationId = validate.validateConversationId(id);
  if (trigger !== 'submit-message' && trigger !== 'regenerate-message') {
    throw new ValidationError({ field: 'trigger', message: 'must be "submit-message" or "regenerate-message"' });
  }
  if (messageId !== undefined && messageId !== null) validate.validateId('messageId', messageId);
  if (typeof message !== 'object' || message === null) {
    throw new ValidationError({ field: 'message', message: 'must be the new UIMessage (the client sends only the last message)' });
  }
  const validated = await safeValidateUIMessages<UI_MESSAGE>({
    messages: [message],
    ...(options.metadataSchema === undefined ? {} : { metadataSchema: options.metadataSchema }),
    ...(options.dataSchemas === undefined ? {} : { dataSchemas: options.dataSchemas }),
    ...(options.tools === undefined ? {} : { tools: options.tools }),
  });
  // The SDK's error text quotes the offending value, which is user data: report the field only.
  if (!validated.success) throw new ValidationError({ field: 'message', message: 'is not a valid UIMessage { id, role, parts }' });
  const [checked] = validated.data;
  if (checked === undefined) throw new ValidationError({ field: 'message', message: 'is missing' });
  if (checked.role !== 'user' && !(checked.role === 'assistant' && continuesTools(checked))) {
    throw new ValidationError({ field: 'message.role', message: 'must be "user" (the new turn), or "assistant" when it answers a tool approval or carries a client-side tool result' });
  }
  validate.validateId('message.id', checked.id);
  return { conversationId, message: checked, trigger, ...(typeof messageId === 'string' ? { messageId } : {}) };
}
