import type { Message } from '../types.js';

/**
 * A unit of the window that is kept or dropped whole: a single message, or an assistant message
 * with tool calls together with the tool messages that answer them.
 */
export interface MessageUnit {
  readonly messages: readonly Message[];
  /** Token count of each message, in order. */
  readonly messageTokens: readonly number[];
  readonly tokens: number;
  /** Why the unit cannot be sent as is; absent when it is sendable. */
  readonly defect?: 'orphan-tool-result' | 'unanswered-tool-call';
}

const NO_IDS: readonly string[] = [];

function partIds(message: Message, type: 'tool-call' | 'tool-result'): readonly string[] {
  // Most messages are plain text: no array built for them (this runs for every message read).
  if (typeof message.content === 'string') return NO_IDS;
  const ids: string[] = [];
  for (const part of message.content) if (part.type === type) ids.push(part.toolCallId);
  return ids;
}

interface OpenUnit {
  readonly messages: Message[];
  /** Tool call ids still waiting for a result; absent when none (plain messages, most of them). */
  pending: Set<string> | undefined;
  readonly orphan: boolean;
}

/**
 * Groups messages (ascending seq) into units. A `tool` message joins the nearest preceding
 * assistant tool-call unit that is still waiting for one of its results; a tool message with no
 * such unit (its call lies before the messages read, or never existed) is an orphan. A tool-call
 * unit still missing results is marked unanswered — unless an assistant message answers its own
 * calls inline (provider-executed tools), which is complete by itself.
 */
export function groupIntoUnits(messages: readonly Message[], tokensOf: (message: Message) => number): MessageUnit[] {
  const units: OpenUnit[] = [];
  let open: OpenUnit | undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      const results = partIds(message, 'tool-result');
      const waiting = open?.pending;
      if (waiting && results.some((id) => waiting.has(id))) {
        open!.messages.push(message);
        for (const id of results) waiting.delete(id);
        continue;
      }
      units.push({ messages: [message], pending: undefined, orphan: true });
      open = undefined;
      continue;
    }
    const calls = partIds(message, 'tool-call');
    let pending: Set<string> | undefined;
    if (calls.length > 0) {
      pending = new Set(calls);
      for (const id of partIds(message, 'tool-result')) pending.delete(id);
    }
    const unit: OpenUnit = { messages: [message], pending, orphan: false };
    units.push(unit);
    open = message.role === 'assistant' && pending !== undefined && pending.size > 0 ? unit : undefined;
  }
  return units.map((unit) => {
    const messageTokens = unit.messages.map(tokensOf);
    let tokens = 0;
    for (const count of messageTokens) tokens += count;
    if (unit.orphan) return { messages: unit.messages, messageTokens, tokens, defect: 'orphan-tool-result' as const };
    if (unit.pending !== undefined && unit.pending.size > 0) return { messages: unit.messages, messageTokens, tokens, defect: 'unanswered-tool-call' as const };
    return { messages: unit.messages, messageTokens, tokens };
  });
}
