import type { Message, MessageContent } from '../types.js';

/**
 * The text of a message that lexical search indexes and embedders embed: text parts and, so a
 * question about a tool's answer can find it, tool names, tool-call inputs and tool-result
 * outputs (JSON). Reasoning parts and file URLs are left out: they are not what the user said.
 * The participant `name` is prepended (`Caroline: …`) because questions name who said something.
 *
 * Stores that implement `searchMessages` in-process should index exactly this text.
 */
export function messageSearchText(message: Pick<Message, 'content' | 'name'>): string {
  const text = contentSearchText(message.content);
  return message.name === undefined ? text : `${message.name}: ${text}`;
}

/** The searchable text of message content (see {@link messageSearchText}), parts joined by newlines. */
export function contentSearchText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  const pieces: string[] = [];
  for (const part of content) {
    switch (part.type) {
      case 'text':
        pieces.push(part.text);
        break;
      case 'tool-call':
        pieces.push(`${part.toolName} ${JSON.stringify(part.input)}`);
        break;
      case 'tool-result':
        pieces.push(`${part.toolName} ${typeof part.output === 'string' ? part.output : JSON.stringify(part.output)}`);
        break;
      case 'file':
        if (part.filename !== undefined) pieces.push(part.filename);
        break;
      case 'reasoning':
        break;
    }
  }
  return pieces.join('\n');
}
