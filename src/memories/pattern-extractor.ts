import { contentSearchText } from '../search/message-text.js';
import type { ExtractedMemory, MemoryExtractor } from './extract-memories.js';

/**
 * One rule of {@link createPatternExtractor}: a regular expression over a user turn's text and
 * how to phrase the fact it found.
 */
export interface MemoryPattern {
  /** Matched against each user turn's text (every match counts; a global flag is added when missing). */
  readonly pattern: RegExp;
  /** The memory's text from the match, e.g. `(match) => \`The user lives in ${match[1]}.\``. */
  readonly text: (match: RegExpMatchArray) => string;
  /** Structured key, so a newer fact supersedes the older one (e.g. `user.home_city`). */
  readonly key?: string | ((match: RegExpMatchArray) => string);
  /** Whether the fact is always placed in the prompt (profile facts) rather than only when relevant. */
  readonly pinned?: boolean;
  readonly tags?: readonly string[];
}

const trim = (value: string | undefined): string => (value ?? '').replace(/\s+/g, ' ').trim();

/**
 * First-person statements a user commonly makes about themselves in chats, written for this
 * project (no external list): name, home, work, preferences, plan changes, orders and refund
 * requests. English only; they find what a user states plainly and miss paraphrases — use an LLM
 * extractor (`llm-context/ai-sdk`, `llm-context/langchain`) for real coverage.
 */
export const DEFAULT_MEMORY_PATTERNS: readonly MemoryPattern[] = [
  { pattern: /\bmy name is ([A-Z][\w'-]+(?: [A-Z][\w'-]+)?)/g, key: 'user.name', pinned: true, text: (match) => `The user's name is ${trim(match[1])}.`, tags: ['profile'] },
  { pattern: /\bI live in ([A-Z][\w'-]+(?: [A-Z][\w'-]+)*)/g, key: 'user.home', pinned: true, text: (match) => `The user lives in ${trim(match[1])}.`, tags: ['profile'] },
  { pattern: /\bI work (as an?|at|for) ([^.,;!?]{2,60})/g, key: 'user.work', pinned: true, text: (match) => `The user works ${match[1]} ${trim(match[2])}.`, tags: ['profile'] },
  { pattern: /\bI (prefer|love|hate|am allergic to) ([^.,;!?]{2,80})/g, text: (match) => `The user ${match[1] === 'am allergic to' ? 'is allergic to' : `${match[1]}s`} ${trim(match[2])}.`, tags: ['preference'] },
  {
    pattern: /\b(?:switch|change|upgrade|downgrade|move) my (subscription|plan) to ([A-Z][\w'-]*(?: [A-Z][\w'-]*)*)/g,
    key: (match) => `user.${match[1]!.toLowerCase()}`,
    pinned: true,
    text: (match) => `The user's ${match[1]!.toLowerCase()} is ${trim(match[2])} (they asked to switch to it).`,
    tags: ['account'],
  },
  {
    pattern: /\bI (?:ordered|bought|purchased) (an? [^.,;!?()]{2,60}?) \(order ([\w-]+)\)/g,
    key: (match) => `order.${match[2]}`,
    text: (match) => `The user ordered ${trim(match[1])} (order ${match[2]}).`,
    tags: ['order'],
  },
  {
    pattern: /\bI(?: would|'d) like a refund for (order [\w-]+)(?:, it was ([\d.,]+ ?[A-Z]{3}))?/g,
    key: (match) => `refund.${match[1]!.slice('order '.length)}`,
    text: (match) => `The user asked for a refund for ${match[1]}${match[2] ? ` (${match[2]})` : ''}.`,
    tags: ['refund'],
  },
];

/**
 * A deterministic, offline {@link MemoryExtractor}: each user turn's text is matched against
 * `patterns` and every match becomes a fact, with the turn as its provenance. No model call, so it
 * is free and bounded in time (linear in the new turns' text); the price is recall — it only finds
 * what a rule spells out. It is what the CLI and the demo use; give `new ContextManager({
 * memoryExtractor })` an LLM extractor for real conversations.
 *
 * @param options.patterns the rules. @default {@link DEFAULT_MEMORY_PATTERNS}
 * @param options.maxPerCall most facts proposed per call (the rest are left for later turns). @default 50
 */
export function createPatternExtractor(options: { patterns?: readonly MemoryPattern[]; maxPerCall?: number } = {}): MemoryExtractor {
  const patterns = (options.patterns ?? DEFAULT_MEMORY_PATTERNS).map((rule) => ({
    ...rule,
    pattern: rule.pattern.global ? rule.pattern : new RegExp(rule.pattern.source, `${rule.pattern.flags}g`),
  }));
  const maxPerCall = options.maxPerCall ?? 50;
  return {
    async extract({ messages }) {
      // Keyed facts: only the newest statement of a key in this batch is proposed.
      const byKey = new Map<string, ExtractedMemory>();
      const keyless: ExtractedMemory[] = [];
      for (const message of messages) {
        if (message.role !== 'user') continue;
        const text = contentSearchText(message.content);
        for (const rule of patterns) {
          for (const match of text.matchAll(rule.pattern)) {
            const key = typeof rule.key === 'function' ? rule.key(match) : rule.key;
            const fact: ExtractedMemory = {
              text: rule.text(match),
              messageIds: [message.id],
              ...(key !== undefined ? { key } : {}),
              ...(rule.pinned ? { pinned: true } : {}),
              ...(rule.tags ? { tags: rule.tags } : {}),
            };
            if (key === undefined) keyless.push(fact);
            else {
              byKey.delete(key);
              byKey.set(key, fact);
            }
          }
        }
      }
      return [...byKey.values(), ...keyless].slice(0, maxPerCall);
    },
  };
}
