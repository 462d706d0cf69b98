export { parseJsonl, parseMessagesJson } from './chat-formats.js';
export { parseLocomo, isLocomo, locomoToMessages, normaliseEvidenceId, parseSessionDate, type LocomoSample, type LocomoTurn, type LocomoQuestion } from './locomo.js';
