import type { Message } from '../types.js';

/** The readable text of a message: text parts verbatim, tool calls and results in brackets. */
export function messageText(message: Pick<Message, 'content'>): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => {
      switch (part.type) {
        case 'text':
          return part.text;
        case 'reasoning':
          return '';
        case 'file':
          return `[file ${part.filename ?? part.url}]`;
        case 'tool-call':
          return `[tool call ${part.toolName} ${JSON.stringify(part.input)}]`;
        case 'tool-result':
          return `[tool result ${part.toolName}: ${typeof part.output === 'string' ? part.output : JSON.stringify(part.output)}]`;
      }
    })
    .filter((text) => text.length > 0)
    .join(' ');
}
