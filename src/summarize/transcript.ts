import type { Message } from '../types.js';
import { contentSearchText } from '../search/message-text.js';

/**
 * Renders turns as a plain transcript, one line per turn: `speaker: text`, where speaker is the
 * message `name` or its role; tool calls and results appear as `toolName {json}`. This is what
 * summarizers read (LLM adapters put it in their prompt); it never includes metadata.
 */
export function formatTranscript(messages: readonly Message[]): string {
  return messages.map((message) => `${speakerOf(message)}: ${contentSearchText(message.content).replace(/\s*\n\s*/g, ' ')}`).join('\n');
}

/** The label of a turn in a transcript: its participant name, else its role. */
export function speakerOf(message: Pick<Message, 'name' | 'role'>): string {
  return message.name ?? message.role;
}
