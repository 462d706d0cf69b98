/**
 * The context server: (1) `ContextManager.assemble` over the remote store (`llm-context/remote`)
 * against the same store in process, at 1,000 and 100,000 messages, interleaved in the same run —
 * the overhead is HTTP on loopback plus JSON both ways (goal: ≤ 2 ms p50, flat in history length);
 * (2) requests/second one `llm-context serve` process holds for append + context under 50
 * concurrent clients, with p50/p99 per request.
 *
 * Both sides use the in-memory store (the server runs `serve --memory` as a child process), so the
 * difference is the server alone. Keys on an in-memory server are minted with the test-only reset
 * hook (`LLM_CONTEXT_TEST_TOKEN`), as the contract tests do.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { ContextManager } from '../src/context-manager.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { createRemoteStore } from '../src/stores/remote/index.js';
import type { Scope } from '../src/types.js';
import { startServe } from '../test/support/serve-process.js';
import { preparedCorpus } from './lib/dataset.js';
import { compare, formatMs, formatRatio, summarize, thousands } from './lib/stats.js';
import { markdownTable, progress } from './lib/table.js';

const BUDGET = 4000;
const CLIENTS = 50;
const scope: Scope = { tenantId: 'bench', userId: 'u1' };

export async function runServerBench(options: { quick: boolean }): Promise<string> {
  const token = randomBytes(24).toString('hex');
  const server = await startServe({ args: ['--memory'], env: { LLM_CONTEXT_TEST_TOKEN: token } });
  try {
    const reset = await fetch(`${server.url}/_test/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-llm-context-test-token': token },
      body: JSON.stringify({ keys: [{ tenantId: 'bench', role: 'write' }] }),
    });
    const [apiKey] = ((await reset.json()) as { keys: string[] }).keys;
    const remote = createRemoteStore({ url: server.url, apiKey: apiKey! });
    const local = createMemoryStore();
    const remoteManager = new ContextManager({ store: remote });
    const localManager = new ContextManager({ store: local });

    const sizes = options.quick ? [1000, 10_000] : [1000, 100_000];
    const corpus = await preparedCorpus(sizes.at(-1)!);
    const rows: string[][] = [];
    for (const size of sizes) {
      const id = `c${size}`;
      progress(`server: seeding ${thousands(size)} messages in process and over HTTP`);
      // Remote first: its socket then idles only through the in-process seeding, and the first remote call after it is an (idempotent, retried) read.
      for (const store of [remote, local]) {
        await store.createConversation(scope, { id });
        for (let start = 0; start < size; start += 1000) await store.appendMessages(scope, id, corpus.slice(start, Math.min(size, start + 1000)));
      }
      // Both managers fold the seeded backlog into a summary in the background: time and compare
      // the steady state, not two folds at different stages.
      await Promise.all([localManager.assemble(id, { scope, budget: { maxTokens: BUDGET } }), remoteManager.assemble(id, { scope, budget: { maxTokens: BUDGET } })]);
      await Promise.all([localManager.settled(), remoteManager.settled()]);
      const results = await compare({
        iterations: options.quick ? 60 : 300,
        warmup: 20,
        contenders: {
          local: () => localManager.assemble(id, { scope, budget: { maxTokens: BUDGET } }),
          remote: () => remoteManager.assemble(id, { scope, budget: { maxTokens: BUDGET } }),
        },
      });
      await Promise.all([localManager.settled(), remoteManager.settled()]);
      const check = await remoteManager.assemble(id, { scope, budget: { maxTokens: BUDGET } });
      const expected = await localManager.assemble(id, { scope, budget: { maxTokens: BUDGET } });
      if (JSON.stringify(check.report.sections) !== JSON.stringify(expected.report.sections)) throw new Error(`remote and in-process assemblies differ at ${size} messages`);
      rows.push([
        thousands(size),
        formatMs(results.local!.median),
        formatMs(results.remote!.median),
        formatMs(results.remote!.median - results.local!.median),
        formatRatio(results.remote!.median / results.local!.median),
        formatMs(results.local!.p95),
        formatMs(results.remote!.p95),
        `${check.report.reads.roundTrips}`,
      ]);
    }

    progress(`server: ${CLIENTS} concurrent clients, append + context`);
    const durationMs = options.quick ? 3000 : 10_000;
    const latencies: Record<'append' | 'context', number[]> = { append: [], context: [] };
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    let errors = 0;
    const timed = async (kind: 'append' | 'context', path: string, body: unknown) => {
      const started = performance.now();
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      await response.arrayBuffer();
      if (!response.ok) errors += 1;
      latencies[kind].push(performance.now() - started);
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        let turn = 0;
        while (performance.now() - started < durationMs) {
          await timed('append', `/v1/conversations/load-${client}/messages`, { messages: [{ role: turn % 2 ? 'assistant' : 'user', content: `turn ${turn} of client ${client}: ${'a few words about the order status '.repeat(3)}` }] });
          await timed('context', `/v1/conversations/load-${client}/context`, { budget: { maxTokens: 2000 }, system: 'Answer briefly.' });
          turn += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const all = [...latencies.append, ...latencies.context];
    const percentile = (samples: number[], quantile: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.ceil(quantile * samples.length) - 1)]!;
    const loadRows = (['append', 'context'] as const).map((kind) => [kind, thousands(latencies[kind].length / elapsed), formatMs(summarize(latencies[kind]).median), formatMs(percentile(latencies[kind], 0.99))]);
    loadRows.push(['both', thousands(all.length / elapsed), formatMs(summarize(all).median), formatMs(percentile(all, 0.99))]);

    return [
      '### Context server',
      `\`ContextManager.assemble\` (budget ${BUDGET} tokens) over the remote store against \`llm-context serve --memory\` on loopback, vs the same in-memory store in process; interleaved, same run. Overhead = remote p50 − in-process p50.`,
      markdownTable(['messages', 'in-process p50 ms', 'remote p50 ms', 'overhead p50 ms', 'ratio', 'in-process p95 ms', 'remote p95 ms', 'round trips'], rows),
      `Load average during the run: ${loadavg().map((value) => value.toFixed(1)).join(' / ')} (1/5/15 min) on ${navigator.hardwareConcurrency} cores; other work on the machine inflates every figure and the p95/p99 most.`,
      `One \`llm-context serve --memory\` process, ${CLIENTS} concurrent clients each appending one message then assembling its context (budget 2,000), for ${(durationMs / 1000).toFixed(0)} s (${thousands(all.length)} requests, ${errors} errors). The clients run in the benchmark process on the same machine.`,
      markdownTable(['request', 'requests/s', 'p50 ms', 'p99 ms'], loadRows),
    ].join('\n\n');
  } catch (error) {
    throw new Error(`${String((error as Error).stack ?? error)}\ncause: ${String((error as Error).cause)}\nserver output:\n${server.output().slice(-2000)}`);
  } finally {
    await server.stop();
  }
}
