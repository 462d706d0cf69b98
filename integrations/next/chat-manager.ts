import { type BudgetOptions, type Message, type MessageContent, type MessageInput, type Role, type Scope, type ToolDefinition } from '../../src/index.js';

/** The token budget of one assembly: the library's one budget type (`{ maxTokens | model, reserveOutput? }`). */
export type ChatBudget = BudgetOptions;

/** One message of an assembled context (`id` is absent on the synthetic leading system message). */
export interface ChatContextMessage {
  readonly role: Role;
  readonly content: MessageContent;
  readonly name?: string;
  readonly id?: string;
  readonly metadata?: Message['metadata'];
}

/**
 * The part of `ContextManager` the Next.js helpers use, typed structurally so the helpers depend on
 * its shape, not its module (a `ContextManager` instance satisfies it).
 */
export interface ChatContextManager {
  /** Returns the stored messages in input order (with their seqs). */
  append(conversationId: string, messages: MessageInput[], options: { scope: Scope }): Promise<{ readonly messages: readonly Pick<Message, 'id' | 'seq'>[] }>;
  /** The store, for removing the replies a regenerate or retry replaces. */
  readonly store: { deleteMessage(scope: Scope, conversationId: string, messageId: string): Promise<boolean> };
  assemble(
    conversationId: string,
    options: { scope: Scope; budget: ChatBudget; system?: string; tools?: ToolDefinition[]; query?: string },
  ): Promise<{ messages: readonly ChatContextMessage[]; report: { readonly totalTokens: number } }>;
  listMessages(
    conversationId: string,
    options: { scope: Scope; order?: 'asc' | 'desc'; afterSeq?: number; beforeSeq?: number; limit?: number },
  ): Promise<readonly Message[]>;
}
