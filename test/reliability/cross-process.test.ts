import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/spec/store.js';
import type { Message } from '../../src/types.js';
import { FULL, kindAvailable, openStore } from './stores.js';

/**
 * Two Node processes × ≥ 500 appends each (batches of 1–3, 4 in flight per process) to the same
 * conversations → every conversation's seqs are 1…N without gaps, no id twice, every acknowledged
 * message present, and each batch's messages occupy consecutive seqs (never interleaved).
 */
const APPENDS = FULL ? 2000 : 500;
const worker = fileURLToPath(new URL('./append-worker.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const scope = { tenantId: 'concurrency', userId: 'u1' };
const CONVERSATIONS = ['shared-a', 'shared-b', 'shared-c'];

function runWorker(kind: string, location: string, tag: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [worker, kind, location, tag, String(APPENDS), CONVERSATIONS.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(stdout) as { acknowledged: string[] }).acknowledged) : reject(new Error(`worker ${tag} exited ${code}: ${stderr.slice(0, 2000)}`))));
  });
}

async function readAll(store: Store, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = await store.listMessages(scope, conversationId, { order: 'asc', limit: 1000, ...(all.length > 0 ? { afterSeq: all.at(-1)!.seq } : {}) });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

for (const kind of ['postgres', 'redis', 'dynamodb'] as const) {
  describe.skipIf(!kindAvailable(kind))(`appends from two processes on ${kind}`, () => {
    it(`should keep seqs contiguous with no loss, duplicate or interleaving over 2 × ${APPENDS} appends`, async () => {
      const handle = await openStore(kind, 'xproc');
      try {
        for (const id of CONVERSATIONS) await handle.store.createConversation(scope, { id });
        const location = kind === 'postgres' ? handle.schema! : kind === 'dynamodb' ? `${handle.endpoint!} ${handle.tableName!}` : handle.keyPrefix!;
        const [first, second] = await Promise.all([runWorker(kind, location, 'p1'), runWorker(kind, location, 'p2')]);
        const acknowledged = new Set([...first, ...second]);
        let total = 0;
        for (const id of CONVERSATIONS) {
          const messages = await readAll(handle.store, id);
          total += messages.length;
          expect(messages.map((message) => message.seq)).toEqual(messages.map((_, index) => index + 1));
          expect(new Set(messages.map((message) => message.id)).size).toBe(messages.length);
          const conversation = await handle.store.getConversation(scope, id);
          expect(conversation?.lastSeq).toBe(messages.length);
          expect(conversation?.messageCount).toBe(messages.length);
          // A batch `<tag>-<batch>-<index>` must sit on consecutive seqs in index order.
          const seqOf = new Map(messages.map((message) => [message.id, message.seq]));
          for (const message of messages) {
            const [tag, batch, index] = message.id.split('-');
            if (index !== '0') expect(seqOf.get(`${tag}-${batch}-${Number(index) - 1}`), `batch ${tag}-${batch} interleaved`).toBe(message.seq - 1);
          }
        }
        expect(total).toBe(acknowledged.size);
        for (const id of CONVERSATIONS) for (const message of await readAll(handle.store, id)) acknowledged.delete(message.id);
        expect([...acknowledged], 'acknowledged messages lost').toEqual([]);
        console.log(`cross-process ${kind}: 2 processes × ${APPENDS} appends, ${total} messages in ${CONVERSATIONS.length} conversations, contiguous, 0 lost, 0 duplicated`);
      } finally {
        await handle.cleanup();
      }
    }, 180_000);
  });
}
