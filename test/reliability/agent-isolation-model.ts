import { expect } from 'vitest';
import { createMemoryTools as createAiSdkMemoryTools } from '../../integrations/ai-sdk/memory-tools.js';
import { createMemoryTools as createLangChainMemoryTools } from '../../integrations/langchain/memory-tools.js';
import { LLMContextStore } from '../../integrations/langgraph/store.js';
import { ContextManager, type Scope, type Store } from '../../src/index.js';
import type { TestClock } from '../../src/testing/index.js';
import { seededRandom } from './stores.js';

/**
 * Model-based isolation fuzz of the agent-facing surfaces: the memory tools (AI SDK and LangChain
 * adapters) and the LangGraph store, used by 3 tenants × 2 users at once over one store.
 *
 * The model's arguments are adversarial: they carry other scopes' `scope`/`tenantId`/`userId`
 * fields, other scopes' memory ids and keys, and queries for words only other scopes wrote.
 * LangGraph namespaces name other tenants and users (`['users', 't1', 'u0']`). Every text a scope
 * writes carries its owner tag, so any returned text is checked to be the caller's; every 50 steps
 * each scope's whole memory list is compared with the model, so a write into another scope is
 * caught too.
 */
const TENANTS = ['t0', 't1', 't2'];
const USERS = ['u0', 'u1'];
const KEYS = ['k0', 'k1', 'k2'];
const WORDS = ['apple', 'banana', 'cherry', 'delta', 'echo', 'falcon'];
const LABELS = ['users', 'prefs', ...TENANTS, ...USERS];

export interface AgentFuzzReport {
  readonly operations: number;
  readonly counts: Record<string, number>;
  readonly fullChecks: number;
}

const keyOf = (scope: Scope) => `${scope.tenantId}/${scope.userId}`;
/** The owner tag every text of a scope starts with; distinct per scope and not a prefix of another's. */
const ownerTag = (scope: Scope) => `owner-${scope.tenantId}-${scope.userId}-x`;

interface ScopeModel {
  /** Tool memories: id → { key?, text }. */
  readonly memories: Map<string, { key?: string; text: string }>;
  /** LangGraph items: JSON [namespace, key] → value. */
  readonly items: Map<string, { namespace: string[]; key: string; value: { text: string; n: number } }>;
  readonly store: LLMContextStore;
}

