import { tool } from 'ai';
import { z } from 'zod';
import { chatScope, getManager } from './manager';

/** Longest fact the model may ask to keep; a memory is prompt text on every later turn. */
const MAX_FACT_CHARS = 500;

/**
 * The chat's tools. `remember` writes a pinned memory, which every later prompt of this user
 * carries, so it runs only after the user approves it (`needsApproval`: the page shows
 * Approve / Deny, and `useChat` sends the answer back with `addToolApprovalResponse`).
 */
export const chatTools = {
  remember: tool({
    description: 'Save a fact about the user as a pinned memory that later conversations will see.',
    inputSchema: z.object({ fact: z.string().min(1).max(MAX_FACT_CHARS) }),
    needsApproval: true,
    execute: async ({ fact }) => {
      const memory = await (await getManager()).memories.put({ text: fact, pinned: true, tags: ['next-chat'] }, { scope: chatScope });
      return { saved: true, memoryId: memory.id };
    },
  }),
};
