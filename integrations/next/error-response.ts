import { ConversationExpiredError, LLMContextError } from '../../src/index.js';

/** HTTP status per error code: the client's fault (4xx) or the server's (5xx). */
const STATUS: Record<string, number> = {
  invalid_input: 400,
  invalid_budget: 400,
  budget_too_small: 413,
  not_found: 404,
  conversation_exists: 409,
  // A user message resent under its id with other text (an edit): the stored turn is kept; give the edit a new id.
  idempotency_conflict: 409,
  state_conflict: 409,
  capability_absent: 501,
  store_unavailable: 503,
  store_locked: 503,
  store_error: 500,
};

/**
 * A JSON error `Response` (`{ error: { code, message } }`) for an error thrown by the chat helpers.
 * An expired conversation (its TTL passed: `ConversationExpiredError`) answers 410 Gone with
 * `reason: "expired"`; a conversation that never existed is created by the first message.
 * Our typed errors keep their code and message (which never contain user content); any other error
 * becomes a bare 500, since its message may hold anything.
 */
export function errorResponse(options: { error: unknown }): Response {
  const { error } = options;
  if (ConversationExpiredError.isInstance(error)) {
    // 410 Gone: the conversation existed and its TTL passed; the chat UI should start a new one.
    return Response.json({ error: { code: error.code, reason: 'expired', message: error.message } }, { status: 410 });
  }
  if (LLMContextError.isInstance(error)) {
    return Response.json({ error: { code: error.code, message: error.message } }, { status: STATUS[error.code] ?? 500 });
  }
  return Response.json({ error: { code: 'internal_error', message: 'The chat request failed.' } }, { status: 500 });
}
