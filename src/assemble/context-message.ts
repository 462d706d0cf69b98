import type { JsonObject, Message, MessageContent, Role } from '../types.js';

/** A message of an assembled prompt: the neutral format the adapters convert from. */
export interface ContextMessage {
  readonly role: Role;
  readonly content: MessageContent;
  readonly name?: string;
  /** The stored message's id; absent on the synthetic leading system message. */
  readonly id?: string;
  /** The stored message's metadata, when it has any keys (adapters restore framework-only fields from it). */
  readonly metadata?: JsonObject;
}

export function toContextMessage(message: Message): ContextMessage {
  return {
    role: message.role,
    content: message.content,
    ...(message.name !== undefined ? { name: message.name } : {}),
    id: message.id,
    ...(Object.keys(message.metadata).length > 0 ? { metadata: message.metadata } : {}),
  };
}