export async function runAgentIsolationFuzz(options: { store: Store; clock: TestClock; operations: number; seed: number }): Promise<AgentFuzzReport> {
  const random = seededRandom(options.seed);
  const manager = new ContextManager({ store: options.store, clock: options.clock });
  const aiTools = createAiSdkMemoryTools({ manager });
  const langChainTools = Object.fromEntries(createLangChainMemoryTools({ manager }).map((tool) => [tool.name, tool]));
  const scopes: Scope[] = TENANTS.flatMap((tenantId) => USERS.map((userId) => ({ tenantId, userId })));
  const models = new Map<string, ScopeModel>(scopes.map((scope) => [keyOf(scope), { memories: new Map(), items: new Map(), store: new LLMContextStore({ manager, scope }) }]));
  const counts: Record<string, number> = {};
  let fullChecks = 0;
  let counter = 0;

  /** Calls a memory tool through a random adapter; the AI SDK path passes the raw (unvalidated) arguments. */
  async function callTool(name: 'remember' | 'forget' | 'recall_memories' | 'search_history', args: Record<string, unknown>, scope: Scope): Promise<Record<string, unknown>> {
    const context = { scope, conversationId: `chat-${keyOf(scope).replace('/', '-')}` };
    if (random.next() < 0.5) {
      const execute = aiTools[name].execute as unknown as (input: unknown, execution: unknown) => Promise<Record<string, unknown>>;
      return execute(args, { toolCallId: `call-${counter++}`, messages: [], context });
    }
    const langChainTool = langChainTools[name] as unknown as { invoke(input: unknown, config: unknown): Promise<string> };
    return JSON.parse(await langChainTool.invoke(args, { context })) as Record<string, unknown>;
  }

  /** Fields a hostile model adds to its arguments: another scope, by every name it might try. */
  function hostile(scope: Scope): Record<string, unknown> {
    const other = random.pick(scopes.filter((candidate) => keyOf(candidate) !== keyOf(scope)));
    const fields: Record<string, unknown>[] = [{}, { scope: other }, { tenantId: other.tenantId, userId: other.userId }, { context: { scope: other } }, { userId: other.userId }];
    return random.pick(fields);
  }

  const allMemoryIds = () => [...models.values()].flatMap((model) => [...model.memories.keys()]);

  async function fullCheck(step: number): Promise<void> {
    fullChecks += 1;
    for (const scope of scopes) {
      const model = models.get(keyOf(scope))!;
      const listed = (await manager.memories.list({ scope, limit: 1000 })).items;
      const itemMemories = listed.filter((memory) => memory.tags.includes('langgraph'));
      const toolMemories = listed.filter((memory) => !memory.tags.includes('langgraph'));
      expect(toolMemories.map((memory) => memory.id).sort(), `step ${step}: tool memories of ${keyOf(scope)}`).toEqual([...model.memories.keys()].sort());
      for (const memory of toolMemories) expect(memory.text, `step ${step}: memory ${memory.id} of ${keyOf(scope)}`).toBe(model.memories.get(memory.id)!.text);
      expect(itemMemories.length, `step ${step}: LangGraph items of ${keyOf(scope)}`).toBe(model.items.size);
      for (const memory of listed) expect(memory.text.startsWith(ownerTag(scope)), `step ${step}: ${keyOf(scope)} holds "${memory.text}"`).toBe(true);
    }
  }

  for (let step = 0; step < options.operations; step += 1) {
    const scope = random.pick(scopes);
    const model = models.get(keyOf(scope))!;
    const tag = ownerTag(scope);
    const context = `step ${step} seed ${options.seed} scope ${keyOf(scope)}`;
    const roll = random.next();
    let operation: string;
    if (roll < 0.16) {
      operation = 'remember';
      const key = random.next() < 0.6 ? random.pick(KEYS) : undefined;
      const text = `${tag} ${random.pick(WORDS)} ${counter++}`;
      const output = await callTool('remember', { text, ...(key ? { key } : {}), ...hostile(scope) }, scope);
      const id = output.id as string;
      const previous = key === undefined ? undefined : [...model.memories.entries()].find(([, memory]) => memory.key === key);
      expect(output.updated, `${context}: remember updated`).toBe(previous !== undefined);
      if (previous) expect(id, context).toBe(previous[0]);
      model.memories.set(id, { ...(key ? { key } : {}), text });
    } else if (roll < 0.26) {
      operation = 'forget';
      const ids = allMemoryIds();
      const id = ids.length > 0 && random.next() < 0.7 ? random.pick(ids) : undefined;
      const key = id === undefined || random.next() < 0.3 ? random.pick(KEYS) : undefined;
      const output = await callTool('forget', { ...(id ? { id } : {}), ...(key ? { key } : {}), ...hostile(scope) }, scope);
      const doomed = [...model.memories.entries()].filter(([memoryId, memory]) => memoryId === id || (key !== undefined && memory.key === key)).map(([memoryId]) => memoryId);
      expect(output.forgotten, `${context}: forget ${id ?? ''} ${key ?? ''}`).toBe(doomed.length);
      for (const memoryId of doomed) model.memories.delete(memoryId);
    } else if (roll < 0.38) {
      operation = 'recall_memories';
      const query = random.next() < 0.5 ? random.pick(WORDS) : `${ownerTag(random.pick(scopes))} ${random.pick(WORDS)}`;
      const output = await callTool('recall_memories', { query, limit: 10, ...hostile(scope) }, scope);
      for (const memory of output.memories as Array<{ id: string; text: string }>) {
        expect(memory.text.startsWith(tag), `${context}: recall returned "${memory.text}"`).toBe(true);
      }
    } else if (roll < 0.48) {
      operation = 'search_history';
      const query = random.next() < 0.5 ? random.pick(WORDS) : ownerTag(random.pick(scopes));
      const output = await callTool('search_history', { query, limit: 10, ...hostile(scope) }, scope);
      for (const hit of output.hits as Array<{ snippet: string; conversationId: string }>) {
        expect(hit.snippet.startsWith(tag), `${context}: search_history returned "${hit.snippet}" from ${hit.conversationId}`).toBe(true);
      }
    } else if (roll < 0.56) {
      operation = 'append';
      await manager.append(`chat-${keyOf(scope).replace('/', '-')}`, [{ role: 'user', content: `${tag} said ${random.pick(WORDS)} ${random.pick(WORDS)}` }], { scope });
    } else if (roll < 0.7) {
      operation = 'langgraph.put';
      const namespace = Array.from({ length: 1 + random.int(3) }, () => random.pick(LABELS));
      const key = random.pick(KEYS);
      const value = { text: `${tag} ${random.pick(WORDS)}`, n: random.int(5) };
      if (random.next() < 0.25) {
        await model.store.delete(namespace, key);
        model.items.delete(JSON.stringify([namespace, key]));
      } else {
        await model.store.put(namespace, key, value);
        model.items.set(JSON.stringify([namespace, key]), { namespace, key, value });
      }
    } else if (roll < 0.8) {
      operation = 'langgraph.get';
      const known = [...models.values()].flatMap((other) => [...other.items.values()]);
      const target = known.length > 0 ? random.pick(known) : { namespace: ['users'], key: 'k0' };
      const item = await model.store.get(target.namespace, target.key);
      const expected = model.items.get(JSON.stringify([target.namespace, target.key]));
      expect(item?.value ?? null, `${context}: get ${JSON.stringify(target.namespace)}/${target.key}`).toEqual(expected?.value ?? null);
    } else if (roll < 0.92) {
      operation = 'langgraph.search';
      const prefix = Array.from({ length: random.int(2) }, () => random.pick(LABELS));
      const query = random.next() < 0.5 ? undefined : random.next() < 0.5 ? random.pick(WORDS) : ownerTag(random.pick(scopes));
      const results = await model.store.search(prefix, { limit: 1000, ...(query ? { query } : {}) });
      const expected = [...model.items.entries()].filter(([, item]) => prefix.every((label, index) => item.namespace[index] === label)).map(([key]) => key).sort();
      expect(results.map((item) => JSON.stringify([item.namespace, item.key])).sort(), `${context}: search ${JSON.stringify(prefix)} ${query ?? ''}`).toEqual(expected);
      for (const item of results) expect((item.value as { text: string }).text.startsWith(tag), `${context}: search returned another scope's item`).toBe(true);
    } else {
      operation = 'langgraph.listNamespaces';
      const listed = await model.store.listNamespaces({ limit: 1000 });
      const expected = [...new Set([...model.items.values()].map((item) => JSON.stringify(item.namespace)))].sort();
      expect(listed.map((namespace) => JSON.stringify(namespace)).sort(), `${context}: listNamespaces`).toEqual(expected);
    }
    counts[operation] = (counts[operation] ?? 0) + 1;
    if ((step + 1) % 50 === 0) await fullCheck(step);
  }
  await fullCheck(options.operations);
  return { operations: options.operations, counts, fullChecks };
}
