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

function toolCallIds(message: Message): string[] {
  if (typeof message.content === 'string') return [];
  return message.content.flatMap((part) => (part.type === 'tool-call' ? [part.toolCallId] : []));
}

function toolResultIds(message: Message): string[] {
  if (typeof message.content === 'string') return [];
  return message.content.flatMap((part) => (part.type === 'tool-result' ? [part.toolCallId] : []));
}

/**
 * Groups messages (ascending seq) into units. A `tool` message joins the nearest preceding
 * assistant tool-call unit that is still waiting for one of its results; a tool message with no
 * such unit (its call lies before the messages read, or never existed) is an orphan. A tool-call
 * unit still missing results is marked unanswered — unless an assistant message answers its own
 * calls inline (provider-executed tools), which is complete by itself.
 */
export function groupIntoUnits(messages: readonly Message[], tokensOf: (message: Message) => number): MessageUnit[] {
  const units: Array<{ messages: Message[]; pending: Set<string>; orphan: boolean }> = [];
  let open: { messages: Message[]; pending: Set<string>; orphan: boolean } | undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      const results = toolResultIds(message);
      if (open && results.some((id) => open!.pending.has(id))) {
        open.messages.push(message);
        for (const id of results) open.pending.delete(id);
        continue;
      }
      units.push({ messages: [message], pending: new Set(), orphan: true });
      open = undefined;
      continue;
    }
    const pending = new Set(toolCallIds(message));
    for (const id of toolResultIds(message)) pending.delete(id);
    const unit = { messages: [message], pending, orphan: false };
    units.push(unit);
    open = message.role === 'assistant' && pending.size > 0 ? unit : undefined;
  }
  return units.map((unit) => {
    const messageTokens = unit.messages.map(tokensOf);
    return {
    messages: unit.messages,
    messageTokens,
    tokens: messageTokens.reduce((sum, tokens) => sum + tokens, 0),
    ...(unit.orphan ? { defect: 'orphan-tool-result' as const } : unit.pending.size > 0 ? { defect: 'unanswered-tool-call' as const } : {}),
    };
  });
}
