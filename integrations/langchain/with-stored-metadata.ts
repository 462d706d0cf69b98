import type { AssemblyReport } from '../../src/assemble/report.js';
import type { Message, Scope } from '../../src/types.js';
import type { ConvertibleMessage } from './convert-messages.js';
import type { AssembledMessage, ManagerLike } from './manager-like.js';

/** Page size for reading stored messages (the store's maximum). */
export const PAGE_SIZE = 1000;

/**
 * Assembled messages carry no metadata; this re-reads the assembled window (and only it) so the
 * LangChain-only fields kept in `metadata.langchain` can be restored. One extra read per 1,000
 * window messages.
 */
export async function withStoredMetadata(options: {
  manager: ManagerLike;
  conversationId: string;
  scope: Scope;
  messages: readonly AssembledMessage[];
  window: AssemblyReport['window'];
}): Promise<ConvertibleMessage[]> {
  const { fromSeq, toSeq } = options.window;
  if (fromSeq === null || toSeq === null) return [...options.messages];
  const stored = await readRange({ ...options, afterSeq: fromSeq - 1, beforeSeq: toSeq + 1 });
  const metadataById = new Map(stored.map((message) => [message.id, message.metadata]));
  return options.messages.map((message) => {
    const metadata = message.id === undefined ? undefined : metadataById.get(message.id);
    return metadata === undefined ? message : { ...message, metadata };
  });
}

/** Stored messages with `afterSeq < seq < beforeSeq` (either bound optional), ascending, page by page. */
export async function readRange(options: { manager: ManagerLike; conversationId: string; scope: Scope; afterSeq?: number; beforeSeq?: number }): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const afterSeq = all.at(-1)?.seq ?? options.afterSeq;
    const page = await options.manager.listMessages(options.conversationId, {
      scope: options.scope,
      order: 'asc',
      limit: PAGE_SIZE,
      ...(afterSeq === undefined ? {} : { afterSeq }),
      ...(options.beforeSeq === undefined ? {} : { beforeSeq: options.beforeSeq }),
    });
    all.push(...page);
    if (page.length < PAGE_SIZE) return all;
  }
}
