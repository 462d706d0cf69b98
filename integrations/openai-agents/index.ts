/**
 * `llm-context/openai-agents`: the OpenAI Agents JS integration.
 * - {@link LLMContextSession}: a `Session` for `run(agent, input, { session })` backed by any store:
 *   idempotent writes (a resumed run never stores an item twice) and a token-budgeted history of
 *   whole turns and tool groups, with the rolling summary of older items.
 * - {@link itemToMessage} / {@link itemFromMetadata}: the lossless item ↔ message mapping.
 *
 * Peer dependency: `@openai/agents-core` (>=0.20; `@openai/agents` re-exports it).
 */
export { LLMContextSession, type LLMContextSessionOptions, type SessionManager } from './session.js';
export { itemToMessage, itemFromMetadata, itemPairing, stableItemId, AGENTS_ITEM_KEY } from './items.js';
