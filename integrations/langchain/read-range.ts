import type { ManagerLike } from './manager-like.js';
import { type Message, type Scope } from '../../src/index.js';

/** Page size for reading stored messages (the store's maximum). */
export const PAGE_SIZE = 1000;

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
