import { ContextManager, defaultScope, type Scope } from 'llm-context';
import { createEmbeddedStore } from 'llm-context/embedded';

/** This example is single-tenant; a real app derives the scope from the signed-in user. */
export const chatScope: Scope = defaultScope();

/** Where the chats are kept: PGlite files, so they survive a server restart. */
const DATA_DIR = process.env.CHAT_DATA_DIR ?? '.llm-context/next-chat';

const KEY = Symbol.for('llm-context.examples.next-chat.manager');

/**
 * One manager per server process. It lives on `globalThis` because Next.js bundles the page and the
 * route handler separately (and reloads modules in development) while PGlite allows one open
 * handle per data directory.
 */
export function getManager(): Promise<ContextManager> {
  const holder = globalThis as { [KEY]?: Promise<ContextManager> };
  holder[KEY] ??= createEmbeddedStore({ dataDir: DATA_DIR }).then((store) => new ContextManager({ store }));
  return holder[KEY];
}
